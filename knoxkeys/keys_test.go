package knoxkeys

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func testKeys(t testing.TB) *Keys {
	t.Helper()
	k, err := Generate(1024, "id-1")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTripEveryEncoding(t *testing.T) {
	k := testKeys(t)
	for _, format := range []PrivateFormat{PKCS1, PKCS8} {
		for _, wrap := range []bool{false, true} {
			data, err := k.Marshal(format, wrap)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatalf("format %d wrap %v: %v", format, wrap, err)
			}
			if !got.Private.Equal(k.Private) || got.Identifier != "id-1" {
				t.Fatalf("format %d wrap %v: keys differ after round trip", format, wrap)
			}
		}
	}
}

func TestParseRejectsBadInputWithClearErrors(t *testing.T) {
	k := testKeys(t)
	other := testKeys(t)
	cases := map[string]struct{ in, want string }{
		"not json":        {`{"Private":`, "not a JSON object"},
		"no private":      {`{"Public":"AAAA"}`, `field "Private" is missing`},
		"private not b64": {`{"Private":"%%%"}`, `field "Private" is not base64 DER`},
		"private not key": {`{"Private":"AAAA"}`, "not an RSA private key"},
		"public mismatch": {`{"Private":"` + privB64(t, k) + `","Public":"` + other.PublicB64() + `"}`, "not the public half"},
		"public garbage":  {`{"Private":"` + privB64(t, k) + `","Public":"AAAA"}`, `field "Public"`},
	}
	for name, c := range cases {
		_, err := Parse([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want it to mention %q", name, err, c.want)
		}
	}
}

func privB64(t *testing.T, k *Keys) string {
	data, err := k.Marshal(PKCS1, false)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, `"Private": "`) + len(`"Private": "`)
	return s[i : i+strings.Index(s[i:], `"`)]
}

func TestSignProducesVerifiableRS512WithFreshJTI(t *testing.T) {
	k := testKeys(t)
	now := time.Now()
	a, err := k.SignClientIdentifier("client-x", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.SignClientIdentifier("client-x", now, 0)
	var ca, cb jwt.MapClaims
	for tok, c := range map[string]*jwt.MapClaims{a: &ca, b: &cb} {
		parsed, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return &k.Private.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS512"}), jwt.WithAudience(Audience))
		if err != nil || !parsed.Valid {
			t.Fatalf("token does not verify: %v", err)
		}
	}
	if ca["jti"] == cb["jti"] {
		t.Fatal("two signatures share a jti")
	}
	if ca["clientIdentifier"] != "client-x" || ca["publicKey"] != k.PublicB64() {
		t.Fatalf("claims wrong: %v", ca)
	}
	if exp := int64(ca["exp"].(float64)); exp != now.Add(DefaultTTL).Unix() {
		t.Fatalf("exp = %d, want iat+30m", exp)
	}
}

func TestParsePublicKeyAcceptsPKCS1(t *testing.T) {
	k := testKeys(t)
	pub, err := ParsePublicKey(pkcs1PubB64(&k.Private.PublicKey))
	if err != nil || !pub.Equal(&k.Private.PublicKey) {
		t.Fatalf("PKCS#1 public key not accepted: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Private":"AAAA","Public":"AAAA","Identifier":"x"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := Parse(data)
		if err == nil && (k == nil || k.Private == nil) {
			t.Fatal("nil keys without error")
		}
	})
}

func pkcs1PubB64(pub *rsa.PublicKey) string {
	return base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(pub))
}
