package knoxunhandled

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxpkg"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxscope"
)

// Rule IDs. They are stable: a retired rule's ID is never given to another.
const (
	RuleBareCall   = "KNX201" // the call is a bare statement
	RuleBlank      = "KNX202" // the error is assigned to _
	RuleGoDefer    = "KNX203" // the call is started by go or defer
	RuleNeverRead  = "KNX204" // the error variable is never read again
	RuleSwallowed  = "KNX205" // checked (err != nil) and then swallowed: a nil error returned
	docURLAnalyzer = "https://github.com/knoxconform/knoxconform/blob/main/docs/analyzers.md#knoxunhandled"
)

// Rules lists the rule IDs this analyzer reports, in order.
var Rules = []string{RuleBareCall, RuleBlank, RuleGoDefer, RuleNeverRead}

// Analyzer reports dropped Knox errors.
var Analyzer = &analysis.Analyzer{
	Name:      "knoxunhandled",
	Doc:       Doc,
	URL:       docURLAnalyzer,
	Requires:  []*analysis.Analyzer{inspect.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{new(returnsKnoxError), new(hasKnoxFuncs)},
	// The result is how the package's functions were classified; tests and
	// drivers use it, nothing else depends on it.
	ResultType: reflect.TypeFor[map[*types.Func]bool](),
}

func run(pass *analysis.Pass) (any, error) {
	s := &state{
		info:  pass.TypesInfo,
		pkg:   pass.Pkg,
		local: map[*types.Func]bool{},
		importFact: func(fn *types.Func) bool {
			return pass.ImportObjectFact(fn, new(returnsKnoxError))
		},
	}
	// Directives are read even on the fast path: an ignore left in a package
	// that no longer talks to Knox is stale and is reported as such.
	dirs := directive.New(pass)
	// knoxunhandled also owns KNX900 for directives that name no rule at all,
	// which no analyzer would otherwise claim.
	finish := func() { dirs.Finish(append(Rules, directive.Rule)...) }
	if !mayCallKnox(pass) {
		finish()
		return s.local, nil // nothing here can make or receive a Knox error
	}
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)

	// Summarise every function, then push "returns a Knox error" from callees
	// to callers until nothing changes, as printf does for print wrappers.
	callers := map[*types.Func][]*types.Func{}
	var work []*types.Func
	infos := map[*ast.FuncDecl]*funcInfo{}
	for n := range insp.PreorderSeq((*ast.FuncDecl)(nil)) {
		decl := n.(*ast.FuncDecl)
		fn, ok := pass.TypesInfo.Defs[decl.Name].(*types.Func)
		if !ok || decl.Body == nil {
			continue // an assembly or linkname declaration has no body to read
		}
		fi := s.newFuncInfo(decl.Type, decl.Body)
		infos[decl] = fi
		if fi.returns.knox {
			s.local[fn] = true
			work = append(work, fn)
		}
		for dep := range fi.returns.deps {
			callers[dep] = append(callers[dep], fn)
		}
	}
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		for _, caller := range callers[fn] {
			if !s.local[caller] {
				s.local[caller] = true
				work = append(work, caller)
			}
		}
	}
	for fn := range s.local {
		if returnsErrorInterface(fn) {
			pass.ExportObjectFact(fn, new(returnsKnoxError))
		}
	}
	if len(s.local) > 0 {
		pass.ExportPackageFact(new(hasKnoxFuncs))
	}

	c := &checker{pass: pass, s: s, dirs: dirs}
	for _, f := range pass.Files {
		if knoxscope.Generated(pass, f) {
			dirs.NotAnalyzed(f)
			continue // generated clients are regenerated, not edited
		}
		for _, d := range f.Decls {
			decl, ok := d.(*ast.FuncDecl)
			if !ok || decl.Body == nil {
				continue // dropped errors live in function bodies
			}
			fi := infos[decl]
			if fi == nil {
				fi = s.newFuncInfo(decl.Type, decl.Body)
			}
			c.body(fi, decl.Type, decl.Body)
		}
	}
	finish()
	return s.local, nil
}

// hasKnoxFuncs marks a package that declares at least one Knox function, so
// that importers which import neither knoxerr nor net/http still look.
type hasKnoxFuncs struct{}

func (*hasKnoxFuncs) AFact()         {}
func (*hasKnoxFuncs) String() string { return "hasKnoxFuncs" }

