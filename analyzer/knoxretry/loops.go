package knoxretry

import (
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/knoxconform/knoxconform/analyzer/internal/knoxpkg"
)

// loop is a natural loop of a function's control-flow graph.
type loop struct {
	header *ssa.BasicBlock
	body   map[*ssa.BasicBlock]bool
}

// loops returns fn's natural loops whose head is that of a for statement or a
// range over an integer: ranges over slices, maps, channels and iterators are
// iteration, not retry.
func loops(fn *ssa.Function) []*loop {
	byHeader := map[*ssa.BasicBlock]*loop{}
	var order []*loop
	for _, b := range fn.Blocks {
		for _, s := range b.Succs {
			if !s.Dominates(b) {
				continue // not a back edge
			}
			switch s.Comment {
			case "for.loop", "for.body", "rangeint.body": // a range over an int is headed by its body
			default:
				continue
			}
			l := byHeader[s]
			if l == nil {
				l = &loop{header: s, body: map[*ssa.BasicBlock]bool{s: true}}
				byHeader[s] = l
				order = append(order, l)
			}
			// The body is every block that reaches the latch without the header.
			stack := []*ssa.BasicBlock{b}
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if l.body[x] {
					continue
				}
				l.body[x] = true
				stack = append(stack, x.Preds...)
			}
		}
	}
	return order
}

// edgeKind says what taking one edge of an If tells about a Knox attempt.
type edgeKind int

const (
	neutral    edgeKind = iota
	errFail             // err != nil taken: the transport (or the call) failed
	statusFail          // a StatusCode test whose edge means 4xx or 5xx
	statusOK            // a StatusCode test whose edge means 1xx to 3xx
	bound               // an attempt counter or a context checked
)

// statusRange is what one edge of a status test implies: lo <= status <= hi,
// or, for ne, status != lo.
type statusRange struct {
	lo, hi int64
	ne     bool
}

// edges classifies the two edges (true, false) of the If ending b.
func edges(b *ssa.BasicBlock) (kinds [2]edgeKind, ranges [2]statusRange, status bool) {
	ifi, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
	if !ok {
		return kinds, ranges, false
	}
	cond := ifi.Cond
	if u, ok := cond.(*ssa.UnOp); ok && u.Op == token.NOT {
		k, r, s := classify(u.X)
		return [2]edgeKind{k[1], k[0]}, [2]statusRange{r[1], r[0]}, s
	}
	return classify(cond)
}

func classify(cond ssa.Value) (kinds [2]edgeKind, ranges [2]statusRange, status bool) {
	bin, ok := cond.(*ssa.BinOp)
	if !ok {
		return kinds, ranges, false
	}
	x, y, op := bin.X, bin.Y, bin.Op
	if _, ok := x.(*ssa.Const); ok {
		x, y = y, x
		op = mirror(op)
	}
	k, isConst := y.(*ssa.Const)
	switch {
	case isConst && k.IsNil() && isError(x.Type()) && (op == token.EQL || op == token.NEQ):
		fail, ok := errFail, neutral
		if isContextErr(x) {
			fail = bound
		} else if fromHelper(x) {
			// The error of a Knox helper (not of http.Client) is nil on
			// success only: a 4xx comes back as an error.
			ok = statusOK
		}
		if op == token.NEQ {
			return [2]edgeKind{fail, ok}, ranges, false
		}
		return [2]edgeKind{ok, fail}, ranges, false
	case isConst && isStatus(x) && k.Value != nil && k.Value.Kind() == constant.Int:
		n, _ := constant.Int64Val(k.Value)
		var t, f statusRange
		switch op {
		case token.EQL:
			t, f = statusRange{n, n, false}, statusRange{n, n, true}
		case token.NEQ:
			t, f = statusRange{n, n, true}, statusRange{n, n, false}
		case token.LSS:
			t, f = statusRange{0, n - 1, false}, statusRange{n, 999, false}
		case token.LEQ:
			t, f = statusRange{0, n, false}, statusRange{n + 1, 999, false}
		case token.GTR:
			t, f = statusRange{n + 1, 999, false}, statusRange{0, n, false}
		case token.GEQ:
			t, f = statusRange{n, 999, false}, statusRange{0, n - 1, false}
		default:
			return kinds, ranges, false
		}
		return [2]edgeKind{t.kind(), f.kind()}, [2]statusRange{t, f}, true
	case isOrdered(op) && isInteger(x.Type()) && !isStatus(x) && !isStatus(y):
		return [2]edgeKind{bound, bound}, ranges, false
	}
	return kinds, ranges, false
}

