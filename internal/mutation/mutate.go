// Package mutation generates the single-point mutants of one Go package and
// judges them: the mutation score of the reference Knox client, with the
// conformance suite as the oracle (`make mutation`, scripts/mutation).
//
// A mutant is one textual edit of one file, made where the abstract syntax tree
// says an operator, a constant or a statement sits, and type-checked before it
// is ever built: a mutant that does not compile is not viable and never counts.
// The package only describes and classifies mutants; building and running them
// is the driver's job.
//
// Code that exists for the mutant fixtures (an expression that reads a
// knoxclient.Quirks value, and the branches such a condition guards) is the
// scaffolding of fixtures/clients/mutants, not the reference client's behaviour:
// no mutant is made of a quirk expression, and a mutant inside a quirk-guarded
// branch that the reference never runs is left out of the score (QuirkOnly).
package mutation

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Operator names one kind of mutation.
type Operator string

// The operators. Each one models a mistake a client author makes: an inverted
// or off-by-one comparison, a swapped connective, arithmetic the wrong way, a
// constant one off, a forgotten call or assignment, an error swallowed.
const (
	OpNegate     Operator = "negate"       // == ↔ !=, < ↔ >=, > ↔ <=
	OpBoundary   Operator = "boundary"     // < → <=, <= → <, > → >=, >= → >
	OpLogical    Operator = "logical"      // && ↔ ||
	OpArithmetic Operator = "arithmetic"   // + ↔ -, * ↔ /, % → * (numbers only)
	OpNotRemove  Operator = "not-remove"   // !x → x
	OpBoolFlip   Operator = "bool-flip"    // true ↔ false
	OpIntPlusOne Operator = "int-plus-one" // an integer literal n → n+1 (constants and operands)
	OpIncDec     Operator = "incdec"       // x++ ↔ x--
	OpDeleteStmt Operator = "delete"       // a call statement, an assignment or x++ removed
	OpErrorToNil Operator = "error-nil"    // return …, err → return …, nil
)

// Operators lists every operator, in the order reports show them.
var Operators = []Operator{OpNegate, OpBoundary, OpLogical, OpArithmetic, OpNotRemove, OpBoolFlip, OpIntPlusOne, OpIncDec, OpDeleteStmt, OpErrorToNil}

// Mutant is one single-point edit of one file of the package.
type Mutant struct {
	// ID names the mutant stably across unrelated edits of the file:
	// "FILE FUNC OPERATOR FROM→TO #N", N counting identical ones in FUNC in
	// source order. EQUIVALENT-MUTANTS.md refers to mutants by ID.
	ID       string
	File     string // base name, e.g. retry.go
	Path     string // absolute path of the original file
	Func     string // enclosing function ("(*Client).backoff"), or "package" for declarations
	Op       Operator
	From, To string // what the edit replaces and with what, short
	Line     int    // 1-based line of the edit
	Col      int    // 1-based column of the edit
	// QuirkGuarded is set when the edit sits in a branch that only a quirk
	// condition selects; if the reference never runs that line it is QuirkOnly.
	QuirkGuarded bool

	start, end  int // byte offsets of the replaced text in the original file
	replacement string
}

// Source returns the mutated file's content given the original's.
func (m *Mutant) Source(orig []byte) []byte {
	out := make([]byte, 0, len(orig)+len(m.replacement))
	out = append(out, orig[:m.start]...)
	out = append(out, m.replacement...)
	return append(out, orig[m.end:]...)
}

// Lines returns the original and the mutated text of the mutant's line(s),
// trimmed, for reports.
func (m *Mutant) Lines(orig []byte) (before, after string) {
	ls := bytes.LastIndexByte(orig[:m.start], '\n') + 1
	le := m.end + bytes.IndexByte(orig[m.end:], '\n')
	if le < m.end {
		le = len(orig)
	}
	mut := m.Source(orig)
	mle := le + len(m.replacement) - (m.end - m.start)
	return collapse(string(orig[ls:le])), collapse(string(mut[ls:mle]))
}

// Package is the package under mutation: its files and their mutants.
type Package struct {
	Dir     string
	Path    string            // import path
	Files   map[string][]byte // absolute path → original content
	Mutants []*Mutant
	// NotViable are edits that do not type-check (never built, never counted).
	NotViable []*Mutant

	imports map[string]*types.Package
	goFiles []string
}

