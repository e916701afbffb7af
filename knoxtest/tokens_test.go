package knoxtest

import (
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/reports"
)

// Every token the server issues (access, refresh and Samsung Account tokens)
// is redacted from the reports by its shape alone: the suite never hands
// them to the Redactor. A random 43-character draw lacks a digit, '-' and
// '_' about once in 7,700, often enough that a run's 150 tokens let one
// through now and then; randToken draws again instead.
func TestIssuedTokensAreRedactedByShape(t *testing.T) {
	r := reports.NewRedactor()
	for range 30000 {
		tok := randToken()
		if !reports.LooksLikeToken(tok) {
			t.Fatalf("an issued token the reports would not recognise: %d characters", len(tok))
		}
		if strings.Contains(r.Text(`{"accessToken":"`+tok+`"}`), tok) {
			t.Fatal("an issued token survived redaction")
		}
	}
}
