package knoxtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The fuzz targets check that hostile input never panics and that what the
// parsers accept is self-consistent. Run one with, e.g.:
//
//	go test ./knoxtest -run '^$' -fuzz FuzzDecodeJWT -fuzztime 30s

func FuzzDecodeJWT(f *testing.F) {
	keys, err := processKeys()
	if err != nil {
		f.Fatal(err)
	}
	good, err := keys.SignClientIdentifier("ci", time.Now(), 0)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, "", "a.b.c", "..", "eyJhbGciOiJub25lIn0.e30.", strings.Repeat(".", 5), "e30.e30.e30"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := decodeJWT(raw)
		if d == nil {
			t.Fatal("decodeJWT returned nil")
		}
		if d.rec.Fingerprint != fingerprint(raw) {
			t.Fatal("fingerprint does not identify the input")
		}
		if strings.Contains(d.rec.Fingerprint, raw) && len(raw) > 12 {
			t.Fatal("fingerprint leaks the raw JWT")
		}
		if err != nil {
			if d.rec.Problem == "" {
				t.Fatal("a rejected JWT must say why")
			}
			return
		}
		verr := d.verify(&keys.Private.PublicKey)
		if verr == nil && raw != good && !d.rec.SignatureValid {
			t.Fatal("verify accepted without a valid signature")
		}
	})
}

func FuzzParseAccessTokenBody(f *testing.F) {
	for _, seed := range []string{
		`{"clientIdentifierJwt":"a.b.c","base64EncodedStringPublicKey":"AAAA","validityForAccessTokenInMinutes":30}`,
		`{"clientIdentifierJwt":"a.b.c","base64EncodedStringPublicKey":"AAAA","validityForAccessTokenInMinutes":"30"}`,
		`{"clientIdentifierJwt":"a.b.c","base64EncodedStringPublicKey":"AAAA","validityForAccessTokenInMinutes":1e400}`,
		`{"clientIdentifierJwt":1}`, `null`, `[]`, `{`, ``,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, lenient bool) {
		b, err := parseAccessTokenBody(body, lenient, 30)
		if err != nil {
			return
		}
		if b.jwt == "" || b.publicKey == "" {
			t.Fatal("accepted a body without the JWT or the key")
		}
		switch b.validityType {
		case "absent", "number", "string", "other":
		default:
			t.Fatalf("unknown validity type %q", b.validityType)
		}
		if b.validityErr == "" && b.validityType != "absent" && (b.validity < 1 || b.validity > 30) {
			t.Fatalf("accepted validity %d outside 1..30", b.validity)
		}
		if b.validityErr == "" && b.validityType == "string" && !lenient {
			t.Fatal("accepted a string validity without WithLenientValidity")
		}
	})
}

// FuzzSamsungAccountForm drives the whole token endpoint with arbitrary bodies:
// every answer must be a 200 or a documented AUT code, never a panic, and the
// journal must not echo the secret.
func FuzzSamsungAccountForm(f *testing.F) {
	s, err := newServer()
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	c := s.Credentials()
	f.Add("client_id=" + c.SAClientID + "&client_secret=" + c.SAClientSecret + "&code=" + s.IssueAuthCode(c.SAClientID) +
		"&grant_type=authorization_code&redirect_uri=" + c.SARedirectURI)
	f.Add("")
	f.Add("%zz&&==;")
	f.Add("client_id=abc&client_id=def")
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, routePath(RouteSAToken), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		j := s.Journal()
		last := j[len(j)-1]
		if rec.Code == http.StatusBadRequest && !strings.HasPrefix(string(last.Code), "AUT_") {
			t.Fatalf("400 without an AUT code: %q", last.Code)
		}
		if sec := parseSAForm("application/x-www-form-urlencoded", []byte(body)).Get("client_secret"); len(sec) >= 8 {
			for k, v := range last.Form {
				if k == "client_secret" && strings.Contains(v, sec) {
					t.Fatal("journal holds the client secret")
				}
			}
		}
		s.Reset()
	})
}