// Load parses and type-checks the package in dir (non-test files only) and
// generates its mutants. Only files whose base name is in only are mutated when
// only is non-empty.
func Load(dir string, only []string) (*Package, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedImports | packages.NeedDeps,
		Dir: dir,
	}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, fmt.Errorf("loading the package in %s: %w", dir, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("%s holds %d packages; point -pkg at one package directory", dir, len(pkgs))
	}
	lp := pkgs[0]
	if len(lp.Errors) > 0 {
		return nil, fmt.Errorf("the package in %s does not type-check: %v (fix it before mutating it)", dir, lp.Errors[0])
	}
	p := &Package{Dir: dir, Path: lp.PkgPath, Files: map[string][]byte{}, imports: map[string]*types.Package{}, goFiles: lp.CompiledGoFiles}
	var collect func(*packages.Package)
	collect = func(q *packages.Package) {
		for path, imp := range q.Imports {
			if _, seen := p.imports[path]; !seen {
				p.imports[path] = imp.Types
				collect(imp)
			}
		}
	}
	collect(lp)
	for _, name := range only {
		found := false
		for _, f := range lp.CompiledGoFiles {
			found = found || filepath.Base(f) == name
		}
		if !found {
			return nil, fmt.Errorf("-files: %s is not a file of %s (its files: %s)", name, lp.PkgPath, baseNames(lp.CompiledGoFiles))
		}
	}
	for i, f := range lp.Syntax {
		path := lp.CompiledGoFiles[i]
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		p.Files[path] = src
		if len(only) > 0 && !slices.Contains(only, filepath.Base(path)) {
			continue
		}
		g := &generator{fset: lp.Fset, info: lp.TypesInfo, file: f, path: path, src: src}
		g.walk()
		p.Mutants = append(p.Mutants, g.out...)
	}
	assignIDs(p.Mutants)
	var viable []*Mutant
	for _, m := range p.Mutants {
		if err := p.typeCheck(m); err != nil {
			p.NotViable = append(p.NotViable, m)
			continue
		}
		viable = append(viable, m)
	}
	p.Mutants = viable
	return p, nil
}

// typeCheck type-checks the package with m applied.
func (p *Package) typeCheck(m *Mutant) error {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, path := range p.goFiles {
		src := p.Files[path]
		if path == m.Path {
			src = m.Source(src)
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	var first error
	conf := types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if t, ok := p.imports[path]; ok && t != nil {
				return t, nil
			}
			return nil, fmt.Errorf("import %q not loaded", path)
		}),
		Error: func(err error) {
			if first == nil {
				first = err
			}
		},
	}
	_, _ = conf.Check(p.Path, fset, files, nil)
	return first
}

type importerFunc func(string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// generator walks one file and records its mutants.
type generator struct {
	fset *token.FileSet
	info *types.Info
	file *ast.File
	path string
	src  []byte
	out  []*Mutant

	fn      string
	guarded int // depth of quirk-guarded branches around the walk
}

func (g *generator) walk() {
	for _, d := range g.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			g.fn = funcName(d)
			if d.Body != nil {
				g.stmts(d.Body.List)
			}
		case *ast.GenDecl:
			g.fn = "package"
			if d.Tok != token.CONST && d.Tok != token.VAR {
				continue
			}
			for _, s := range d.Specs {
				for _, v := range s.(*ast.ValueSpec).Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.INT {
						g.intLit(lit) // MaxResigns = 3: a bound the rules state
					}
					g.expr(v)
				}
			}
		}
	}
}

func (g *generator) stmts(list []ast.Stmt) {
	for i, s := range list {
		g.stmt(s)
		if g.returnsUnlessQuirk(s) {
			// if !q.Field { return … }: what follows runs only under the quirk.
			g.guardedBlock(list[i+1:])
			return
		}
	}
}

// returnsUnlessQuirk reports whether s is `if !QUIRK { …; return … }` with no else.
func (g *generator) returnsUnlessQuirk(s ast.Stmt) bool {
	is, ok := s.(*ast.IfStmt)
	if !ok || is.Else != nil || len(is.Body.List) == 0 {
		return false
	}
	not, ok := is.Cond.(*ast.UnaryExpr)
	if !ok || not.Op != token.NOT || !g.quirk(not.X) {
		return false
	}
	_, ret := is.Body.List[len(is.Body.List)-1].(*ast.ReturnStmt)
	return ret
}

// guardedBlock walks a branch only a quirk condition selects.
func (g *generator) guardedBlock(list []ast.Stmt) {
	g.guarded++
	g.stmts(list)
	g.guarded--
}

