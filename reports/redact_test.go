package reports

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	mrand "math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestRedactorReplacesCredentialShapedValues(t *testing.T) {
	r := NewRedactor()
	tok := randomToken(t)
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("private key DER bytes ", 20)))
	in := "got token " + tok + " and key " + key + "!"
	out := r.Text(in)
	if strings.Contains(out, tok) || strings.Contains(out, key) {
		t.Fatalf("unknown credentials survived: %s", out)
	}
	if !strings.Contains(out, "[redacted token "+Fingerprint(tok)+"]") || !strings.Contains(out, "[redacted base64 "+Fingerprint(key)+"]") {
		t.Errorf("the marks do not name the fingerprints: %s", out)
	}
	if !strings.HasPrefix(out, "got token ") || !strings.HasSuffix(out, "!") {
		t.Errorf("text around the credentials changed: %s", out)
	}
}

func TestRedactorKeepsIdentifiers(t *testing.T) {
	r := NewRedactor()
	for _, s := range []string{
		"ACCESS_TOKEN_TIMEOUT_VALIDITY_RESOURCE_INVALID_PARAM",
		"ContainerHierarchyComponentSemVerConstraints",
		"troubleshooting-knox-cloud-services-and-more-words",
		"037451c8a9debe3deb1b0866275183194024618f9e293745d9d713dfacf52ff3",
		"knox/4002251/validity-number sha256:0a1b2c3d4e5f",
		"/tmp/knoxtest-1234567890/keys.json",
	} {
		if got := r.Text(s); got != s {
			t.Errorf("Text(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestRedactorLearnsSecretsConcurrently(t *testing.T) {
	r := NewRedactor()
	secrets := []string{"abcdefgh0123456789abcdefgh012345", "zyxwvuts9876543210zyxwvuts987654", "0000aaaa1111bbbb2222cccc3333dddd"}
	var wg sync.WaitGroup
	for _, s := range secrets {
		wg.Add(2)
		go func() { defer wg.Done(); r.Add(s) }()
		go func() { defer wg.Done(); _ = r.Text("noise " + s) }()
	}
	wg.Wait()
	for _, s := range secrets {
		if out := r.Text(`{"x":"` + s + `"}`); strings.Contains(out, s) || !strings.Contains(out, Fingerprint(s)) {
			t.Errorf("known secret not replaced by its fingerprint: %s", out)
		}
	}
	if r.Add(secrets[0]) {
		t.Error("Add reported a known secret as new")
	}
	if r.Add("short") {
		t.Error("Add accepted a secret too short to redact safely")
	}
	if got := r.Secrets(); len(got) != len(secrets) {
		t.Errorf("Secrets() = %d values, want %d", len(got), len(secrets))
	}
}

func TestRedactorKeepsJSONValid(t *testing.T) {
	r := NewRedactor()
	tok := randomToken(t)
	blob := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("DER\x00\xff", 40)))
	raw := "line\n" + tok + " <" + tok + "> /" + blob + "\t" + tok
	b, err := json.Marshal(map[string]string{"stderr": raw})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Bytes(b)
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("redaction broke the JSON: %v\n%s", err, out)
	}
	if strings.Contains(back["stderr"], tok) || strings.Contains(back["stderr"], blob) {
		t.Errorf("a credential next to a JSON escape survived: %s", back["stderr"])
	}
	if !strings.HasPrefix(back["stderr"], "line\n[redacted token ") || !strings.Contains(back["stderr"], " <[redacted token ") {
		t.Errorf("the text around the credentials changed: %q", back["stderr"])
	}
}

// TestRunClassMatchesRegexp holds the scanner to the regexps it replaces, on
// text built to sit at every boundary (run lengths around the minimum, padding,
// JSON escapes before a run).
func TestRunClassMatchesRegexp(t *testing.T) {
	cases := []struct {
		rc runClass
		re *regexp.Regexp
	}{
		{tokenRuns, regexp.MustCompile(`[A-Za-z0-9_-]{32,}`)},
		{blobRuns, regexp.MustCompile(`[A-Za-z0-9+/]{120,}={0,2}`)},
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	alphabet := "aZ9-_+/=.\\ \"é"
	for _, c := range cases {
		for range 2000 {
			var b strings.Builder
			for range rng.IntN(6) {
				n := c.rc.min - 2 + rng.IntN(5)
				for range n {
					b.WriteByte("abcXYZ019"[rng.IntN(9)])
				}
				for range rng.IntN(4) {
					b.WriteString(string(alphabet[rng.IntN(len(alphabet))]))
				}
			}
			s := b.String()
			var want [][2]int
			for _, loc := range c.re.FindAllStringIndex(s, -1) {
				want = append(want, [2]int{loc[0], loc[1]})
			}
			if got := c.rc.find(s); !slices.Equal(got, want) {
				t.Fatalf("%q: scanner %v, regexp %v", s, got, want)
			}
		}
	}
}

// TestRedactAuthorizationMatchesRegexp holds the scan to the regexp it replaces.
func TestRedactAuthorizationMatchesRegexp(t *testing.T) {
	re := regexp.MustCompile(`(?i)\b(Bearer|Basic)(\s+|%20)[A-Za-z0-9._~+/=-]{8,}`)
	pieces := []string{"Bearer", "bearer", "BASIC", "basic", "Basi", "xBearer", "_Basic", " ", "  ", "\t", "\n", "%20", "%2", ".",
		"abcdefgh", "abc", "A1._~+/=-", "-", "é", ":", "\"", "Authorization: "}
	rng := mrand.New(mrand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := redactAuthorization(s), re.ReplaceAllString(s, "$1 [redacted]"); got != want {
			t.Fatalf("%q: scan %q, regexp %q", s, got, want)
		}
	}
}

// LooksLikeToken is the shape the Redactor redacts as a token unprompted.
func TestLooksLikeToken(t *testing.T) {
	for s, want := range map[string]bool{
		"aB3" + strings.Repeat("x", 29):          true,
		"aB-" + strings.Repeat("x", 29):          true,
		"aBc" + strings.Repeat("x", 29):          false, // no digit, '-' or '_'
		"ab3" + strings.Repeat("x", 29):          false, // no upper case
		"aB3" + strings.Repeat("x", 28):          false, // 31 characters
		"aB3" + strings.Repeat("x", 28) + "+":    false, // not base64url
		"ACCESS_TOKEN_TIMEOUT_VALIDITY_RESOURCE": false,
	} {
		if got := LooksLikeToken(s); got != want {
			t.Errorf("LooksLikeToken(%q) = %v, want %v", s, got, want)
		}
		if redacted := NewRedactor().Text(s) != s; redacted != want {
			t.Errorf("Text(%q) redacted it: %v; LooksLikeToken says %v", s, redacted, want)
		}
	}
}
