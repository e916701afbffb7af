package knoxunhandled

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/cfg"
)

// unread answers, for one function body, whether a variable assigned at some
// statement is read again on any path before it is overwritten or the function
// ends. The control-flow graph is built only when the first question comes.
type unread struct {
	info  *types.Info
	ftype *ast.FuncType
	body  *ast.BlockStmt

	built    bool
	g        *cfg.CFG
	at       map[ast.Node]nodeAt
	rangeKV  map[ast.Node]bool   // range keys and values: written, not read, by the loop
	escaped  map[*types.Var]bool // captured by a closure or address taken
	declared map[*types.Var]bool // parameters, results and locals of this function
	named    map[*types.Var]bool // named results, read by a bare return
}

type nodeAt struct {
	b *cfg.Block
	i int
}

func (u *unread) build() {
	u.built = true
	u.g = cfg.New(u.body, func(*ast.CallExpr) bool { return true })
	u.at = map[ast.Node]nodeAt{}
	for _, b := range u.g.Blocks {
		for i, n := range b.Nodes {
			u.at[n] = nodeAt{b, i}
		}
	}
	u.rangeKV = map[ast.Node]bool{}
	u.escaped = map[*types.Var]bool{}
	u.declared = map[*types.Var]bool{}
	u.named = map[*types.Var]bool{}
	if u.ftype.Results != nil {
		for _, f := range u.ftype.Results.List {
			for _, id := range f.Names {
				if v, ok := u.info.Defs[id].(*types.Var); ok {
					u.named[v] = true
				}
			}
		}
	}
	declare := func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				if v, ok := u.info.Defs[id].(*types.Var); ok {
					u.declared[v] = true
				}
			}
			return true
		})
	}
	declare(u.ftype)
	ast.Inspect(u.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			// Whatever the closure mentions may be read whenever it runs.
			ast.Inspect(n.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					if v, ok := u.info.Uses[id].(*types.Var); ok {
						u.escaped[v] = true
					}
				}
				return true
			})
			return false
		case *ast.UnaryExpr:
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok && n.Op == token.AND {
				if v, ok := u.info.Uses[id].(*types.Var); ok {
					u.escaped[v] = true
				}
			}
		case *ast.RangeStmt:
			if n.Key != nil {
				u.rangeKV[n.Key] = true
			}
			if n.Value != nil {
				u.rangeKV[n.Value] = true
			}
		case *ast.Ident:
			if v, ok := u.info.Defs[n].(*types.Var); ok {
				u.declared[v] = true
			}
		}
		return true
	})
}

// neverRead reports whether v, just assigned by stmt, is not read on any path
// that follows stmt before v is assigned again. Variables declared outside
// this function, captured by closures or whose address is taken are never
// reported: something else may read them.
func (u *unread) neverRead(stmt ast.Node, v *types.Var) bool {
	if !u.built {
		u.build()
	}
	if !u.declared[v] || u.escaped[v] {
		return false
	}
	start, ok := u.at[stmt]
	if !ok || !start.b.Live {
		return false // not a node of its own (or unreachable): do not guess
	}
	visited := map[*cfg.Block]bool{}
	// scan follows one block from index i; it returns true when v is read.
	var scan func(b *cfg.Block, i int) bool
	scan = func(b *cfg.Block, i int) bool {
		for ; i < len(b.Nodes); i++ {
			switch u.effect(b.Nodes[i], v) {
			case effRead:
				return true
			case effWrite:
				return false // overwritten first: this path loses the error
			}
		}
		for _, succ := range b.Succs {
			if !visited[succ] {
				visited[succ] = true
				if scan(succ, 0) {
					return true
				}
			}
		}
		return false
	}
	return !scan(start.b, start.i+1)
}

type effect int

const (
	effNone effect = iota
	effRead
	effWrite
)

// effect says whether a CFG node reads v, writes v without reading it, or
// neither.
func (u *unread) effect(n ast.Node, v *types.Var) effect {
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && u.info.ObjectOf(id) == v
	}
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok != token.ASSIGN && n.Tok != token.DEFINE {
			break // x op= y reads x
		}
		for _, r := range n.Rhs {
			if u.mentions(r, v) {
				return effRead
			}
		}
		wrote := false
		for _, l := range n.Lhs {
			if is(l) {
				wrote = true
			} else if u.mentions(l, v) {
				return effRead // v.f = …, m[v] = …
			}
		}
		if wrote {
			return effWrite
		}
		return effNone
	case *ast.ValueSpec:
		for _, r := range n.Values {
			if u.mentions(r, v) {
				return effRead
			}
		}
		for _, id := range n.Names {
			if u.info.Defs[id] == v {
				return effWrite
			}
		}
		return effNone
	case *ast.ReturnStmt:
		if len(n.Results) == 0 && u.named[v] {
			return effRead // a bare return hands the named result to the caller
		}
	case ast.Expr:
		if u.rangeKV[n] {
			if is(n) {
				return effWrite
			}
			return effNone
		}
	}
	if u.mentions(n, v) {
		return effRead
	}
	return effNone
}

// mentions reports whether v occurs in n.
func (u *unread) mentions(n ast.Node, v *types.Var) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if found {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && u.info.Uses[id] == v {
			found = true
		}
		return true
	})
	return found
}
