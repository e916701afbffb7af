package reports

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Patterns of credentials that must never reach an artifact even when nobody
// told us the value: adapter logs and client error messages are untrusted and
// sometimes print what they hold.
var (
	// A compact JWS: base64url header starting with {" ("eyJ"), payload, signature.
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}`)
	// A PEM private key, also inside JSON strings where newlines are written \n.
	pemPattern = regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----`)
)

// Runs of one character class, found by scanning rather than by a regexp: a
// bounded repetition such as [A-Za-z0-9_-]{32,} makes Go's regexp engine step
// 32 states per byte, and the reports are megabytes (it was 80% of the time it
// took to write them).
var (
	// An opaque token: 32 or more base64url characters not inside a longer run
	// (tokenShaped then tells random credentials from identifiers); the
	// regexp [A-Za-z0-9_-]{32,}.
	tokenRuns = runClass{min: 32, in: classOf("-_")}
	// A long standard-base64 blob, as keys.json holds DER keys; the regexp
	// [A-Za-z0-9+/]{120,}={0,2}.
	blobRuns = runClass{min: 120, in: classOf("+/"), pad: '=', maxPad: 2}
)

// runClass describes runs of characters in one class: at least min long, then
// up to maxPad pad bytes.
type runClass struct {
	min    int
	in     *[256]bool
	pad    byte
	maxPad int
}

// classOf is ASCII letters and digits plus extra.
func classOf(extra string) *[256]bool {
	var c [256]bool
	for b := 'A'; b <= 'Z'; b++ {
		c[b], c[b+'a'-'A'] = true, true
	}
	for b := '0'; b <= '9'; b++ {
		c[b] = true
	}
	for i := range len(extra) {
		c[extra[i]] = true
	}
	return &c
}

// find returns the [start, end) of every maximal run of at least rc.min class
// characters (with its padding) in s, left to right; the same matches as the
// equivalent leftmost-first regexp, since no shorter part of a run can match
// where the whole run does not.
func (rc runClass) find(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		if !rc.in[s[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && rc.in[s[j]] {
			j++
		}
		if j-i >= rc.min {
			for n := 0; n < rc.maxPad && j < len(s) && s[j] == rc.pad; n++ {
				j++
			}
			out = append(out, [2]int{i, j})
		}
		i = j
	}
	return out
}

// Fingerprint names a secret without revealing it: the first 12 hex digits of
// its SHA-256. The suite uses the same form for token fingerprints.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// Redactor replaces secrets in text by fingerprints. It knows the secrets it was
// given (in every encoding the artifacts use, and by content: any run of ten or
// more of a secret's characters, however the secret was wrapped or split; see
// fragments.go) and, whatever it was given, also
// redacts what is shaped like a credential: PEM private keys, signed JWTs, the
// credential after "Bearer"/"Basic", opaque tokens (32 or more base64url
// characters mixing upper case, lower case and digits, the shape of the access
// tokens a Knox or Samsung Account server issues, which nobody but the client
// ever holds raw) and long base64 blobs (DER keys as keys.json carries them).
// It is safe for concurrent use; Add may be called while others redact.
type Redactor struct {
	mu    sync.RWMutex
	known map[string]bool
	// learnt are the secrets added since repl and frags were last brought up
	// to date (refresh).
	learnt []string
	// bySize are the known secrets' replacements in every encoding, the
	// longest secret first, so that a secret containing another is replaced
	// whole; repl is built from them again after Add.
	bySize []replacements
	repl   *strings.Replacer
	// frags is the known secrets' content, whatever its layout; it grows
	// with each secret learnt, under mu.
	frags *fragmentIndex
}

// replacements are one secret's old/new pairs for strings.NewReplacer.
type replacements struct {
	size  int
	pairs []string
}

// maxKnownSecrets bounds what a long-lived Redactor remembers.
const maxKnownSecrets = 4096

// NewRedactor returns a Redactor that knows secrets (values shorter than 8
// characters are ignored: redacting them would destroy unrelated text).
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{known: map[string]bool{}, frags: newFragmentIndex(nil)}
	r.frags.longest = true
	r.Add(secrets...)
	return r
}

// Add teaches r more secrets. It reports whether any of them was new.
func (r *Redactor) Add(secrets ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	added := false
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < 8 || r.known[s] || len(r.known) >= maxKnownSecrets {
			continue
		}
		r.known[s] = true
		r.learnt = append(r.learnt, s)
		added = true
	}
	return added
}

// Secrets lists the known secrets (for handing them on, e.g. to the report writers).
func (r *Redactor) Secrets() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.known))
}