func (r statusRange) kind() edgeKind {
	switch {
	case r.ne && r.lo < 400:
		return statusFail // != 200
	case r.ne:
		return neutral // != 404: anything else, success included
	case r.lo >= 400:
		return statusFail
	case r.hi < 400 && r.lo >= 100:
		return statusOK
	case r.hi < 400:
		return statusOK // < 300, <= 299
	}
	return neutral // < 500: success and 4xx alike
}

// covers429 reports whether the edge means exactly 429 or 503.
func (r statusRange) covers429() bool {
	return !r.ne && r.lo == r.hi && (r.lo == 429 || r.lo == 503)
}

func mirror(op token.Token) token.Token {
	switch op {
	case token.LSS:
		return token.GTR
	case token.GTR:
		return token.LSS
	case token.LEQ:
		return token.GEQ
	case token.GEQ:
		return token.LEQ
	}
	return op
}

func isOrdered(op token.Token) bool {
	return op == token.LSS || op == token.LEQ || op == token.GTR || op == token.GEQ
}

func isInteger(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

var errorType = types.Universe.Lookup("error").Type()

func isError(t types.Type) bool {
	return types.IsInterface(t) && types.Implements(t, errorType.Underlying().(*types.Interface))
}

// fromHelper reports whether err is the error result of a call to a function
// other than net/http's: http.Client returns a nil error with a 4xx response,
// a Knox helper an error.
func fromHelper(err ssa.Value) bool {
	if ex, ok := err.(*ssa.Extract); ok {
		err = ex.Tuple
	}
	call, ok := err.(*ssa.Call)
	if !ok || call.Call.IsInvoke() {
		return false
	}
	fn := call.Call.StaticCallee()
	if fn == nil {
		return false
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() == "net/http" {
		return false
	}
	// A helper that hands back the *http.Response leaves its status to the
	// caller, as http.Client does; one with two error results (a Knox error
	// and a transport error) says nothing about success with either alone.
	errs := 0
	for v := range fn.Signature.Results().Variables() {
		if isResponse(v.Type()) {
			return false
		}
		if isError(v.Type()) || knoxpkg.IsError(v.Type()) {
			errs++
		}
	}
	return errs == 1
}

func isResponse(t types.Type) bool {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http" && n.Obj().Name() == "Response"
}

// isContextErr reports whether v is ctx.Err() of a context.Context.
func isContextErr(v ssa.Value) bool {
	call, ok := v.(*ssa.Call)
	if !ok {
		return false
	}
	if call.Call.IsInvoke() {
		m := call.Call.Method
		return m.Pkg() != nil && m.Pkg().Path() == "context" && m.Name() == "Err"
	}
	return false
}

// isStatus reports whether v is a load of net/http.Response.StatusCode.
func isStatus(v ssa.Value) bool {
	switch v := v.(type) {
	case *ssa.UnOp:
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == token.MUL {
			return isStatusField(fa.X.Type(), fa.Field)
		}
	case *ssa.Field:
		return isStatusField(v.X.Type(), v.Field)
	}
	return false
}

func isStatusField(t types.Type, i int) bool {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "net/http" || n.Obj().Name() != "Response" {
		return false
	}
	s, ok := n.Underlying().(*types.Struct)
	return ok && i < s.NumFields() && s.Field(i).Name() == "StatusCode"
}
