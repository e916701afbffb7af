package knoxhttp_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/knoxhttp"
)

func TestKnoxhttp(t *testing.T) {
	results := analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), knoxhttp.Analyzer, "h", "noimport", "usedep", "notknox")
	// analysistest passes silently when no fix is produced (golang/go#71130).
	fixes := 0
	for _, r := range results {
		for _, d := range r.Diagnostics {
			fixes += len(d.SuggestedFixes)
		}
	}
	if fixes < 12 {
		t.Errorf("got %d suggested fixes, want at least 12", fixes)
	}
}

// h_test.go writes WriteHeader(200) in a fake server and stays silent by
// default; -knoxhttp.tests brings test files in.
func TestTestFilesWithFlag(t *testing.T) {
	f := knoxhttp.Analyzer.Flags.Lookup("tests")
	if err := f.Value.Set("true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set("false") })
	analysistest.Run(t, analysistest.TestData(), knoxhttp.Analyzer, "withtests")
}

func TestAllowFlag(t *testing.T) {
	f := knoxhttp.Analyzer.Flags.Lookup("allow")
	for _, bad := range []string{"abc", "42", "200,x"} {
		if err := f.Value.Set(bad); err == nil {
			t.Errorf("-knoxhttp.allow=%s accepted, want an error", bad)
		}
	}
	if err := f.Value.Set("200, 404"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set("") })
	if got := f.Value.String(); got != "200,404" && got != "404,200" {
		t.Errorf("allow = %q, want 200 and 404", got)
	}
}
