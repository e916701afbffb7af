// Package knoxhttp defines an Analyzer that reports HTTP statuses written as
// numbers where net/http's named constants belong.
package knoxhttp

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
	"github.com/knoxconform/knoxconform/analyzer/internal/importedit"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxpkg"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxscope"
)

// Rule is the stable rule ID of this analyzer's findings.
const Rule = "KNX110"

const Doc = `report HTTP statuses written as numbers

knoxhttp reports an integer literal HTTP status that is compared with, switched
on or assigned to net/http.Response.StatusCode or httptest.ResponseRecorder.Code,
set in an http.Response literal, or passed as the status of
ResponseWriter.WriteHeader, http.Error, http.Redirect, http.RedirectHandler or
http.StatusText, and offers to replace it with the net/http constant. A Knox
client branches on 429, 401 and 403; a named constant says which condition the
branch is for. It looks only at packages that talk to Knox: they import
knoxerr, mention a Knox endpoint (/kcs/, /ams/v1/users/accesstoken,
samsungknox.com) in a string constant, or import a package that does; elsewhere a
number is a matter of style, not of Knox handling. The fields and functions are
recognised by type, so a StatusCode
field of some other struct is left alone, and a number with no http.Status
constant (499) is not reported. Generated files are skipped, but a file that
imports "C" is analysed (its findings point at the author's file; no fix is
offered there). Test files are skipped unless -knoxhttp.tests is set: a test's
fake Knox server writes WriteHeader(200) on purpose. -knoxhttp.allow lists
statuses to accept as numbers (for example 200,404).

Before:

	if resp.StatusCode == 429 {
		wait(resp.Header.Get("Retry-After"))
	}

After:

	if resp.StatusCode == http.StatusTooManyRequests {
		wait(resp.Header.Get("Retry-After"))
	}`

var Analyzer = &analysis.Analyzer{
	Name:     "knoxhttp",
	Doc:      Doc,
	URL:      "https://github.com/knoxconform/knoxconform/blob/main/docs/analyzers.md#knoxhttp",
	Requires: []*analysis.Analyzer{inspect.Analyzer, knoxscope.Analyzer},
	Run:      run,
}

var (
	allow        allowList
	includeTests bool
)

func init() {
	Analyzer.Flags.Var(&allow, "allow", "comma-separated HTTP statuses that may stay numbers (e.g. 200,404)")
	Analyzer.Flags.BoolVar(&includeTests, "tests", false, "also report statuses in _test.go files")
}

// allowList is a flag.Value holding a set of statuses.
type allowList map[int64]bool

func (a *allowList) String() string {
	if a == nil || len(*a) == 0 {
		return ""
	}
	var s []string
	for n := range *a {
		s = append(s, strconv.FormatInt(n, 10))
	}
	return strings.Join(s, ",")
}

func (a *allowList) Set(v string) error {
	m := allowList{}
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 100 || n > 999 {
			return fmt.Errorf("-knoxhttp.allow: %q is not an HTTP status (a number from 100 to 999)", f)
		}
		m[n] = true
	}
	*a = m
	return nil
}

// httpAPI is what knoxhttp recognises in net/http and net/http/httptest, as
// type-checker objects of the package being analysed.
type httpAPI struct {
	statusCode   *types.Var // net/http.Response.StatusCode
	recorderCode *types.Var // net/http/httptest.ResponseRecorder.Code, nil without httptest
	// statusArg maps a function to the index of its status parameter.
	statusArg      map[*types.Func]int
	responseWriter *types.Interface
	names          map[int64]string // 429 → "StatusTooManyRequests"
}

func newHTTPAPI(httpPkg, httptestPkg *types.Package) *httpAPI {
	api := &httpAPI{statusArg: map[*types.Func]int{}, names: map[int64]string{}}
	scope := httpPkg.Scope()
	api.statusCode = field(httpPkg, "Response", "StatusCode")
	if httptestPkg != nil {
		api.recorderCode = field(httptestPkg, "ResponseRecorder", "Code")
	}
	for name, arg := range map[string]int{"Error": 2, "StatusText": 0, "Redirect": 3, "RedirectHandler": 1} {
		if fn, ok := scope.Lookup(name).(*types.Func); ok {
			api.statusArg[fn] = arg
		}
	}
	if tn, ok := scope.Lookup("ResponseWriter").(*types.TypeName); ok {
		api.responseWriter, _ = tn.Type().Underlying().(*types.Interface)
	}
	for _, name := range scope.Names() {
		c, ok := scope.Lookup(name).(*types.Const)
		if !ok || !c.Exported() || !strings.HasPrefix(name, "Status") {
			continue
		}
		if c.Val().Kind() != constant.Int {
			continue
		}
		if n, exact := constant.Int64Val(c.Val()); exact {
			api.names[n] = name
		}
	}
	return api
}

// field returns the field name of the named struct type typ in pkg.
func field(pkg *types.Package, typ, name string) *types.Var {
	tn, ok := pkg.Scope().Lookup(typ).(*types.TypeName)
	if !ok {
		return nil
	}
	obj, _, _ := types.LookupFieldOrMethod(tn.Type(), true, pkg, name)
	v, _ := obj.(*types.Var)
	return v
}

