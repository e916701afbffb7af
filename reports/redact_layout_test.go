package reports

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// wrapAt breaks s into lines of width characters joined by sep.
func wrapAt(s string, width int, sep string) string {
	var lines []string
	for len(s) > width {
		lines = append(lines, s[:width])
		s = s[width:]
	}
	return strings.Join(append(lines, s), sep)
}

// TestRedactionDoesNotDependOnLayout leaks a real private key and a client
// secret into every free-text field of a run the way adapters print them —
// the key re-wrapped at other widths than keys.json's, with other line ends,
// inside JSON, the secret in two halves — and scans every artifact the writers
// produce: no line of any layout, no half, and no ten-character run of either
// credential may survive.
func TestRedactionDoesNotDependOnLayout(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	private := base64.StdEncoding.EncodeToString(der) // as keys.json holds it: one line
	secret := "k3ysecretABCDEFghijklmn0123456789"[:32]
	halves := []string{secret[:16], secret[16:]}

	var leaks []string
	var lines []string // every line of every layout, each must vanish
	for _, width := range []int{64, 76, 50, 100} {
		for _, sep := range []string{"\n", "\r\n", `\n`} {
			wrapped := wrapAt(private, width, sep)
			leaks = append(leaks, "adapter: loaded key "+wrapped+" ok")
			for _, l := range strings.Split(strings.ReplaceAll(wrapped, `\n`, "\n"), "\n") {
				if l = strings.TrimSpace(l); len(l) >= fragmentLen {
					lines = append(lines, l)
				}
			}
		}
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	leaks = append(leaks,
		"pem: "+strings.ReplaceAll(pemKey, "-----", "====="), // armour a PEM pattern does not know
		"first half of the key: "+private[:len(private)/2]+" and later the rest: "+private[len(private)/2:],
		"client_secret starts "+halves[0]+", ends "+halves[1],
		`{"client_secret":"`+halves[0]+`"+"`+halves[1]+`"}`,
	)
	leak := strings.Join(leaks, "\n")

	s := sampleSummary()
	for i := range s.Cases {
		c := &s.Cases[i]
		c.Stderr += leak
		c.Reason = leak
		if c.Outcome != nil {
			c.Outcome.Message = leak
		}
		for j := range c.Checks {
			c.Checks[j].Actual = leak
		}
	}
	ginkgo := types.Report{SuiteDescription: "layout", SpecReports: types.SpecReports{
		{LeafNodeText: "leaky", CapturedStdOutErr: leak, CapturedGinkgoWriterOutput: leak}}}
	dir := t.TempDir()
	// The Redactor is told the credentials as the suite knows them: the key as
	// keys.json holds it, the secret whole.
	if err := WriteAllWith(dir, s, ginkgo, Options{Secrets: []string{private, secret}}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 5 {
		t.Fatalf("the writers produced %d artifacts, want all 5", len(entries))
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if !strings.Contains(text, Fingerprint(private)) {
			t.Errorf("%s: the key's fingerprint is missing, so the leak never reached it and the scan proves nothing", e.Name())
		}
		survived := 0
		for _, l := range lines {
			if strings.Contains(text, l) {
				survived++
			}
		}
		if survived > 0 {
			t.Errorf("%s: %d lines of the re-wrapped key survived", e.Name(), survived)
		}
		for _, h := range halves {
			if strings.Contains(text, h) {
				t.Errorf("%s: half of the client secret survived", e.Name())
			}
		}
	}
	findings, err := ScanForSecrets(dir, []string{private, secret})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Errorf("a run of ten or more characters of a credential survived: %s", f)
	}
}

// TestScanFindsRewrappedSecrets: the scanner that proves the artifacts clean
// must itself see a key in another layout and a split secret.
func TestScanFindsRewrappedSecrets(t *testing.T) {
	_, private := testKey(t)
	secret := "abcdefghij0123456789ABCDEFGHIJxy"
	dir := t.TempDir()
	files := map[string]string{
		"wrapped76.txt": wrapAt(private, 76, "\r\n"),
		"oneline.txt":   "line: " + private[300:340],
		"halves.txt":    "secret " + secret[:16] + " / " + secret[16:],
		"clean.txt":     "nothing here but [redacted " + Fingerprint(private) + "] and " + base64.StdEncoding.EncodeToString([]byte("an ordinary blob")),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	findings, err := ScanForSecrets(dir, []string{private, secret})
	if err != nil {
		t.Fatal(err)
	}
	want := "halves.txt: secret #1,oneline.txt: secret #0,wrapped76.txt: secret #0"
	if got := strings.Join(findings, ","); got != want {
		t.Errorf("findings = %s, want %s", got, want)
	}
}

// TestContentRedactionKeepsOrdinaryText: pieces of a low-entropy secret (a
// deliberately wrong client secret of zeros) and a key's public half are not
// credentials, and numbers or public keys in a report must survive.
func TestContentRedactionKeepsOrdinaryText(t *testing.T) {
	key, private := testKey(t)
	pub := base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(&key.PublicKey))
	r := NewRedactor(strings.Repeat("0", 32), private)
	in := "took 1000000000ns; devices 350000000001000; modulus " + pub[10:40] // shorter than a token by shape
	if got := r.Text(in); got != in {
		t.Errorf("ordinary text changed:\n got %s\nwant %s", got, in)
	}
}

// A Redactor learns a run's secrets one client at a time, between the lines
// it redacts, and indexes only the new ones each time: it must redact exactly
// what a Redactor given every secret at once does (a private key learnt
// last still takes its public key's pieces out of the index, although a
// secret learnt earlier held them), and none of the secrets may survive.
func TestRedactorLearningOneAtATimeRedactsAsAllAtOnce(t *testing.T) {
	key, private := testKey(t)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	public := base64.StdEncoding.EncodeToString(spki)
	secrets := []string{
		"kept " + public[40:120] + " next to a secret", // holds public pieces, learnt before the key
		randomToken(t), randomToken(t), "k3ysecretABCDEFghijklmn0123456789",
		wrapAt(private, 64, "\n"), randomToken(t), private,
	}
	text := "public key " + public + "\nkey " + wrapAt(private, 76, `\n`) + "\n" + strings.Join(secrets, " | ") +
		"\nhalves " + secrets[3][:16] + " " + secrets[3][16:]

	// The other order: the private key, and so its public key's pieces,
	// known before the secret that holds some of them; the key whole before
	// its wrapped copy, which shares its pieces and is longer.
	reversed := slices.Clone(secrets)
	slices.Reverse(reversed)
	all := NewRedactor(reversed...)
	want := all.Text(text)
	one := NewRedactor()
	for i, s := range secrets {
		one.Add(s)
		_ = one.Text("line " + strconv.Itoa(i) + " " + s)
	}
	if got := one.Text(text); got != want {
		t.Errorf("learning one secret at a time redacts differently:\n got %s\nwant %s", got, want)
	}
	for i, s := range secrets[1:] {
		for _, line := range strings.Split(s, "\n") {
			if len(line) >= fragmentLen && strings.Contains(want, line) {
				t.Errorf("secret %d survived: %q", i+1, line)
			}
		}
	}
}

// BenchmarkRedactorLearningClients is a run's Redactor: each client hands it
// three secrets, then its adapter's reply lines are redacted.
func BenchmarkRedactorLearningClients(b *testing.B) {
	for _, clients := range []int{50, 200} {
		b.Run(strconv.Itoa(clients)+" clients", func(b *testing.B) {
			var secrets [][3]string
			for range clients {
				var s [3]string
				for j := range s {
					buf := make([]byte, 32)
					_, _ = rand.Read(buf)
					s[j] = base64.RawURLEncoding.EncodeToString(buf)
				}
				secrets = append(secrets, s)
			}
			line := `{"v":1,"id":"7","type":"result","result":{"ok":false,"error":{"kind":"auth","httpStatus":401,"code":"4012250","message":"the server rejected the JWT"}}}`
			for b.Loop() {
				r := NewRedactor()
				for _, s := range secrets {
					r.Add(s[:]...)
					for range 4 {
						_ = r.Text(line)
					}
				}
			}
		})
	}
}

// testKey is a fresh RSA key and its PKCS#8 DER in base64 on one line, as
// keys.json holds a private key.
func testKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, base64.StdEncoding.EncodeToString(der)
}
