package knoxunhandled

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/knoxconform/knoxconform/analyzer/internal/knoxpkg"
)

// returnsKnoxError marks a function or method whose error result can carry a
// Knox error. It has no fields on purpose: every importer's vetx file carries it.
type returnsKnoxError struct{}

func (*returnsKnoxError) AFact() {}

func (*returnsKnoxError) String() string { return "returnsKnoxError" }

// taint says whether an expression holds a Knox error: certainly (knox), or
// if one of the same-package functions in deps turns out to return one.
type taint struct {
	knox bool
	deps map[*types.Func]bool
}

func (t *taint) add(u taint) bool {
	changed := false
	if u.knox && !t.knox {
		t.knox, changed = true, true
	}
	for f := range u.deps {
		if t.deps == nil {
			t.deps = map[*types.Func]bool{}
		}
		if !t.deps[f] {
			t.deps[f], changed = true, true
		}
	}
	return changed
}

func (t taint) any() bool { return t.knox || len(t.deps) > 0 }

// funcInfo is what one function body says about Knox, flow-insensitively: which
// of its variables hold Knox errors, Knox URLs or requests to Knox, and what
// its return statements yield.
type funcInfo struct {
	errs    map[*types.Var]*taint
	urls    map[*types.Var]bool
	reqs    map[*types.Var]bool
	returns taint
}

// state is one pass's view of which functions return Knox errors.
type state struct {
	info  *types.Info
	pkg   *types.Package
	local map[*types.Func]bool // same-package functions proven to return Knox errors
	// importFact asks whether an imported function carries returnsKnoxError.
	importFact func(*types.Func) bool
}

// isKnoxFunc reports whether calling fn yields a Knox error in its error result.
func (s *state) isKnoxFunc(fn *types.Func) bool {
	fn = fn.Origin()
	if fn.Pkg() == s.pkg {
		return s.local[fn]
	}
	return s.importFact(fn)
}

var errorType = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)

// isErrorType reports whether t can carry an error: the error interface or a
// type implementing it (such as *knoxerr.Error).
func isErrorType(t types.Type) bool {
	if t == nil {
		return false
	}
	if _, isTypeParam := types.Unalias(t).(*types.TypeParam); isTypeParam {
		return false // a type parameter's Error method says nothing about Knox
	}
	return types.Implements(t, errorType)
}

// errorResult returns the index of the last error-carrying result of a call's
// type, or -1.
func errorResult(t types.Type) int {
	if tup, ok := t.(*types.Tuple); ok {
		for i := tup.Len() - 1; i >= 0; i-- {
			if isErrorType(tup.At(i).Type()) {
				return i
			}
		}
		return -1
	}
	if isErrorType(t) {
		return 0
	}
	return -1
}

// newFuncInfo computes the flow-insensitive summary of one function body,
// including the closures inside it (their assignments to the function's
// variables count). ftype gives the named results for bare returns.
func (s *state) newFuncInfo(ftype *ast.FuncType, body *ast.BlockStmt) *funcInfo {
	fi := &funcInfo{errs: map[*types.Var]*taint{}, urls: map[*types.Var]bool{}, reqs: map[*types.Var]bool{}}
	if body == nil {
		return fi
	}
	// Variables are assigned from each other in any order; a few rounds reach
	// the fixed point in practice, and the bound keeps odd code from looping.
	for round := 0; round < 4; round++ {
		changed := false
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if n.Tok == token.ASSIGN || n.Tok == token.DEFINE {
					changed = s.assign(fi, n.Lhs, n.Rhs) || changed
				}
			case *ast.ValueSpec:
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				changed = s.assign(fi, lhs, n.Values) || changed
			}
			return true
		})
		if !changed {
			break
		}
	}
	var named []*types.Var
	if ftype != nil && ftype.Results != nil {
		for _, f := range ftype.Results.List {
			for _, id := range f.Names {
				if v, ok := s.info.Defs[id].(*types.Var); ok {
					named = append(named, v)
				}
			}
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // a closure's returns are its own
		case *ast.ReturnStmt:
			if len(n.Results) == 0 {
				for _, v := range named {
					if t := fi.errs[v]; t != nil && isErrorType(v.Type()) {
						fi.returns.add(*t)
					}
				}
				return true
			}
			if len(n.Results) == 1 {
				if call, ok := ast.Unparen(n.Results[0]).(*ast.CallExpr); ok {
					if _, tuple := s.info.TypeOf(call).(*types.Tuple); tuple {
						fi.returns.add(s.callTaint(fi, call))
						return true
					}
				}
			}
			for _, r := range n.Results {
				if isErrorType(s.info.TypeOf(r)) {
					fi.returns.add(s.exprTaint(fi, r))
				}
			}
		}
		return true
	})
	return fi
}