func run(pass *analysis.Pass) (any, error) {
	dirs := directive.New(pass)
	defer dirs.Finish(Rule)

	if !knoxscope.Of(pass) {
		return nil, nil // not a Knox package: numbers there are style, not Knox handling
	}
	httpPkg := knoxpkg.Find(pass.Pkg, knoxpkg.HTTPPath)
	if httpPkg == nil {
		return nil, nil // no net/http anywhere below: no StatusCode to compare with
	}
	api := newHTTPAPI(httpPkg, knoxpkg.Find(pass.Pkg, "net/http/httptest"))

	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	var file *ast.File
	in.Root().Inspect([]ast.Node{(*ast.File)(nil), (*ast.BasicLit)(nil)}, func(c inspector.Cursor) bool {
		switch n := c.Node().(type) {
		case *ast.File:
			name := pass.Fset.File(n.FileStart).Name()
			if knoxscope.Generated(pass, n) || (strings.HasSuffix(name, "_test.go") && !includeTests) {
				dirs.NotAnalyzed(n)
				return false // generated code is not edited by hand; a test's fake server writes statuses on purpose
			}
			file = n
		case *ast.BasicLit:
			if n.Kind != token.INT {
				return true // statuses are integer literals
			}
			tv, ok := pass.TypesInfo.Types[n]
			if !ok || tv.Value == nil {
				return true
			}
			v := constant.ToInt(tv.Value) // an int literal in a float context holds a float constant
			if v.Kind() != constant.Int {
				return true // not a whole number
			}
			status, exact := constant.Int64Val(v)
			name := api.names[status]
			if !exact || name == "" || allow[status] {
				return true // no http.Status constant to suggest, or allowed as a number
			}
			if how := api.statusUse(pass, c); how != "" {
				report(pass, dirs, file, n, status, name, how)
			}
		}
		return true
	})
	return nil, nil
}

// statusUse says how the literal at c is used as an HTTP status ("compared with
// resp.StatusCode"), "" when it is not.
func (api *httpAPI) statusUse(pass *analysis.Pass, c inspector.Cursor) string {
	for c.ParentEdgeKind() == edge.ParenExpr_X {
		c = c.Parent()
	}
	parent := c.Parent().Node()
	switch c.ParentEdgeKind() {
	case edge.BinaryExpr_X, edge.BinaryExpr_Y:
		b := parent.(*ast.BinaryExpr)
		if b.Op != token.EQL && b.Op != token.NEQ {
			return "" // ranges (>= 400) are idiomatic as numbers
		}
		other := b.X
		if c.ParentEdgeKind() == edge.BinaryExpr_X {
			other = b.Y
		}
		if f := api.statusField(pass, other); f != "" {
			return "compared with " + f
		}
	case edge.CaseClause_List:
		sw, ok := c.Parent().Parent().Parent().Node().(*ast.SwitchStmt)
		if ok && sw.Tag != nil {
			if f := api.statusField(pass, sw.Tag); f != "" {
				return "a case of a switch on " + f
			}
		}
	case edge.AssignStmt_Rhs:
		as := parent.(*ast.AssignStmt)
		i := c.ParentEdgeIndex()
		if len(as.Lhs) == len(as.Rhs) {
			if f := api.statusField(pass, as.Lhs[i]); f != "" {
				return "assigned to " + f
			}
		}
	case edge.KeyValueExpr_Value:
		kv := parent.(*ast.KeyValueExpr)
		if id, ok := kv.Key.(*ast.Ident); ok {
			if v := pass.TypesInfo.Uses[id]; v != nil && (v == api.statusCode || v == api.recorderCode) {
				return "the " + v.Name() + " field"
			}
		}
	case edge.CallExpr_Args:
		call := parent.(*ast.CallExpr)
		fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
		if !ok {
			return ""
		}
		if arg, ok := api.statusArg[fn]; ok && arg == c.ParentEdgeIndex() {
			return "the status argument of http." + fn.Name()
		}
		if api.isWriteHeader(fn) {
			return "the argument of WriteHeader"
		}
	}
	return ""
}

// statusField names e when it selects net/http.Response.StatusCode or
// httptest.ResponseRecorder.Code.
func (api *httpAPI) statusField(pass *analysis.Pass, e ast.Expr) string {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	s := pass.TypesInfo.Selections[sel]
	if s == nil || s.Kind() != types.FieldVal {
		return ""
	}
	switch s.Obj() {
	case api.statusCode:
		return "http.Response.StatusCode"
	case api.recorderCode:
		if api.recorderCode != nil {
			return "httptest.ResponseRecorder.Code"
		}
	}
	return ""
}

// isWriteHeader reports whether fn is the WriteHeader method by which its
// receiver type satisfies http.ResponseWriter (the interface method itself, or a
// concrete writer such as *httptest.ResponseRecorder).
func (api *httpAPI) isWriteHeader(fn *types.Func) bool {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil || fn.Name() != "WriteHeader" || api.responseWriter == nil {
		return false
	}
	recv := sig.Recv().Type()
	return types.Implements(recv, api.responseWriter) || types.Implements(types.NewPointer(recv), api.responseWriter)
}

func report(pass *analysis.Pass, dirs *directive.Set, file *ast.File, lit *ast.BasicLit, status int64, name, how string) {
	d := analysis.Diagnostic{
		Pos:     lit.Pos(),
		End:     lit.End(),
		Message: fmt.Sprintf("HTTP status %d written as a number (%s); use http.%s", status, how, name),
	}
	if qual, edits, ok := importedit.Qualifier(pass, file, lit.Pos(), knoxpkg.HTTPPath, "http"); ok {
		edits = append(edits, analysis.TextEdit{Pos: lit.Pos(), End: lit.End(), NewText: []byte(qual + "." + name)})
		d.SuggestedFixes = []analysis.SuggestedFix{{Message: "Replace with http." + name, TextEdits: edits}}
	}
	dirs.Report(d, Rule)
}
