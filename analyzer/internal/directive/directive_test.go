package directive_test

import (
	"go/ast"
	"go/token"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
)

// lucky reports every literal 7 as KNX101, and every literal 9 as KNX102 when a
// //knoxvet:enforce directive is on its line or the line above. It skips files
// whose name ends in _skipped.go, as analyzers skip generated files.
var lucky = &analysis.Analyzer{
	Name: "lucky",
	Doc:  "test analyzer for the directive package",
	Run: func(pass *analysis.Pass) (any, error) {
		dirs := directive.New(pass)
		for _, f := range pass.Files {
			if strings.HasSuffix(pass.Fset.File(f.FileStart).Name(), "_skipped.go") {
				dirs.NotAnalyzed(f)
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.INT {
					return true
				}
				switch lit.Value {
				case "7":
					dirs.Report(analysis.Diagnostic{Pos: lit.Pos(), Message: "lucky seven"}, "KNX101")
				case "9":
					if dirs.Enforced(lit.Pos()) {
						dirs.Report(analysis.Diagnostic{Pos: lit.Pos(), Message: "enforced nine"}, "KNX102")
					}
				}
				return true
			})
		}
		dirs.Finish("KNX101", directive.Rule)
		return nil, nil
	},
}

func TestDirectives(t *testing.T) {
	results := analysistest.Run(t, analysistest.TestData(), lucky, "d")
	// Every diagnostic carries its rule as Category, for SARIF ruleId and JSON.
	for _, r := range results {
		for _, d := range r.Diagnostics {
			want := "KNX101"
			switch {
			case strings.HasPrefix(d.Message, "enforced"):
				want = "KNX102"
			case !strings.HasPrefix(d.Message, "lucky"):
				want = directive.Rule
			}
			if d.Category != want {
				t.Errorf("%v: %q has category %q, want %q", r.Pass.Fset.Position(d.Pos), d.Message, d.Category, want)
			}
		}
	}
}
