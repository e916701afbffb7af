package knoxtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knoxconform/knoxconform/knoxkeys"
)

// answer is what a client and the journal see of one call, minus the random
// errorId.
type answer struct {
	Status int
	Body   map[string]any
	JWT    JWT
}

func serveRecorded(t *testing.T, s *Server, method, path string, body string, hdr map[string]string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	a := answer{Status: rec.Code}
	if err := json.Unmarshal(rec.Body.Bytes(), &a.Body); err != nil {
		t.Fatalf("%s %s: body %q: %v", method, path, rec.Body, err)
	}
	delete(a.Body, "errorId")
	j := s.Journal()
	if last := j[len(j)-1]; last.JWT != nil {
		a.JWT = *last.JWT
	}
	return a
}

func mintToken(t *testing.T, s *Server) string {
	t.Helper()
	j, err := s.keys.SignClientIdentifier(s.creds.ClientIdentifier, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	a := serveRecorded(t, s, http.MethodPost, routePath(RouteAccessToken),
		`{"clientIdentifierJwt":"`+j+`","base64EncodedStringPublicKey":"`+s.keys.PublicB64()+`"}`, nil)
	tok, _ := a.Body["accessToken"].(string)
	if a.Status != http.StatusOK || tok == "" {
		t.Fatalf("accesstoken: %+v", a)
	}
	return tok
}

// TestVerifiedJWTCacheAnswersAsAFreshVerification sends resource calls whose
// x-knox-apitoken the cache may have seen, and each again with the cache
// emptied: the answers (status, body, journal record) must be the same,
// including once the JWT has expired or the token was revoked.
func TestVerifiedJWTCacheAnswersAsAFreshVerification(t *testing.T) {
	s := NewServer(WithClockSkew(0))
	defer s.Close()
	k := s.keys
	other, err := processOtherKeys()
	if err != nil {
		t.Fatal(err)
	}
	tok := mintToken(t, s)
	sign := func(k *knoxkeys.Keys, c knoxkeys.Claims, ttl time.Duration) string {
		j, err := k.Sign(c, time.Now(), ttl)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	good := sign(k, knoxkeys.Claims{AccessToken: tok}, 0)
	soon := sign(k, knoxkeys.Claims{AccessToken: tok}, time.Second) // expired after the sleep below
	dot := strings.LastIndexByte(good, '.')
	sig, err := base64.RawURLEncoding.DecodeString(good[dot+1:])
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(good)
	tampered[dot+10] ^= 'A' ^ 'B' // one base64 digit of the signature
	if tampered[dot+10] == good[dot+10] {
		tampered[dot+10] = 'C'
	}
	padded := good[:dot+1] + base64.URLEncoding.EncodeToString(sig) // the same signature, other bytes
	jwts := map[string]string{
		"good": good, "soon": soon, "tampered signature": string(tampered), "padded signature": padded,
		"another key, the registered key's claim": sign(other, knoxkeys.Claims{AccessToken: tok, PublicKey: k.PublicB64()}, 0),
		"another key, its own claim":              sign(other, knoxkeys.Claims{AccessToken: tok}, 0),
		"wrong aud":                               sign(k, knoxkeys.Claims{AccessToken: tok, Aud: "elsewhere"}, 0),
	}
	want := map[string]int{"good": 200, "soon": 200, "tampered signature": 401, "padded signature": 200,
		"another key, the registered key's claim": 401, "another key, its own claim": 401, "wrong aud": 401}
	call := func(j string) answer {
		return serveRecorded(t, s, http.MethodGet, routePath(RouteListDevices), "",
			map[string]string{"x-knox-apitoken": j, "Accept": "application/json"})
	}
	fresh := func(j string) answer {
		s.verifiedJWTs.mu.Lock()
		clear(s.verifiedJWTs.m)
		s.verifiedJWTs.mu.Unlock()
		return call(j)
	}
	warm := func() { // every JWT that verifies is in the cache afterwards
		for _, j := range jwts {
			call(j)
		}
	}
	compare := func(phase, name, j string) answer {
		t.Helper()
		f := fresh(j)
		for i := range 2 {
			warm()
			if c := call(j); !equalAnswers(c, f) {
				t.Errorf("%s, %s, call %d: with the cache %+v, a fresh verification %+v", phase, name, i+1, c, f)
			}
		}
		return f
	}
	for name, j := range jwts {
		if a := compare("fresh", name, j); a.Status != want[name] {
			t.Errorf("%s: status %d, want %d (%v)", name, a.Status, want[name], a.Body)
		}
	}
	time.Sleep(2100 * time.Millisecond)
	if a := compare("after expiry", "soon", soon); a.Status != http.StatusForbidden {
		t.Errorf("an expired JWT answered %d %v", a.Status, a.Body)
	}
	s.RevokeTokens()
	if a := compare("revoked", "good", good); a.Status != http.StatusForbidden {
		t.Errorf("a revoked token answered %d %v", a.Status, a.Body)
	}
}

func equalAnswers(a, b answer) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestDevicePagesFollowChanges: an encoded device-list page is the page as it
// is now, after deletes and a Reset.
func TestDevicePagesFollowChanges(t *testing.T) {
	s := NewServer()
	defer s.Close()
	tok := mintToken(t, s)
	j, err := s.keys.SignAccessToken(tok, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"x-knox-apitoken": j, "Accept": "application/json"}
	check := func(phase string) {
		t.Helper()
		for _, page := range []string{"0", "1", "2", "3", "99"} {
			cached := serveRecorded(t, s, http.MethodGet, routePath(RouteListDevices)+"?pageNum="+page, "", hdr)
			n, _ := strconv.Atoi(page)
			s.mu.Lock()
			delete(s.devicePages, n) // this page only: the others stay as they were cached
			s.mu.Unlock()
			fresh := serveRecorded(t, s, http.MethodGet, routePath(RouteListDevices)+"?pageNum="+page, "", hdr)
			if !equalAnswers(cached, fresh) {
				t.Errorf("%s, page %s: cached %v, fresh %v", phase, page, cached.Body, fresh.Body)
			}
			serveRecorded(t, s, http.MethodGet, routePath(RouteListDevices)+"?pageNum="+page, "", hdr) // cache it again
		}
	}
	check("seeded")
	s.mu.Lock()
	imei := s.devices[3].IMEI
	s.mu.Unlock()
	if a := serveRecorded(t, s, http.MethodPost, routePath(RouteDeleteDevices), `{"devices":{"imeiOrSerials":["`+imei+`"]}}`, hdr); a.Status != 200 {
		t.Fatalf("delete: %+v", a)
	}
	check("after a delete")
	if a := serveRecorded(t, s, http.MethodGet, routePath(RouteListDevices)+"?pageNum=0", "", hdr); a.Body["totalCount"] != float64(24) {
		t.Errorf("after a delete the list counts %v", a.Body["totalCount"])
	}
	s.Reset()
	tok = mintToken(t, s)
	if hdr["x-knox-apitoken"], err = s.keys.SignAccessToken(tok, time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	check("after Reset")
	if a := serveRecorded(t, s, http.MethodGet, routePath(RouteListDevices)+"?pageNum=0", "", hdr); a.Body["totalCount"] != float64(25) {
		t.Errorf("after Reset the list counts %v", a.Body["totalCount"])
	}
}

func TestRoutesHaveAPathEach(t *testing.T) {
	if len(routeByPath) != len(Routes()) {
		t.Fatalf("%d routes share %d paths; routeOf needs one path per route", len(Routes()), len(routeByPath))
	}
}

// TestVerifyRS512IsJWTVerify: the server's RS512 check answers as golang-jwt's.
func TestVerifyRS512IsJWTVerify(t *testing.T) {
	keys, err := processKeys()
	if err != nil {
		t.Fatal(err)
	}
	other, err := processOtherKeys()
	if err != nil {
		t.Fatal(err)
	}
	j, err := keys.SignClientIdentifier("ci", time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	dot := strings.LastIndexByte(j, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(j[dot+1:])
	bad := append([]byte{}, sig...)
	bad[7] ^= 1
	for _, c := range []struct {
		input string
		sig   []byte
	}{{j[:dot], sig}, {j[:dot], bad}, {j[:dot] + "x", sig}, {j[:dot], sig[1:]}, {j[:dot], nil}} {
		for _, k := range []*knoxkeys.Keys{keys, other} {
			got, want := verifyRS512(c.input, c.sig, &k.Private.PublicKey), jwt.SigningMethodRS512.Verify(c.input, c.sig, &k.Private.PublicKey)
			if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
				t.Errorf("verifyRS512 says %v, golang-jwt %v", got, want)
			}
		}
	}
}

func TestAcceptsJSON(t *testing.T) {
	for accept, want := range map[string]bool{"": true, " ": true, "application/json": true, "*/*": true, " application/json ": true,
		"application/*": true, "text/html": false, "application/json;q=0": false, "text/html, application/json;q=0.5": true,
		"application/xml": false} {
		if got := acceptsJSON(accept); got != want {
			t.Errorf("acceptsJSON(%q) = %v, want %v", accept, got, want)
		}
	}
}
