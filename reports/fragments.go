package reports

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"regexp"
	"strings"
)

// Redaction by content. A credential reaches a log in whatever layout the
// client chose: a private key's base64 wrapped at 64 or 76 columns or not at
// all, with \n, \r\n or a JSON "\n" between lines, or a client secret printed
// in two halves. Matching a secret's exact text misses all of those, so the
// Redactor also indexes every fragmentLen-character piece of each known
// secret's content (its base64 or token characters, whitespace and PEM armour
// removed) and redacts every run of text that is made of such pieces. A
// fragment shorter than fragmentLen may survive; ten base64 characters carry
// 60 bits, never enough to rebuild a key or guess a secret.
const fragmentLen = 10

// credChar reports whether c can be part of a base64, base64url or token run.
func credChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '+' || c == '/' || c == '=' || c == '_' || c == '-'
}

// fragmentIndex maps every fragmentLen-character piece of the known secrets'
// content to the secret it belongs to. It grows one secret at a time (add),
// so that a Redactor which learns secrets all through a run never indexes
// the same secret twice.
type fragmentIndex struct {
	grams   map[string]int
	secrets []string
	// public holds the pieces of the public keys inside private-key secrets,
	// which are never indexed.
	public map[string]bool
	// longest attributes a piece that several secrets share to the longest
	// of them (a Redactor's marks name the whole secret); otherwise the first
	// added keeps it.
	longest bool
}

// contentPieces splits a secret into the runs of credential characters it is
// made of, once the layout is gone: PEM armour lines are dropped, whitespace
// and escaped line ends joined.
func contentPieces(s string) []string {
	var lines []string
	for _, line := range strings.Split(strings.NewReplacer(`\r\n`, "\n", `\n`, "\n", `\r`, "\n").Replace(s), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "-----") && strings.HasSuffix(t, "-----") {
			continue
		}
		lines = append(lines, t)
	}
	joined := strings.Join(lines, "")
	joined = strings.Join(strings.Fields(joined), "")
	var pieces []string
	start := -1
	for i := 0; i <= len(joined); i++ {
		if i < len(joined) && credChar(joined[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			pieces = append(pieces, joined[start:i])
			start = -1
		}
	}
	return pieces
}

// publicParts returns the base64 forms of the public key inside a private key
// secret (SPKI and PKCS#1): public keys are not secret and share long runs
// with the private key's DER, so their pieces must not count as leaks.
func publicParts(content string) []string {
	der, err := base64.StdEncoding.DecodeString(content)
	if err != nil {
		return nil
	}
	var pub *rsa.PublicKey
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if rk, isRSA := k.(*rsa.PrivateKey); isRSA {
			pub = &rk.PublicKey
		}
	} else if rk, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		pub = &rk.PublicKey
	}
	if pub == nil {
		return nil
	}
	var out []string
	if spki, err := x509.MarshalPKIXPublicKey(pub); err == nil {
		out = append(out, base64.StdEncoding.EncodeToString(spki))
	}
	out = append(out, base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(pub)))
	return out
}

// compactJWS matches a signed JWT: header.claims.signature.
var compactJWS = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)$`)

// newFragmentIndex indexes secrets; a piece they share belongs to the first.
func newFragmentIndex(secrets []string) *fragmentIndex {
	idx := &fragmentIndex{grams: map[string]int{}, public: map[string]bool{}}
	for _, s := range secrets {
		idx.add(s)
	}
	return idx
}

// add indexes one more secret; its number is the count added before it.
func (idx *fragmentIndex) add(s string) {
	i := len(idx.secrets)
	idx.secrets = append(idx.secrets, s)
	var pieces []string
	if m := compactJWS.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		// A JWT's header and claims are shared by every JWT of its kind
		// ({"alg":"RS512"…, "aud":"KnoxWSM"…) and by JWT-shaped client
		// identifiers; its signature is what makes it usable.
		pieces = []string{m[1]}
	} else {
		pieces = contentPieces(s)
		for _, p := range pieces {
			for _, pub := range publicParts(p) {
				for j := 0; j+fragmentLen <= len(pub); j++ {
					g := pub[j : j+fragmentLen]
					idx.public[g] = true
					delete(idx.grams, g) // indexed from an earlier secret
				}
			}
		}
	}
	for _, p := range pieces {
		for j := 0; j+fragmentLen <= len(p); j++ {
			g := p[j : j+fragmentLen]
			if idx.public[g] || !varied(g) {
				continue
			}
			if was, seen := idx.grams[g]; !seen || idx.longest && len(idx.secrets[was]) < len(s) {
				idx.grams[g] = i
			}
		}
	}
}

// varied reports whether a piece has at least five different characters. A
// random credential's pieces all do (ten characters from 36 or 64 nearly
// always differ); a run like "0000000000", from a deliberately wrong secret of
// zeros, would otherwise redact every such run of digits in the reports.
func varied(g string) bool {
	var seen [256]bool
	n := 0
	for i := 0; i < len(g); i++ {
		if !seen[g[i]] {
			seen[g[i]] = true
			n++
		}
	}
	return n >= 5
}

// secretSpan is a stretch of text made of one secret's pieces.
type secretSpan struct{ from, to, secret int }

// find returns the stretches of s made of known secrets' pieces, in order and
// not overlapping. A run right after a backslash starts with the rest of a
// JSON escape (\n, \/, \u002b); that part is not looked at.
func (idx *fragmentIndex) find(s string) []secretSpan {
	if idx == nil || len(idx.grams) == 0 {
		return nil
	}
	var out []secretSpan
	for i := 0; i < len(s); {
		if !credChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && credChar(s[j]) {
			j++
		}
		from := i
		if i > 0 && s[i-1] == '\\' {
			if s[i] == 'u' {
				from = min(i+5, j)
			} else {
				from = i + 1
			}
		}
		for k := from; k+fragmentLen <= j; k++ {
			sec, hit := idx.grams[s[k:k+fragmentLen]]
			if !hit {
				continue
			}
			end := k + fragmentLen
			if n := len(out); n > 0 && out[n-1].to >= k && out[n-1].secret == sec {
				out[n-1].to = max(out[n-1].to, end)
			} else {
				out = append(out, secretSpan{k, end, sec})
			}
		}
		i = j
	}
	return out
}

// redact replaces every stretch find reports by a mark naming the secret's
// fingerprint.
func (idx *fragmentIndex) redact(s string) string {
	spans := idx.find(s)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.from < last {
			sp.from = last
		}
		b.WriteString(s[last:sp.from])
		b.WriteString("[redacted " + Fingerprint(idx.secrets[sp.secret]) + "]")
		last = sp.to
	}
	b.WriteString(s[last:])
	return b.String()
}
