package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// transportSecurityCases: BEHAVIOURS.md §2, TLS and secrets.
func transportSecurityCases() []*caseDef {
	return []*caseDef{
		newCase("tls/verify", knoxerr.MUST, "refuse a certificate that does not chain to the given CA",
			"MUST refuse a server whose certificate does not chain to the CA it was given.", sourceBehaviours).
			needs(target.OpListDevices).with(knoxtest.WithTLS()).scenario(func(r *caseRun) {
			r.caFile = throwawayCA(r)
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveReachedNoServer("the server's certificate is not signed by the CA the client was given"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedKind(knoxerr.KindNetwork))
		}),

		newCase("tls/private-ca", knoxerr.MUST, "trust the CA file it is given",
			"MUST reach a server whose certificate chains to the CA file it was given: a client that ignores the CA file and knows only the system roots cannot work against a private-CA deployment.",
			sourceBehaviours).
			needs(target.OpListDevices).with(knoxtest.WithTLS()).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveSucceeded("the server's certificate chains to the CA file the client was given"))
		}),

		newCase("secrets/placement", knoxerr.MUST, "secrets only where documented",
			"client_secret and the private key MUST never appear in a URL query or in a header other than where documented.",
			sourceBehaviours).
			needs(target.OpExchangeCode, target.OpListDevices).scenario(func(r *caseRun) {
			markers := map[string]string{
				"client_secret":             r.creds.SAClientSecret,
				"client_secret fingerprint": journalFingerprint(r.creds.SAClientSecret),
				"private key":               privateKeyPrefix(r.creds.KeysFile),
			}
			r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()})
			r.invoke(target.OpListDevices, firstPage)
			r.must(r.ev(), HaveKeptSecretsOut(markers))
		}),
	}
}

// journalFingerprint is the hex part of the fingerprint knoxtest's journal puts
// in place of a redacted value (sha256, first 6 bytes): a redacted secret in a
// query string is recognised by it.
func journalFingerprint(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:6])
}

// privateKeyPrefix is the start of the base64 private key in keys.json: enough
// to recognise it in a header or query, never logged.
func privateKeyPrefix(keysFile string) string {
	data, err := os.ReadFile(keysFile)
	if err != nil {
		return ""
	}
	var f struct{ Private string }
	if json.Unmarshal(data, &f) != nil || len(f.Private) < 48 {
		return ""
	}
	return f.Private[16:48]
}

// throwawayCA writes a freshly generated CA certificate, unrelated to the
// server's, to a temp file removed after the spec.
func throwawayCA(r *caseRun) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		r.s.hooks.fail("ERROR (a harness problem, not a verdict on the client): " + "generating a throwaway CA key: " + err.Error())
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "knoxconform throwaway CA (trusts nothing real)"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		r.s.hooks.fail("ERROR (a harness problem, not a verdict on the client): " + "creating a throwaway CA certificate: " + err.Error())
	}
	path := filepath.Join(r.tempDir(), "other-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		r.s.hooks.fail("ERROR (a harness problem, not a verdict on the client): " + "writing the throwaway CA: " + err.Error())
	}
	return path
}
