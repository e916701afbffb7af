package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
)

// Patterns of credentials that must never reach an artifact even when nobody
// told us the value: adapter logs and client error messages are untrusted and
// sometimes print what they hold.
var (
	// A compact JWS: base64url header starting with {" ("eyJ"), payload, signature.
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}`)
	// A PEM private key, also inside JSON strings where newlines are written \n.
	pemPattern = regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----`)
	// The credential after an Authorization scheme.
	bearerPattern = regexp.MustCompile(`(?i)\b(Bearer|Basic)(\s+|%20)[A-Za-z0-9._~+/=-]{8,}`)
)

// Fingerprint names a secret without revealing it: the first 12 hex digits of
// its SHA-256. The suite uses the same form for token fingerprints.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

type redactor struct {
	// pairs are old/new replacements for the known secrets, in every encoding.
	repl *strings.Replacer
}

func newRedactor(secrets []string) *redactor {
	var pairs []string
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < 8 {
			continue // too short to redact without destroying unrelated text
		}
		mark := "[redacted " + Fingerprint(s) + "]"
		for _, v := range encodings(s) {
			pairs = append(pairs, v, mark)
		}
	}
	r := &redactor{}
	if len(pairs) > 0 {
		r.repl = strings.NewReplacer(pairs...)
	}
	return r
}

// encodings lists the ways a secret can appear in our artifacts: raw, JSON,
// HTML/XML escaped, URL-encoded. Longest first so the replacer prefers them.
func encodings(s string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	j, _ := json.Marshal(s)
	jq := strings.Trim(string(j), `"`)
	add(jq)
	add(html.EscapeString(s))
	add(html.EscapeString(jq))
	add(url.QueryEscape(s))
	add(s)
	return out
}

func (r *redactor) text(s string) string {
	if s == "" {
		return s
	}
	if r.repl != nil {
		s = r.repl.Replace(s)
	}
	s = pemPattern.ReplaceAllString(s, "[redacted private key]")
	s = jwtPattern.ReplaceAllStringFunc(s, func(m string) string { return "[redacted JWT " + Fingerprint(m) + "]" })
	s = bearerPattern.ReplaceAllString(s, "$1 [redacted]")
	return s
}

func (r *redactor) bytes(b []byte) []byte {
	if r.repl == nil && !pemPattern.Match(b) && !jwtPattern.Match(b) && !bearerPattern.Match(b) {
		return b
	}
	var buf bytes.Buffer
	buf.WriteString(r.text(string(b)))
	return buf.Bytes()
}

// summary redacts every free-text field of s in place: whatever the writers
// render, from any encoding, starts clean.
func (r *redactor) summary(s *Summary) {
	s.Run.Target = r.text(s.Run.Target)
	s.Run.HarnessError = r.text(s.Run.HarnessError)
	for i := range s.Run.Args {
		s.Run.Args[i] = r.text(s.Run.Args[i])
	}
	for i := range s.Cases {
		c := &s.Cases[i]
		c.Reason = r.text(c.Reason)
		c.Stderr = r.text(c.Stderr)
		c.Rerun = r.text(c.Rerun)
		c.ExpectedFailure = r.text(c.ExpectedFailure)
		for j := range c.Checks {
			c.Checks[j].Expected = r.text(c.Checks[j].Expected)
			c.Checks[j].Actual = r.text(c.Checks[j].Actual)
		}
		for j := range c.Timeline {
			a := &c.Timeline[j]
			a.Fault = r.text(a.Fault)
			a.JTI = r.text(a.JTI)
		}
		if c.Outcome != nil {
			c.Outcome.Message = r.text(c.Outcome.Message)
		}
	}
}