// mayCallKnox is the fast path: a package can only make or receive a Knox
// error if it imports knoxerr (at any depth), imports net/http, or imports a
// package that declares Knox functions.
func mayCallKnox(pass *analysis.Pass) bool {
	if knoxpkg.TalksToKnox(pass.Pkg) {
		return true
	}
	http := false
	for _, imp := range pass.Pkg.Imports() {
		if pass.ImportPackageFact(imp, new(hasKnoxFuncs)) {
			return true
		}
		http = http || imp.Path() == knoxpkg.HTTPPath
	}
	// Through net/http alone a request reaches Knox only at a URL that a
	// constant of this package spells (isKnoxURL), so a package none of whose
	// constants names a Knox endpoint has nothing to analyse. Most HTTP code
	// is not Knox code: this keeps the taint analysis off large API clients
	// of other services (stripe-go's root package, 500 files).
	return http && mentionsKnoxEndpoint(pass.TypesInfo)
}

// mentionsKnoxEndpoint reports whether any constant string expression of the
// package names a Knox endpoint (knoxpkg.IsKnoxEndpoint).
func mentionsKnoxEndpoint(info *types.Info) bool {
	for _, tv := range info.Types {
		if tv.Value != nil && tv.Value.Kind() == constant.String && knoxpkg.IsKnoxEndpoint(constant.StringVal(tv.Value)) {
			return true
		}
	}
	return false
}

// returnsErrorInterface reports whether fn's error result is the error
// interface, where callers cannot see from the type that it may hold a Knox
// error. Functions returning *knoxerr.Error need no fact.
func returnsErrorInterface(fn *types.Func) bool {
	res := fn.Signature().Results()
	i := errorResult(res)
	return i >= 0 && !knoxpkg.IsError(res.At(i).Type())
}

type checker struct {
	pass *analysis.Pass
	s    *state
	dirs *directive.Set
}

// knoxCall returns the function a call reaches when the call yields a Knox
// error, and the index of the error result.
func (c *checker) knoxCall(fi *funcInfo, e ast.Expr) (name string, errAt int, ok bool) {
	call, isCall := ast.Unparen(e).(*ast.CallExpr)
	if !isCall {
		return "", -1, false
	}
	errAt = errorResult(c.pass.TypesInfo.TypeOf(call))
	if errAt < 0 {
		return "", -1, false // nothing to drop
	}
	t := c.s.callTaint(fi, call)
	knox := t.knox
	for dep := range t.deps {
		knox = knox || c.s.local[dep]
	}
	if !knox {
		return "", -1, false
	}
	if fn, isFunc := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func); isFunc {
		name = funcName(fn, c.pass.Pkg)
	} else {
		name = "the call"
	}
	return name, errAt, true
}

func funcName(fn *types.Func, from *types.Package) string {
	qual := func(p *types.Package) string {
		if p == from {
			return ""
		}
		return p.Name()
	}
	if recv := fn.Signature().Recv(); recv != nil {
		return "(" + types.TypeString(recv.Type(), qual) + ")." + fn.Name()
	}
	if fn.Pkg() != nil && fn.Pkg() != from {
		return fn.Pkg().Name() + "." + fn.Name()
	}
	return fn.Name()
}

func (c *checker) report(n ast.Node, rule, format string, args ...any) {
	c.dirs.Report(analysis.Diagnostic{
		Pos:     n.Pos(),
		End:     n.End(),
		Message: fmt.Sprintf(format, args...) + " (" + rule + ")",
	}, rule)
}

// body reports dropped Knox errors in one function body; closures are checked
// as bodies of their own, so "never read" stays within one function.
func (c *checker) body(fi *funcInfo, ftype *ast.FuncType, body *ast.BlockStmt) {
	u := &unread{info: c.pass.TypesInfo, ftype: ftype, body: body}
	knoxErrs := c.knoxErrVars(fi, body)
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			c.body(fi, n.Type, n.Body)
			return false // done above, with its own control flow
		case *ast.IfStmt:
			c.swallowed(u, ftype, knoxErrs, n)
		case *ast.ExprStmt:
			if name, _, ok := c.knoxCall(fi, n.X); ok {
				c.report(n, RuleBareCall, "the Knox error returned by %s is dropped; check it or return it", name)
			}
		case *ast.GoStmt:
			if name, _, ok := c.knoxCall(fi, n.Call); ok {
				c.report(n, RuleGoDefer, "the Knox error returned by %s is lost in a go statement; call it in a closure that handles the error", name)
			}
		case *ast.DeferStmt:
			if name, _, ok := c.knoxCall(fi, n.Call); ok {
				c.report(n, RuleGoDefer, "the Knox error returned by %s is lost in a defer statement; defer a closure that handles the error", name)
			}
		case *ast.AssignStmt:
			if n.Tok == token.ASSIGN || n.Tok == token.DEFINE {
				c.assignment(fi, u, n, n.Lhs, n.Rhs)
			}
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
			}
			c.assignment(fi, u, n, lhs, n.Values)
		}
		return true
	})
}