func (g *generator) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.BlockStmt:
		g.stmts(s.List)
	case *ast.ExprStmt:
		if g.quirk(s.X) {
			return // mutant scaffolding
		}
		if call, ok := s.X.(*ast.CallExpr); ok && !isPanic(call) {
			g.add(s.Pos(), s.End(), OpDeleteStmt, g.calleeText(call), "deleted", "")
		}
		g.expr(s.X)
	case *ast.AssignStmt:
		if g.quirk(s) {
			return // mutant scaffolding (q := c.cfg.Quirks, x := q.Field && …)
		}
		if s.Tok != token.DEFINE && !allBlank(s.Lhs) {
			g.add(s.Pos(), s.End(), OpDeleteStmt, g.text(s.Lhs[0])+" "+s.Tok.String(), "deleted", "")
		}
		for _, e := range s.Rhs {
			g.expr(e)
		}
	case *ast.IncDecStmt:
		if g.quirk(s.X) {
			return
		}
		to := token.DEC
		if s.Tok == token.DEC {
			to = token.INC
		}
		g.add(s.TokPos, s.End(), OpIncDec, g.text(s.X)+s.Tok.String(), g.text(s.X)+to.String(), to.String())
		g.add(s.Pos(), s.End(), OpDeleteStmt, g.text(s.X)+s.Tok.String(), "deleted", "")
	case *ast.ReturnStmt:
		for _, r := range s.Results {
			if g.quirk(r) {
				continue
			}
			if g.isError(r) && !isNilIdent(r) {
				g.add(r.Pos(), r.End(), OpErrorToNil, g.short(r), "nil", "nil")
			}
			g.expr(r)
		}
	case *ast.IfStmt:
		if s.Init != nil {
			g.stmt(s.Init)
		}
		if g.quirk(s.Cond) {
			// A quirk decides: the body runs for the reference only when the
			// condition holds with every quirk false, which coverage tells.
			g.guardedBlock(s.Body.List)
		} else {
			g.expr(s.Cond)
			g.stmts(s.Body.List)
		}
		if s.Else != nil {
			g.stmt(s.Else)
		}
	case *ast.ForStmt:
		if s.Init != nil {
			g.stmt(s.Init)
		}
		if s.Cond != nil {
			g.expr(s.Cond)
		}
		if s.Post != nil {
			g.stmt(s.Post)
		}
		g.stmts(s.Body.List)
	case *ast.RangeStmt:
		g.expr(s.X)
		g.stmts(s.Body.List)
	case *ast.SwitchStmt:
		if s.Init != nil {
			g.stmt(s.Init)
		}
		if s.Tag != nil {
			g.expr(s.Tag)
		}
		for _, cc := range s.Body.List {
			cc := cc.(*ast.CaseClause)
			tainted := false
			for _, e := range cc.List {
				tainted = tainted || g.quirk(e)
			}
			if tainted {
				g.guardedBlock(cc.Body)
				continue
			}
			for _, e := range cc.List {
				g.expr(e)
			}
			g.stmts(cc.Body)
		}
	case *ast.TypeSwitchStmt:
		for _, cc := range s.Body.List {
			g.stmts(cc.(*ast.CaseClause).Body)
		}
	case *ast.SelectStmt:
		for _, cc := range s.Body.List {
			g.stmts(cc.(*ast.CommClause).Body)
		}
	case *ast.DeferStmt:
		g.expr(s.Call)
	case *ast.GoStmt:
		g.expr(s.Call)
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok {
			for _, sp := range gd.Specs {
				if vs, ok := sp.(*ast.ValueSpec); ok {
					for _, v := range vs.Values {
						if !g.quirk(v) {
							g.expr(v)
						}
					}
				}
			}
		}
	case *ast.LabeledStmt:
		g.stmt(s.Stmt)
	}
}

// expr records the mutants of one expression tree (none of a quirk expression).
func (g *generator) expr(e ast.Expr) {
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			g.stmts(n.Body.List)
			return false
		case ast.Expr:
			if g.quirk(n) {
				return false // mutant scaffolding
			}
		}
		switch n := n.(type) {
		case *ast.BinaryExpr:
			g.binary(n)
		case *ast.UnaryExpr:
			if n.Op == token.NOT {
				g.add(n.Pos(), n.End(), OpNotRemove, g.short(n), g.short(n.X), g.text(n.X))
			}
		case *ast.Ident:
			if b, ok := g.info.Uses[n].(*types.Const); ok && b.Pkg() == nil && (n.Name == "true" || n.Name == "false") {
				to := "true"
				if n.Name == "true" {
					to = "false"
				}
				g.add(n.Pos(), n.End(), OpBoolFlip, n.Name, to, to)
			}
		}
		return true
	})
}

var negated = map[token.Token]token.Token{
	token.EQL: token.NEQ, token.NEQ: token.EQL,
	token.LSS: token.GEQ, token.GEQ: token.LSS,
	token.GTR: token.LEQ, token.LEQ: token.GTR,
}

var boundary = map[token.Token]token.Token{
	token.LSS: token.LEQ, token.LEQ: token.LSS,
	token.GTR: token.GEQ, token.GEQ: token.GTR,
}

var arithmetic = map[token.Token]token.Token{
	token.ADD: token.SUB, token.SUB: token.ADD,
	token.MUL: token.QUO, token.QUO: token.MUL,
	token.REM: token.MUL,
}

