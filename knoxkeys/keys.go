// Package knoxkeys reads, writes and generates Knox keys.json files and signs the
// JWTs Knox Cloud Authentication expects (RS512, aud "KnoxWSM", a clientIdentifier
// or accessToken claim, the public key, a unique jti, iat and exp).
//
// It is shared by the simulated server (which issues keys.json files) and the
// reference client (which signs with them). It does no network I/O.
package knoxkeys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Keys is the content of a keys.json file.
type Keys struct {
	Private *rsa.PrivateKey
	// Identifier is the portal's identifier of the key pair.
	Identifier string
}

// PrivateFormat selects the DER encoding of the private key in keys.json.
type PrivateFormat int

const (
	PKCS8 PrivateFormat = iota
	PKCS1
)

// file is keys.json as Knox's portal writes it: base64 DER without PEM armour.
type file struct {
	Public     string `json:"Public"`
	Private    string `json:"Private"`
	Identifier string `json:"Identifier"`
}

// Generate makes a fresh RSA key pair (bits ≥ 2048 in real use; tests may use less).
func Generate(bits int, identifier string) (*Keys, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return &Keys{Private: k, Identifier: identifier}, nil
}

// PublicB64 is the public key as clients send it: standard base64 of the
// SubjectPublicKeyInfo DER.
func (k *Keys) PublicB64() string {
	der, err := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	if err != nil { // cannot happen for an RSA key
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// Marshal renders keys.json, the private key in format, base64 wrapped at 64
// columns with embedded newlines when wrap is set (as some portal downloads are).
func (k *Keys) Marshal(format PrivateFormat, wrap bool) ([]byte, error) {
	var der []byte
	switch format {
	case PKCS1:
		der = x509.MarshalPKCS1PrivateKey(k.Private)
	default:
		var err error
		if der, err = x509.MarshalPKCS8PrivateKey(k.Private); err != nil {
			return nil, err
		}
	}
	pub := k.PublicB64()
	priv := base64.StdEncoding.EncodeToString(der)
	if wrap {
		pub, priv = wrap64(pub), wrap64(priv)
	}
	return json.MarshalIndent(file{Public: pub, Private: priv, Identifier: k.Identifier}, "", "  ")
}

func wrap64(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64])
		b.WriteByte('\n')
		s = s[64:]
	}
	b.WriteString(s)
	return b.String()
}

// WriteFile writes keys.json to path with mode 0600.
func (k *Keys) WriteFile(path string, format PrivateFormat) error {
	data, err := k.Marshal(format, false)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// Load reads and parses a keys.json file.
func Load(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys.json: %w", err)
	}
	k, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Parse decodes keys.json. It accepts PKCS#1 and PKCS#8 private keys and SPKI and
// PKCS#1 public keys, base64 with or without embedded newlines, and PEM armour.
// The public key must belong to the private key.
func Parse(data []byte) (*Keys, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("keys.json is not a JSON object with Public, Private and Identifier: %v", err)
	}
	if strings.TrimSpace(f.Private) == "" {
		return nil, errors.New(`keys.json: field "Private" is missing or empty`)
	}
	der, err := decodeB64(f.Private)
	if err != nil {
		return nil, fmt.Errorf(`keys.json: field "Private" is not base64 DER (PKCS#1 or PKCS#8 expected): %v`, err)
	}
	priv, err := ParsePrivateKeyDER(der)
	if err != nil {
		return nil, fmt.Errorf(`keys.json: field "Private": %v`, err)
	}
	k := &Keys{Private: priv, Identifier: f.Identifier}
	if strings.TrimSpace(f.Public) != "" {
		pub, err := ParsePublicKey(f.Public)
		if err != nil {
			return nil, fmt.Errorf(`keys.json: field "Public": %v`, err)
		}
		if !pub.Equal(&priv.PublicKey) {
			return nil, errors.New(`keys.json: field "Public" is not the public half of "Private"`)
		}
	}
	return k, nil
}

// ParsePrivateKeyDER reads an RSA private key in PKCS#1 or PKCS#8 DER.
func ParsePrivateKeyDER(der []byte) (*rsa.PrivateKey, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	k8, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("not an RSA private key in PKCS#1 or PKCS#8 DER")
	}
	rk, ok := k8.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("PKCS#8 key is %T, Knox needs RSA", k8)
	}
	return rk, nil
}

// ParsePublicKey reads a base64 RSA public key in SubjectPublicKeyInfo or PKCS#1
// DER, as clients send it in base64EncodedStringPublicKey and the publicKey claim.
func ParsePublicKey(b64 string) (*rsa.PublicKey, error) {
	der, err := decodeB64(b64)
	if err != nil {
		return nil, fmt.Errorf("not base64 DER (SPKI or PKCS#1 expected): %v", err)
	}
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key is %T, Knox needs RSA", pub)
		}
		return rk, nil
	}
	if rk, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return rk, nil
	}
	return nil, errors.New("not an RSA public key in SPKI or PKCS#1 DER")
}

// decodeB64 accepts standard or URL base64, padded or not, with whitespace and
// optional PEM armour lines.
func decodeB64(s string) ([]byte, error) {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-----") {
			continue
		}
		b.WriteString(line)
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' {
			return -1
		}
		return r
	}, b.String())
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if der, err := enc.DecodeString(clean); err == nil {
			return der, nil
		}
	}
	return nil, errors.New("invalid base64")
}

// MinBits is the smallest RSA modulus Knox accepts for a client key pair.
const MinBits = 2048

// CheckStrength refuses a key pair whose modulus is shorter than MinBits, with
// a message that says how to make a good one.
func CheckStrength(k *Keys) error {
	if k == nil || k.Private == nil {
		return fmt.Errorf("no key pair")
	}
	if bits := k.Private.N.BitLen(); bits < MinBits {
		return fmt.Errorf("the RSA key is %d bits; Knox requires %d bits or more: download a new keys.json from the Knox portal, or let `knoxconform serve` generate one (leave out --keys)", bits, MinBits)
	}
	return nil
}
