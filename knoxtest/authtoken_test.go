package knoxtest

import (
	"regexp"
	"strings"
	"testing"
)

// The written-out authToken check accepts exactly what the documented pattern
// does: the fuzz seeds run in every `go test`, `go test -fuzz` searches beyond.
func FuzzValidAuthToken(f *testing.F) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9_\-]{20,512}$`)
	for _, s := range []string{
		"", "short", strings.Repeat("a", 19), strings.Repeat("a", 20), strings.Repeat("Z9_-", 128),
		strings.Repeat("a", 513), strings.Repeat("a", 19) + ".", strings.Repeat("a", 30) + "\n",
		"AAAAAAAAAAAAAAAAAAA/", "eyJhbGciOiJSUzI1NiJ9_abc-DEF", strings.Repeat("é", 20), "0123456789abcdefghij",
		strings.Repeat("a", 25) + " ", "\x00" + strings.Repeat("a", 25), strings.Repeat("-", 512),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validAuthToken(s), pattern.MatchString(s); got != want {
			t.Errorf("validAuthToken(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