func (g *generator) binary(b *ast.BinaryExpr) {
	opEnd := b.OpPos + token.Pos(len(b.Op.String()))
	swap := func(op Operator, to token.Token) {
		g.add(b.OpPos, opEnd, op, b.Op.String(), to.String(), to.String())
	}
	if to, ok := negated[b.Op]; ok {
		swap(OpNegate, to)
	}
	if to, ok := boundary[b.Op]; ok {
		swap(OpBoundary, to)
	}
	switch b.Op {
	case token.LAND:
		swap(OpLogical, token.LOR)
	case token.LOR:
		swap(OpLogical, token.LAND)
	}
	if to, ok := arithmetic[b.Op]; ok && g.isNumber(b) {
		swap(OpArithmetic, to)
	}
	if b.Op == token.SHL || b.Op == token.SHR {
		return // sizes such as 8 << 20: n+1 there is only a different limit
	}
	for _, side := range []ast.Expr{b.X, b.Y} {
		if lit, ok := side.(*ast.BasicLit); ok && lit.Kind == token.INT {
			g.intLit(lit)
		}
	}
}

func (g *generator) intLit(lit *ast.BasicLit) {
	v, ok := constant.Uint64Val(constant.MakeFromLiteral(lit.Value, token.INT, 0))
	if !ok {
		return
	}
	to := strconv.FormatUint(v+1, 10)
	g.add(lit.Pos(), lit.End(), OpIntPlusOne, lit.Value, to, to)
}

// add records a mutant replacing [pos,end) with repl ("" deletes).
func (g *generator) add(pos, end token.Pos, op Operator, from, to, repl string) {
	p := g.fset.Position(pos)
	m := &Mutant{
		File: filepath.Base(g.path), Path: g.path, Func: g.fn, Op: op, From: from, To: to,
		Line: p.Line, Col: p.Column, QuirkGuarded: g.guarded > 0,
		start: p.Offset, end: g.fset.Position(end).Offset, replacement: repl,
	}
	g.out = append(g.out, m)
}

// quirk reports whether n reads a knoxclient.Quirks value anywhere (the mutant
// fixtures' switch board).
func (g *generator) quirk(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if found {
			return false
		}
		e, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		if tv, ok := g.info.Types[e]; ok && isQuirks(tv.Type) {
			found = true
		}
		return !found
	})
	return found
}

func isQuirks(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Name() == "Quirks"
}

func (g *generator) isError(e ast.Expr) bool {
	tv, ok := g.info.Types[e]
	return ok && types.Identical(tv.Type, types.Universe.Lookup("error").Type())
}

func (g *generator) isNumber(b *ast.BinaryExpr) bool {
	tv, ok := g.info.Types[b]
	if !ok {
		return false
	}
	basic, ok := tv.Type.Underlying().(*types.Basic)
	return ok && basic.Info()&types.IsNumeric != 0
}

func (g *generator) text(n ast.Node) string {
	return string(g.src[g.fset.Position(n.Pos()).Offset:g.fset.Position(n.End()).Offset])
}

// short is an expression's text for an ID: calls and composite literals lose
// their arguments, and anything long is cut.
func (g *generator) short(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.CallExpr:
		return g.short(e.Fun) + "(…)"
	case *ast.CompositeLit:
		return g.text(e.Type) + "{…}"
	case *ast.UnaryExpr:
		return e.Op.String() + g.short(e.X)
	}
	s := collapse(g.text(e))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

func (g *generator) calleeText(call *ast.CallExpr) string { return g.short(call) }

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	star := ""
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = "*", s.X
	}
	name := "?"
	if id, ok := t.(*ast.Ident); ok {
		name = id.Name
	}
	if star != "" {
		return "(*" + name + ")." + d.Name.Name
	}
	return name + "." + d.Name.Name
}

func isPanic(c *ast.CallExpr) bool {
	id, ok := c.Fun.(*ast.Ident)
	return ok && id.Name == "panic"
}

func isNilIdent(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "nil"
}

func allBlank(es []ast.Expr) bool {
	for _, e := range es {
		if id, ok := e.(*ast.Ident); !ok || id.Name != "_" {
			return false
		}
	}
	return true
}

// assignIDs names every mutant; N counts identical (file, func, op, from, to)
// in source order, so an edit elsewhere in the file leaves IDs alone.
func assignIDs(ms []*Mutant) {
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].File != ms[j].File {
			return ms[i].File < ms[j].File
		}
		return ms[i].start < ms[j].start
	})
	seen := map[string]int{}
	for _, m := range ms {
		base := fmt.Sprintf("%s %s %s %s→%s", m.File, m.Func, m.Op, m.From, m.To)
		seen[base]++
		m.ID = fmt.Sprintf("%s #%d", base, seen[base])
	}
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func baseNames(paths []string) string {
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	return strings.Join(names, ", ")
}
