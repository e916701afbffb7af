package knoxcode_test

import (
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/knoxcode"
)

// testdata/src/github.com/knoxconform/knoxconform/knoxerr is a symbolic link to
// the real knoxerr package, so the tests see the real catalogue and import path.

func setFlag(t *testing.T, name, value string) {
	t.Helper()
	f := knoxcode.Analyzer.Flags.Lookup(name)
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

func TestKnoxcode(t *testing.T) {
	results := analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), knoxcode.Analyzer, "a", "tier2")
	// analysistest passes silently when no fix is produced at all (golang/go#71130):
	// count them.
	fixes, shadowed := 0, 0
	for _, r := range results {
		for _, d := range r.Diagnostics {
			fixes += len(d.SuggestedFixes)
			if strings.HasSuffix(r.Pass.Fset.Position(d.Pos).Filename, "shadow.go") {
				shadowed++
				if len(d.SuggestedFixes) != 0 {
					t.Errorf("shadow.go: got a fix where knoxerr names a local variable: %+v", d.SuggestedFixes)
				}
			}
		}
	}
	if shadowed != 1 {
		t.Errorf("shadow.go: got %d diagnostics, want 1", shadowed)
	}
	if fixes < 20 {
		t.Errorf("got %d suggested fixes, want at least 20", fixes)
	}
}

// Without -knoxcode.strict a package that imports neither knoxerr nor net/http
// has no code context: plain has catalogue numbers and no want comments.
func TestPlainPackageIsSkipped(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), knoxcode.Analyzer, "plain")
}

// An HTTP client that does not talk to Knox is out of scope: nethttp compares a
// counter with 4032251 and switches on "AUT_1802" and has no want comments.
func TestNonKnoxHTTPPackageIsSkipped(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), knoxcode.Analyzer, "nethttp")
}

func TestTestFilesWithFlag(t *testing.T) {
	setFlag(t, "tests", "true")
	analysistest.Run(t, analysistest.TestData(), knoxcode.Analyzer, "tests")
}

func TestStrict(t *testing.T) {
	setFlag(t, "strict", "true")
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), knoxcode.Analyzer, "strict")
}
