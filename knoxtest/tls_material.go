package knoxtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"sync"
	"time"
)

// tlsMaterial is the process-wide CA and the server certificate it signed.
type tlsMaterial struct {
	server      *tls.Config
	clientRoots *x509.CertPool
	caPEM       []byte // the CA certificate, for clients' CA files
}

// processTLS generates, once per process, a CA and a certificate for 127.0.0.1,
// ::1 and localhost. ECDSA P-256 keeps that cheap.
var processTLS = sync.OnceValues(generateTLS)

func generateTLS() (*tlsMaterial, error) {
	caKey, caCert, err := newCA(7 * 24 * time.Hour)
	if err != nil {
		return nil, err
	}
	return serverTLS(caKey, caCert)
}

// newCA makes a CA key and self-signed certificate valid for validity.
func newCA(validity time.Duration) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate the test CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "knoxtest CA (testing only)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create the test CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, err
	}
	return caKey, caCert, nil
}

// serverTLS issues a certificate for 127.0.0.1, ::1 and localhost signed by the
// CA, valid as long as the CA is.
func serverTLS(caKey *ecdsa.PrivateKey, caCert *x509.Certificate) (*tlsMaterial, error) {
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate the server key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(2)),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     caCert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create the server certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	cert := tls.Certificate{Certificate: [][]byte{srvDER, caCert.Raw}, PrivateKey: srvKey}
	return &tlsMaterial{
		server:      &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		clientRoots: pool,
		caPEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}),
	}, nil
}

// sandboxCAValidity is how long a CA the sandbox keeps in --dir lasts; clients
// pinned to it keep working across restarts that long.
const sandboxCAValidity = 365 * 24 * time.Hour

// loadOrCreateCA reuses the CA whose certificate and key are in certFile and
// keyFile, or creates one there when neither exists, and issues the server a
// certificate signed by it. created reports a new CA.
func loadOrCreateCA(certFile, keyFile string) (tm *tlsMaterial, created bool, err error) {
	certPEM, certErr := os.ReadFile(certFile)
	keyPEM, keyErr := os.ReadFile(keyFile)
	switch {
	case certErr == nil && keyErr == nil:
		caKey, caCert, err := parseCA(certPEM, keyPEM)
		if err != nil {
			return nil, false, fmt.Errorf("reuse the CA in %s and %s: %w (delete both to generate a new CA; clients pinned to the old one must then be given the new %s)",
				certFile, keyFile, err, certFile)
		}
		if time.Now().After(caCert.NotAfter) {
			return nil, false, fmt.Errorf("the CA in %s expired on %s; delete %s and %s to generate a new one",
				certFile, caCert.NotAfter.Format(time.DateOnly), certFile, keyFile)
		}
		tm, err := serverTLS(caKey, caCert)
		return tm, false, err
	case errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist):
	case certErr != nil && !errors.Is(certErr, fs.ErrNotExist):
		return nil, false, fmt.Errorf("read %s: %w", certFile, certErr)
	case keyErr != nil && !errors.Is(keyErr, fs.ErrNotExist):
		return nil, false, fmt.Errorf("read %s: %w", keyFile, keyErr)
	default:
		return nil, false, fmt.Errorf("only one of %s and %s exists; restore the other, or delete both to generate a new CA", certFile, keyFile)
	}
	caKey, caCert, err := newCA(sandboxCAValidity)
	if err != nil {
		return nil, false, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(caKey)
	if err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, false, fmt.Errorf("write %s: %w", keyFile, err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}), 0o644); err != nil {
		return nil, false, fmt.Errorf("write %s: %w", certFile, err)
	}
	tm, err = serverTLS(caKey, caCert)
	return tm, true, err
}

func parseCA(certPEM, keyPEM []byte) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, errors.New("the certificate file holds no PEM CERTIFICATE")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, nil, errors.New("the key file holds no PEM key")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	ek, isEC := k.(*ecdsa.PrivateKey)
	if !isEC || !ek.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, errors.New("the key is not the certificate's key")
	}
	return ek, cert, nil
}