// refresh brings repl and frags up to date with the secrets Add learnt since
// the last call. Only the new secrets are indexed: a run's Redactor learns
// hundreds, one client at a time, between redactions.
func (r *Redactor) refresh() {
	r.mu.RLock()
	stale := len(r.learnt) > 0
	r.mu.RUnlock()
	if !stale {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.learnt) == 0 {
		return
	}
	for _, s := range r.learnt {
		mark := "[redacted " + Fingerprint(s) + "]"
		rs := replacements{size: len(s)}
		for _, v := range encodings(s) {
			rs.pairs = append(rs.pairs, v, mark)
		}
		i, _ := slices.BinarySearchFunc(r.bySize, rs.size, func(have replacements, size int) int { return cmp.Compare(size, have.size) })
		r.bySize = slices.Insert(r.bySize, i, rs)
		r.frags.add(s)
	}
	r.learnt = r.learnt[:0]
	var all []string
	for _, rs := range r.bySize {
		all = append(all, rs.pairs...)
	}
	r.repl = strings.NewReplacer(all...)
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

// Text returns s with every known secret and every credential-shaped value
// replaced by a mark naming its fingerprint.
func (r *Redactor) Text(s string) string {
	if s == "" {
		return s
	}
	r.refresh()
	r.mu.RLock()
	if r.repl != nil {
		s = r.repl.Replace(s)
	}
	s = r.frags.redact(s)
	r.mu.RUnlock()
	s = pemPattern.ReplaceAllString(s, "[redacted private key]")
	s = jwtPattern.ReplaceAllStringFunc(s, func(m string) string { return "[redacted JWT " + Fingerprint(m) + "]" })
	s = redactAuthorization(s)
	s = replaceRuns(s, blobRuns, nil, "base64")
	s = replaceRuns(s, tokenRuns, tokenShaped, "token")
	return s
}

// credentialChars are the characters of an Authorization credential (token68).
var credentialChars = classOf("._~+/=-")

// redactAuthorization replaces the credential after an Authorization scheme
// ("Bearer x", "basic%20x", any case) by "[redacted]", keeping the scheme: the
// regexp (?i)\b(Bearer|Basic)(\s+|%20)[A-Za-z0-9._~+/=-]{8,} replaced by
// "$1 [redacted]", written as a scan because a case-folded regexp has no
// literal prefix to skip ahead with and crawled through megabytes of report.
func redactAuthorization(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != 'b' && s[i] != 'B' || i > 0 && isWordByte(s[i-1]) {
			continue
		}
		var word int
		switch {
		case len(s)-i >= 6 && strings.EqualFold(s[i:i+6], "bearer"):
			word = 6
		case len(s)-i >= 5 && strings.EqualFold(s[i:i+5], "basic"):
			word = 5
		default:
			continue
		}
		j := i + word
		switch {
		case j < len(s) && isSpaceByte(s[j]):
			for j < len(s) && isSpaceByte(s[j]) {
				j++
			}
		case strings.HasPrefix(s[j:], "%20"):
			j += 3
		default:
			continue
		}
		k := j
		for k < len(s) && credentialChars[s[k]] {
			k++
		}
		if k-j < 8 {
			continue
		}
		b.WriteString(s[last : i+word])
		b.WriteString(" [redacted]")
		last = k
		i = k - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// wordChars is regexp's \w.
var wordChars = classOf("_")

// isWordByte is regexp's \w; isSpaceByte its \s.
func isWordByte(c byte) bool  { return wordChars[c] }
func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// replaceRuns redacts the runs of rc (that pass accept). A run right after a backslash starts with the rest of a JSON escape
// (\n, \/, \u003c): that part is kept, so the artifact stays valid JSON.
func replaceRuns(s string, rc runClass, accept func(string) bool, what string) string {
	var b strings.Builder
	last := 0
	for _, loc := range rc.find(s) {
		i, j := loc[0], loc[1]
		if i > 0 && s[i-1] == '\\' {
			if s[i] == 'u' {
				i += 5
			} else {
				i++
			}
		}
		if j-i < rc.min || (accept != nil && !accept(s[i:j])) {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString("[redacted " + what + " " + Fingerprint(s[i:j]) + "]")
		last = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// LooksLikeToken reports whether s, standing alone, is redacted as an opaque
// token without the Redactor being told it: 32 or more base64url characters
// mixing upper case, lower case and a digit, '-' or '_'. A server that issues
// tokens to the client under test (package knoxtest) issues only such.
func LooksLikeToken(s string) bool {
	if len(s) < tokenRuns.min {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenRuns.in[s[i]] {
			return false
		}
	}
	return tokenShaped(s)
}

func (r *Redactor) text(s string) string { return r.Text(s) }

// Bytes is Text for a byte slice; it returns b itself when nothing changed.
func (r *Redactor) Bytes(b []byte) []byte {
	out := r.Text(string(b))
	if out == string(b) {
		return b
	}
	return []byte(out)
}

func (r *Redactor) bytes(b []byte) []byte { return r.Bytes(b) }

// tokenShaped reports whether a base64url run looks like a random credential:
// it mixes upper case, lower case and a digit or '-'/'_'. Identifiers in the
// reports (Go names, Knox code names, hex fingerprints, jti values) do not.
func tokenShaped(m string) bool {
	var upper, lower, other bool
	for _, c := range m {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		default:
			other = true
		}
	}
	return upper && lower && other
}

// summary redacts every free-text field of s in place: whatever the writers
// render, from any encoding, starts clean.
func (r *Redactor) summary(s *Summary) {
	s.Run.Target = r.text(s.Run.Target)
	s.Run.HarnessError = r.text(s.Run.HarnessError)
	if c := s.Run.Command; c != nil {
		c.Line = r.text(c.Line)
		c.Note = r.text(c.Note)
		c.OutputTail = r.text(c.OutputTail)
	}
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
