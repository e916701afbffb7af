package knoxscope_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/internal/knoxscope"
)

func TestScope(t *testing.T) {
	results := analysistest.Run(t, analysistest.TestData(), knoxscope.Analyzer, "endpoint", "importer", "other")
	want := map[string]bool{"endpoint": true, "importer": true, "other": false}
	for _, r := range results {
		got := r.Result.(knoxscope.Result)
		if w, ok := want[r.Pass.Pkg.Path()]; ok && got.Knox != w {
			t.Errorf("%s: Knox = %v (%s), want %v", r.Pass.Pkg.Path(), got.Knox, got.Why, w)
		}
	}
}
