package knoxtest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
)

// maxJWTLen bounds what the server decodes of a JWT; Knox JWTs are about 1 KiB.
const maxJWTLen = 16 << 10

// fingerprint identifies a secret without revealing it.
func fingerprint(s string) string { return fingerprintSum(sha256.Sum256(stringBytes(s))) }

// stringBytes is s's bytes without a copy, for the hash functions, which only
// read them: []byte(s) of a 1 KiB JWT is a heap copy on every request.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// verifyRS512 is jwt.SigningMethodRS512.Verify (the same hash and the same
// crypto/rsa call, so the same errors) without copying the signing input to
// hash it.
func verifyRS512(signingInput string, sig []byte, pub *rsa.PublicKey) error {
	sum := sha512.Sum512(stringBytes(signingInput))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA512, sum[:], sig)
}

// fingerprintSum is the fingerprint of a string whose SHA-256 is sum.
func fingerprintSum(sum [sha256.Size]byte) string { return "sha256:" + hex.EncodeToString(sum[:6]) }

// decodedJWT is a JWT split and decoded but not yet trusted.
type decodedJWT struct {
	rec          JWT
	signingInput string
	sig          []byte
	sum          [sha256.Size]byte // SHA-256 of the JWT as sent
	auds         []string
	// claim values the server acts on
	clientIdentifier string
	accessToken      string
	publicKey        string
	hasJTI           bool
}

// decodeJWT splits a compact JWS and decodes its header and claims. The returned
// value is never nil: even for a malformed JWT it carries the fingerprint and the
// reason in rec.Problem, so the journal can record it.
func decodeJWT(raw string) (*decodedJWT, error) {
	return decodeJWTSum(raw, sha256.Sum256(stringBytes(raw)))
}

// decodeJWTSum is decodeJWT of raw whose SHA-256 is sum.
func decodeJWTSum(raw string, sum [sha256.Size]byte) (*decodedJWT, error) {
	d := &decodedJWT{rec: JWT{Fingerprint: fingerprintSum(sum)}, sum: sum}
	fail := func(format string, args ...any) (*decodedJWT, error) {
		err := fmt.Errorf(format, args...)
		d.rec.Problem = err.Error()
		return d, err
	}
	if len(raw) > maxJWTLen {
		return fail("JWT is %d bytes, more than the %d the server accepts", len(raw), maxJWTLen)
	}
	if n := strings.Count(raw, ".") + 1; n != 3 {
		return fail("JWT has %d dot-separated parts, a signed JWT has 3", n)
	}
	dot1 := strings.IndexByte(raw, '.')
	dot2 := dot1 + 1 + strings.IndexByte(raw[dot1+1:], '.')
	hb, err := decodeSegment(raw[:dot1])
	if err != nil {
		return fail("JWT header is not base64url: %v", err)
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return fail("JWT header is not a JSON object: %v", err)
	}
	d.rec.Alg = hdr.Alg
	cb, err := decodeSegment(raw[dot1+1 : dot2])
	if err != nil {
		return fail("JWT claims are not base64url: %v", err)
	}
	var claims [len(claimNames)]json.RawMessage
	if !objectFields(cb, claimNames[:], claims[:]) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(cb, &m); err != nil || m == nil {
			return fail("JWT claims are not a JSON object")
		}
		for i, name := range claimNames {
			claims[i] = m[name]
		}
	}
	d.rec.JTI = claimString(claims[claimJTI])
	d.hasJTI = d.rec.JTI != ""
	d.rec.IAT = claimInt(claims[claimIAT])
	d.rec.EXP = claimInt(claims[claimEXP])
	d.auds = claimStrings(claims[claimAud])
	d.rec.Aud = strings.Join(d.auds, ",")
	d.clientIdentifier = claimString(claims[claimClientIdentifier])
	d.accessToken = claimString(claims[claimAccessToken])
	d.publicKey = claimString(claims[claimPublicKey])
	switch {
	case d.clientIdentifier != "":
		d.rec.Subject = "clientIdentifier"
	case d.accessToken != "":
		d.rec.Subject = "accessToken"
		d.rec.TokenFingerprint = fingerprint(d.accessToken)
	}
	if d.sig, err = decodeSegment(raw[dot2+1:]); err != nil {
		return fail("JWT signature is not base64url: %v", err)
	}
	d.signingInput = raw[:dot2] // a substring: the signature covers these bytes as sent
	return d, nil
}

