package knoxswitch_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/knoxswitch"
)

// testdata/src/github.com/knoxconform/knoxconform/knoxerr links to the real
// knoxerr package: the expectations follow the real catalogue.

func TestKnoxswitch(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), knoxswitch.Analyzer, "s", "plain", "notknox")
}

func TestEnforceFlag(t *testing.T) {
	f := knoxswitch.Analyzer.Flags.Lookup("enforce")
	if err := f.Value.Set("true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set("false") })
	analysistest.Run(t, analysistest.TestData(), knoxswitch.Analyzer, "enforced")
}