// assign records what the right-hand sides put into the variables on the left.
func (s *state) assign(fi *funcInfo, lhs, rhs []ast.Expr) bool {
	changed := false
	set := func(l ast.Expr, t taint, url, req bool) {
		id, ok := ast.Unparen(l).(*ast.Ident)
		if !ok || id.Name == "_" {
			return
		}
		v, ok := s.info.ObjectOf(id).(*types.Var)
		if !ok {
			return
		}
		if t.any() {
			cur := fi.errs[v]
			if cur == nil {
				cur = &taint{}
				fi.errs[v] = cur
			}
			changed = cur.add(t) || changed
		}
		if url && !fi.urls[v] {
			fi.urls[v], changed = true, true
		}
		if req && !fi.reqs[v] {
			fi.reqs[v], changed = true, true
		}
	}
	switch {
	case len(rhs) == 1 && len(lhs) > 1:
		call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr)
		if !ok {
			return false
		}
		tup, ok := s.info.TypeOf(call).(*types.Tuple)
		if !ok || tup.Len() != len(lhs) {
			return false
		}
		ct := s.callTaint(fi, call)
		errAt := errorResult(tup)
		req := s.isKnoxRequestCall(fi, call)
		for i, l := range lhs {
			var t taint
			if i == errAt {
				t = ct
			}
			set(l, t, false, req && i == 0)
		}
	case len(lhs) == len(rhs):
		for i, l := range lhs {
			r := rhs[i]
			var t taint
			if isErrorType(s.info.TypeOf(r)) {
				t = s.exprTaint(fi, r)
			}
			url := isString(s.info.TypeOf(r)) && s.isKnoxURL(fi, r)
			set(l, t, url, s.isKnoxRequestExpr(fi, r))
		}
	}
	return changed
}