// assignment reports a Knox error assigned to _ or to a variable that is
// never read afterwards.
func (c *checker) assignment(fi *funcInfo, u *unread, stmt ast.Node, lhs, rhs []ast.Expr) {
	check := func(l ast.Expr, r ast.Expr, errAt int, single bool) {
		name, at, ok := c.knoxCall(fi, r)
		if !ok || (!single && at != errAt) {
			return
		}
		id, isIdent := ast.Unparen(l).(*ast.Ident)
		if !isIdent {
			return // stored in a field, map or through a pointer: someone else may read it
		}
		if id.Name == "_" {
			c.report(l, RuleBlank, "the Knox error returned by %s is assigned to _; check it or return it", name)
			return
		}
		if v, ok := c.pass.TypesInfo.ObjectOf(id).(*types.Var); ok && u.neverRead(stmt, v) {
			c.report(l, RuleNeverRead, "the Knox error returned by %s is assigned to %s, which is never read afterwards; check it before it is overwritten or the function returns", name, id.Name)
		}
	}
	switch {
	case len(rhs) == 1 && len(lhs) > 1:
		call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr)
		if !ok {
			return
		}
		errAt := errorResult(c.pass.TypesInfo.TypeOf(call))
		if errAt >= 0 && errAt < len(lhs) {
			check(lhs[errAt], call, errAt, false)
		}
	case len(lhs) == len(rhs):
		for i := range lhs {
			if _, tuple := c.pass.TypesInfo.TypeOf(rhs[i]).(*types.Tuple); !tuple {
				check(lhs[i], rhs[i], 0, true)
			}
		}
	}
}

// knoxErrVars maps each variable of this body (closures excluded) that is
// assigned a Knox error to the name of the call.
func (c *checker) knoxErrVars(fi *funcInfo, body *ast.BlockStmt) map[*types.Var]string {
	vars := map[*types.Var]string{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			if len(n.Rhs) != 1 {
				return true
			}
			name, errAt, ok := c.knoxCall(fi, n.Rhs[0])
			if !ok {
				return true
			}
			if len(n.Lhs) == 1 {
				errAt = 0
			}
			if errAt >= len(n.Lhs) {
				return true
			}
			if id, ok := ast.Unparen(n.Lhs[errAt]).(*ast.Ident); ok {
				if v, ok := c.pass.TypesInfo.ObjectOf(id).(*types.Var); ok {
					vars[v] = name
				}
			}
		}
		return true
	})
	return vars
}

// swallowed reports if err != nil { ...; return ..., nil } where err holds a
// Knox error, the branch never looks at err, and the function's error result
// is nil: the caller sees success (KNX205).
func (c *checker) swallowed(u *unread, ftype *ast.FuncType, knoxErrs map[*types.Var]string, n *ast.IfStmt) {
	bin, ok := ast.Unparen(n.Cond).(*ast.BinaryExpr)
	if !ok || bin.Op != token.NEQ {
		return
	}
	x, y := ast.Unparen(bin.X), ast.Unparen(bin.Y)
	if isNilIdent(c.pass, x) {
		x, y = y, x
	}
	id, ok := x.(*ast.Ident)
	if !ok || !isNilIdent(c.pass, y) {
		return
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok {
		return
	}
	name, ok := knoxErrs[v]
	if !ok || len(n.Body.List) == 0 || u.mentions(n.Body, v) {
		return
	}
	ret, ok := n.Body.List[len(n.Body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) == 0 || ftype.Results == nil {
		return
	}
	errAt := -1
	i := 0
	for _, f := range ftype.Results.List {
		k := max(len(f.Names), 1)
		if isErrorType(c.pass.TypesInfo.TypeOf(f.Type)) {
			errAt = i + k - 1
		}
		i += k
	}
	if errAt < 0 || errAt >= len(ret.Results) || !isNilIdent(c.pass, ret.Results[errAt]) {
		return
	}
	c.report(n, RuleSwallowed, "the Knox error returned by %s is checked and then swallowed: this branch returns a nil error without looking at it; return it (wrapped) so the caller sees the Knox code", name)
}

func isNilIdent(pass *analysis.Pass, e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	_, isNil := pass.TypesInfo.Uses[id].(*types.Nil)
	return isNil
}