// The claims the server reads, by their index in claimNames.
const (
	claimJTI = iota
	claimIAT
	claimEXP
	claimAud
	claimClientIdentifier
	claimAccessToken
	claimPublicKey
)

var claimNames = [...]string{claimJTI: "jti", claimIAT: "iat", claimEXP: "exp", claimAud: "aud",
	claimClientIdentifier: "clientIdentifier", claimAccessToken: "accessToken", claimPublicKey: "publicKey"}

func decodeSegment(s string) ([]byte, error) {
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// reject records problem as what is wrong with the JWT and fails the call with
// code, telling the client the same.
func (d *decodedJWT) reject(code knoxerr.Code, problem string) reply {
	d.rec.Problem = problem
	return fail(code, problem)
}

// expired reports whether the JWT's exp claim, when it has one, is past now
// by more than skew.
func (d *decodedJWT) expired(now time.Time, skew time.Duration) bool {
	return d.rec.EXP != 0 && now.Add(-skew).Unix() > d.rec.EXP
}

// rejectExpired fails the call with 4032251 ACCESS_TOKEN_EXPIRED, naming when
// the JWT expired.
func (d *decodedJWT) rejectExpired() reply {
	return d.reject(knoxerr.AccessTokenExpired, "the JWT expired at "+time.Unix(d.rec.EXP, 0).UTC().Format(time.RFC3339))
}

// verify checks the RS512 signature with pub and the aud claim. It sets
// rec.SignatureValid and, on failure, rec.Problem.
func (d *decodedJWT) verify(pub *rsa.PublicKey) error {
	return d.verifyKey(pub, nil)
}

// verifyKey is verify; with pubSPKI (pub's SPKI DER) a signature that verified
// before with the same key is not checked again.
func (d *decodedJWT) verifyKey(pub *rsa.PublicKey, pubSPKI []byte) error {
	fail := func(format string, args ...any) error {
		err := fmt.Errorf(format, args...)
		d.rec.Problem = err.Error()
		return err
	}
	if d.rec.Alg != jwt.SigningMethodRS512.Alg() {
		return fail("JWT alg is %q, Knox accepts only RS512", d.rec.Alg)
	}
	var seen [32]byte
	known := false
	if pubSPKI != nil {
		seen = signatureKey(d.sum, pubSPKI)
		known = signatureVerified(seen)
	}
	if !known {
		if err := verifyRS512(d.signingInput, d.sig, pub); err != nil {
			return fail("JWT signature does not verify with the public key: %v", err)
		}
		if pubSPKI != nil {
			rememberSignature(seen)
		}
	}
	d.rec.SignatureValid = true
	for _, a := range d.auds {
		if a == knoxkeys.Audience {
			return nil
		}
	}
	return fail("JWT aud is %q, Knox requires %q", d.rec.Aud, knoxkeys.Audience)
}

func claimString(raw json.RawMessage) string {
	s, _ := rawString(raw)
	return s
}

// rawString decodes a JSON string value; ok is false when raw is not one. Raw
// comes from a document json already validated, so a string without escapes
// is its own value (the common case, decoded without a second parse).
func rawString(raw json.RawMessage) (string, bool) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 && bytes.IndexByte(raw[1:n-1], '"') < 0 && utf8.Valid(raw) {
		return string(raw[1 : n-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func claimStrings(raw json.RawMessage) []string {
	if s := claimString(raw); s != "" {
		return []string{s}
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	return list
}

func claimInt(raw json.RawMessage) int64 {
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && n <= 1e15 && n >= -1e15 {
		return n
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || f > 1e15 || f < -1e15 {
		return 0
	}
	return int64(f)
}

// spki parses a base64 public key (SPKI or PKCS#1) and returns the key and its
// normalised SPKI DER, which is what keys are compared by.
func spki(b64 string) (*rsa.PublicKey, []byte, error) {
	if strings.TrimSpace(b64) == "" {
		return nil, nil, errors.New("public key is empty")
	}
	if len(b64) > maxJWTLen {
		return nil, nil, errors.New("public key is too long")
	}
	if k, hit := cachedKey(b64); hit {
		return k.pub, k.spki, nil
	}
	pub, err := knoxkeys.ParsePublicKey(b64)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	cacheKey(b64, parsedKey{pub, der})
	return pub, der, nil
}

func sameKey(a, b []byte) bool { return len(a) > 0 && bytes.Equal(a, b) }