func isString(t types.Type) bool {
	if t == nil {
		return false
	}
	b, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// exprTaint says whether a single-valued error expression holds a Knox error.
func (s *state) exprTaint(fi *funcInfo, e ast.Expr) taint {
	e = ast.Unparen(e)
	if knoxpkg.IsError(s.info.TypeOf(e)) {
		return taint{knox: true} // &knoxerr.Error{…}, knoxerr.New(…), a *knoxerr.Error variable
	}
	switch e := e.(type) {
	case *ast.Ident:
		if v, ok := s.info.Uses[e].(*types.Var); ok {
			if t := fi.errs[v]; t != nil {
				return *t
			}
		}
	case *ast.CallExpr:
		return s.callTaint(fi, e)
	case *ast.TypeAssertExpr:
		return s.exprTaint(fi, e.X)
	}
	return taint{}
}

// callTaint says whether a call's error result holds a Knox error.
func (s *state) callTaint(fi *funcInfo, call *ast.CallExpr) taint {
	if t := s.info.TypeOf(call); errorResult(t) >= 0 {
		if tup, ok := t.(*types.Tuple); ok {
			t = tup.At(errorResult(tup)).Type()
		}
		if knoxpkg.IsError(t) {
			return taint{knox: true} // the signature says so: knoxerr.Parse, FromResponse, New
		}
	}
	fn, ok := typeutil.Callee(s.info, call).(*types.Func)
	if !ok {
		return taint{} // a conversion, a builtin or a call through a func value or interface
	}
	fn = fn.Origin()
	if isDoer(fn) && len(call.Args) == 1 && s.isKnoxRequestExpr(fi, call.Args[0]) {
		return taint{knox: true} // an http.Client stand-in (an interface, a wrapper) sending a Knox request
	}
	if pkg := fn.Pkg(); pkg != nil {
		switch {
		case pkg.Path() == "fmt" && fn.Name() == "Errorf", pkg.Path() == "errors" && fn.Name() == "Join":
			// Wrapping keeps the Knox error reachable through errors.As.
			var t taint
			for _, a := range call.Args {
				if isErrorType(s.info.TypeOf(a)) {
					t.add(s.exprTaint(fi, a))
				}
			}
			return t
		case pkg == s.pkg:
			if s.local[fn] || s.hasKnoxURLArg(fi, call) {
				return taint{knox: true}
			}
			return taint{deps: map[*types.Func]bool{fn: true}}
		case s.importFact(fn):
			return taint{knox: true}
		case pkg.Path() == knoxpkg.HTTPPath && s.isKnoxHTTPCall(fi, fn, call):
			return taint{knox: true}
		case !isStd(pkg) && s.hasKnoxURLArg(fi, call):
			// A client's own helper handed a Knox path (c.do(ctx, "/kcs/v1/…")):
			// whatever it does with it, its error is about talking to Knox.
			return taint{knox: true}
		}
	}
	return taint{}
}

// isStd guesses whether pkg is in the standard library: its path has no dot
// in its first element. url.Parse of a Knox URL is not a Knox call.
func isStd(pkg *types.Package) bool {
	first, _, _ := strings.Cut(pkg.Path(), "/")
	return !strings.Contains(first, ".")
}

// hasKnoxURLArg reports whether a call that can fail is given a Knox URL.
func (s *state) hasKnoxURLArg(fi *funcInfo, call *ast.CallExpr) bool {
	if errorResult(s.info.TypeOf(call)) < 0 {
		return false
	}
	for _, a := range call.Args {
		if isString(s.info.TypeOf(a)) && s.isKnoxURL(fi, a) {
			return true
		}
	}
	return false
}

// isKnoxHTTPCall reports whether a net/http call sends a request to Knox.
func (s *state) isKnoxHTTPCall(fi *funcInfo, fn *types.Func, call *ast.CallExpr) bool {
	recv := fn.Signature().Recv()
	onClient := recv != nil && isHTTPNamed(recv.Type(), "Client")
	switch fn.Name() {
	case "Get", "Head", "Post", "PostForm":
		if recv != nil && !onClient {
			return false // Header.Get and the like
		}
		return len(call.Args) > 0 && s.isKnoxURL(fi, call.Args[0])
	case "Do":
		return onClient && len(call.Args) == 1 && s.isKnoxRequestExpr(fi, call.Args[0])
	}
	return false
}

// isDoer reports whether fn is a method Do(*http.Request) (*http.Response, error),
// the shape clients use to make http.Client replaceable in tests.
func isDoer(fn *types.Func) bool {
	sig := fn.Signature()
	if sig.Recv() == nil || fn.Name() != "Do" || sig.Params().Len() != 1 || sig.Results().Len() != 2 {
		return false
	}
	return isHTTPNamed(sig.Params().At(0).Type(), "Request") && isHTTPNamed(sig.Results().At(0).Type(), "Response") &&
		types.Identical(sig.Results().At(1).Type(), types.Universe.Lookup("error").Type())
}

func isHTTPNamed(t types.Type, name string) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == knoxpkg.HTTPPath && n.Obj().Name() == name
}

// isKnoxRequestCall reports whether call is http.NewRequest[WithContext] with a
// Knox URL.
func (s *state) isKnoxRequestCall(fi *funcInfo, call *ast.CallExpr) bool {
	fn, ok := typeutil.Callee(s.info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != knoxpkg.HTTPPath {
		return false
	}
	switch fn.Name() {
	case "NewRequest":
		return len(call.Args) == 3 && s.isKnoxURL(fi, call.Args[1])
	case "NewRequestWithContext":
		return len(call.Args) == 4 && s.isKnoxURL(fi, call.Args[2])
	}
	return false
}

// isKnoxRequestExpr reports whether e is a *http.Request to Knox: a variable
// assigned from a Knox NewRequest, or such a request's WithContext or Clone.
func (s *state) isKnoxRequestExpr(fi *funcInfo, e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, ok := s.info.Uses[e].(*types.Var)
		return ok && fi.reqs[v]
	case *ast.CallExpr:
		sel, ok := ast.Unparen(e.Fun).(*ast.SelectorExpr)
		if !ok || !isHTTPNamed(s.info.TypeOf(sel.X), "Request") {
			return false // not a method of *http.Request
		}
		if sel.Sel.Name == "WithContext" || sel.Sel.Name == "Clone" {
			return s.isKnoxRequestExpr(fi, sel.X)
		}
	}
	return false
}

// isKnoxURL reports whether a string expression is built from a constant that
// names a Knox path or host, or from a variable that holds such a URL.
func (s *state) isKnoxURL(fi *funcInfo, e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if found {
			return false
		}
		x, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		if tv, ok := s.info.Types[x]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
			found = knoxpkg.IsKnoxEndpoint(constant.StringVal(tv.Value))
			return false // a constant's parts are constants too
		}
		if id, ok := x.(*ast.Ident); ok {
			if v, ok := s.info.Uses[id].(*types.Var); ok && fi.urls[v] {
				found = true
			}
		}
		return !found
	})
	return found
}
