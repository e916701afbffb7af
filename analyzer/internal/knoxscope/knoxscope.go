// Package knoxscope decides, once per package, whether the package talks to
// Knox, so that every knoxvet analyzer draws the same line between Knox code
// (where a literal status, a dropped error or a hot retry loop matters) and
// everything else (where it is a matter of style). A package talks to Knox
// when it imports knoxerr, has a string constant naming a Knox endpoint
// (/kcs/, /ams/v1/users/accesstoken, samsungknox.com), or imports a package
// that talks to Knox. The last is carried across packages as a fact.
package knoxscope

import (
	"go/ast"
	"go/constant"
	"reflect"

	"golang.org/x/tools/go/analysis"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxpkg"
)

// Analyzer's result is a Result.
var Analyzer = &analysis.Analyzer{
	Name:       "knoxscope",
	Doc:        "decide whether a package talks to Knox (imports knoxerr, names a Knox endpoint, or imports a package that does)",
	Run:        run,
	ResultType: reflect.TypeFor[Result](),
	FactTypes:  []analysis.Fact{new(talksToKnox)},
}

// Result says whether the analysed package talks to Knox.
type Result struct {
	// Knox is true for a package in scope of the Knox rules.
	Knox bool
	// Why says what put it in scope ("imports knoxerr", "names a Knox endpoint
	// in a constant", "imports example.com/knox"), "" when Knox is false.
	Why string
}

// talksToKnox marks a package that talks to Knox, so that its importers do too.
type talksToKnox struct{}

func (*talksToKnox) AFact()         {}
func (*talksToKnox) String() string { return "talksToKnox" }

func run(pass *analysis.Pass) (any, error) {
	r := decide(pass)
	if r.Knox {
		pass.ExportPackageFact(new(talksToKnox))
	}
	return r, nil
}

func decide(pass *analysis.Pass) Result {
	if knoxpkg.TalksToKnox(pass.Pkg) {
		return Result{true, "imports knoxerr"}
	}
	for _, imp := range pass.Pkg.Imports() {
		if pass.ImportPackageFact(imp, new(talksToKnox)) {
			return Result{true, "imports " + imp.Path()}
		}
	}
	for _, tv := range pass.TypesInfo.Types {
		if tv.Value != nil && tv.Value.Kind() == constant.String && knoxpkg.IsKnoxEndpoint(constant.StringVal(tv.Value)) {
			return Result{true, "names a Knox endpoint in a constant"}
		}
	}
	return Result{}
}

// Of returns whether pass's package talks to Knox; pass's analyzer must
// require Analyzer.
func Of(pass *analysis.Pass) bool {
	r, _ := pass.ResultOf[Analyzer].(Result)
	return r.Knox
}

// Generated reports whether f is generated code that the Knox rules leave
// alone. A file cmd/cgo translated from a hand-written file that imports "C"
// is not: go vet and go/packages hand analyzers the translation, which carries
// cgo's "Code generated" header, but its //line directives point back at the
// author's file, and that is where the findings belong. cgo's own
// _cgo_gotypes.go has no such directive and stays skipped.
func Generated(pass *analysis.Pass, f *ast.File) bool {
	return ast.IsGenerated(f) && !directive.CgoTranslated(pass.Fset, f)
}
