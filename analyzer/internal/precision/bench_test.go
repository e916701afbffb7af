package precision_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/packages"

	"github.com/knoxconform/knoxconform/analyzer/knoxcode"
	"github.com/knoxconform/knoxconform/analyzer/knoxhttp"
	"github.com/knoxconform/knoxconform/analyzer/knoxswitch"
)

// BenchmarkAnalyzers measures the three analyzers (plus the inspect pass they
// share) over net/http and its dependencies, loading excluded: the per-unit cost
// knoxvet adds to a go vet run on code that does not talk to Knox.
func BenchmarkAnalyzers(b *testing.B) {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.LoadAllSyntax}, "net/http")
	if err != nil || packages.PrintErrors(pkgs) > 0 {
		b.Fatalf("loading net/http: %v", err)
	}
	for _, bc := range []struct {
		name      string
		analyzers []*analysis.Analyzer
	}{
		// The baseline: building the inspector every vet suite pays for anyway.
		{"inspect", []*analysis.Analyzer{inspect.Analyzer}},
		{"knox", []*analysis.Analyzer{knoxcode.Analyzer, knoxhttp.Analyzer, knoxswitch.Analyzer}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := checker.Analyze(bc.analyzers, pkgs, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
