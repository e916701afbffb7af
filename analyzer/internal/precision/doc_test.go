package precision_test

import (
	"flag"
	"go/token"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/knoxconform/knoxconform/analyzer"
)

// Doc is the user documentation (knoxvet help, SARIF rule help, docs/analyzers.md
// are generated from it), so its shape is checked like code.
func TestDocShape(t *testing.T) {
	for _, a := range analyzer.All() {
		if err := analysis.Validate([]*analysis.Analyzer{a}); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
		if !token.IsIdentifier(a.Name) {
			t.Errorf("%s: name is not an identifier, so it cannot be a flag prefix", a.Name)
		}
		title, rest, _ := strings.Cut(a.Doc, "\n")
		if title == "" || strings.HasSuffix(title, ".") || strings.ToLower(title[:1]) != title[:1] {
			t.Errorf("%s: Doc must open with a one-line lower-case summary without a full stop, got %q", a.Name, title)
		}
		if !strings.HasPrefix(rest, "\n") {
			t.Errorf("%s: Doc summary must be followed by a blank line", a.Name)
		}
		before, after := strings.Index(a.Doc, "\n\nBefore:\n\n"), strings.Index(a.Doc, "\n\nAfter:\n\n")
		if before < 0 || after < before {
			t.Errorf("%s: Doc needs a Before: example followed by an After: example", a.Name)
		}
		if !strings.HasSuffix(a.URL, "#"+a.Name) {
			t.Errorf("%s: URL %q should point at the analyzer's section", a.Name, a.URL)
		}
		a.Flags.VisitAll(func(f *flag.Flag) {
			if f.Usage == "" {
				t.Errorf("-%s.%s has no usage text", a.Name, f.Name)
			}
			if !strings.Contains(a.Doc, "-"+a.Name+"."+f.Name) {
				t.Errorf("Doc of %s does not mention its flag -%s.%s", a.Name, a.Name, f.Name)
			}
		})
	}
}
