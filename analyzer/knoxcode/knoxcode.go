// Package knoxcode defines an Analyzer that reports documented Knox error codes
// written as literals where a knoxerr constant belongs.
package knoxcode

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
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

// Rule IDs. They are stable: never renumber or reuse one.
const (
	RuleNumeric = "KNX101" // an integer literal equal to a Knox code
	RuleString  = "KNX102" // a string literal equal to a Knox code or its symbolic name
)

const Doc = `report Knox error codes written as literals

knoxcode reports a literal equal to a code documented in the knoxerr catalogue
(4032251, 40122050, "AUT_1802", "LIC_4101", "ACCESS_TOKEN_EXPIRED") where it is
used as a code, and offers to replace it with the knoxerr constant, adding the
import when the file lacks it. A literal is a code use when its type is
knoxerr.Code (a comparison, switch case, map key, assignment, argument or return),
or when a seven-digit code, an AUT_/LIC_ code or a symbolic name is compared,
switched on or used as a map key in a package that talks to Knox as knoxhttp
decides it (it imports knoxerr, names a Knox endpoint in a string constant, or
imports a package that does).
Integer literals are KNX101; string literals, including symbolic names, KNX102.
knoxcode also reports //knoxvet: directives that no rule owns: an unknown verb,
no or unknown rule ID (KNX900).

It never reports const declarations (the place a code is named), struct tags,
generated files, literals that merely mention a code ("LIC_4101 seen"),
HTTP-status-sized numbers outside a knoxerr.Code context, or numbers with no code
context (make([]byte, 4000000)). Test files are skipped unless -knoxcode.tests is
set; -knoxcode.strict reports every catalogue literal outside const declarations
and print or log arguments.

Before:

	if e.Code == "4032251" { // ACCESS_TOKEN_EXPIRED
		return refresh()
	}
	if body.Code == 40122050 {

After:

	if e.Code == knoxerr.AccessTokenExpired {
		return refresh()
	}
	if body.Code == knoxerr.AccessTokenBadRequestNum {`

var Analyzer = &analysis.Analyzer{
	Name:     "knoxcode",
	Doc:      Doc,
	URL:      "https://github.com/knoxconform/knoxconform/blob/main/docs/analyzers.md#knoxcode",
	Requires: []*analysis.Analyzer{inspect.Analyzer, knoxscope.Analyzer},
	Run:      run,
}

var (
	includeTests bool
	strict       bool
)

func init() {
	Analyzer.Flags.BoolVar(&includeTests, "tests", false, "also report literals in _test.go files")
	Analyzer.Flags.BoolVar(&strict, "strict", false, "report every catalogue literal outside const declarations, whatever its context")
}

// Why a literal was judged a code use.
type tier int

const (
	notCode  tier = iota
	typed         // its type is knoxerr.Code
	compared      // a distinctive value in a comparison, case or map key
	anywhere      // -knoxcode.strict
)

func run(pass *analysis.Pass) (any, error) {
	dirs := directive.New(pass)
	// knoxcode also owns directive problems no single rule owns (KNX900).
	defer dirs.Finish(RuleNumeric, RuleString, directive.Rule)

	// Tier 2 needs a package that talks to Knox, as knoxhttp decides it: an
	// HTTP client that has nothing to do with Knox may compare a counter with
	// 4032251 and mean a number.
	inScope := knoxscope.Of(pass)
	if !inScope && !strict {
		return nil, nil // no knoxerr.Code type and no Knox endpoint: nothing can be a code use
	}

	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	var file *ast.File
	filter := []ast.Node{(*ast.File)(nil), (*ast.GenDecl)(nil), (*ast.BasicLit)(nil)}
	in.Root().Inspect(filter, func(c inspector.Cursor) bool {
		switch n := c.Node().(type) {
		case *ast.File:
			name := pass.Fset.File(n.FileStart).Name()
			if knoxscope.Generated(pass, n) || (strings.HasSuffix(name, "_test.go") && !includeTests) {
				dirs.NotAnalyzed(n)
				return false // generated code is not edited by hand; tests assert wire values on purpose
			}
			file = n
			return true
		case *ast.GenDecl:
			return n.Tok != token.CONST // a const declaration is where a code gets its name
		case *ast.BasicLit:
			check(pass, dirs, file, c, n, inScope)
		}
		return true
	})
	return nil, nil
}

func check(pass *analysis.Pass, dirs *directive.Set, file *ast.File, c inspector.Cursor, lit *ast.BasicLit, inScope bool) {
	if lit.Kind != token.INT && lit.Kind != token.STRING {
		return // floats, chars and imaginaries are never codes
	}
	switch c.ParentEdgeKind() {
	case edge.Field_Tag, edge.ImportSpec_Path:
		return // struct tags and import paths are not values
	}
	tv, ok := pass.TypesInfo.Types[lit]
	if !ok || tv.Value == nil {
		return // not type-checked (a literal in dead syntax): nothing to compare
	}
	var m knoxpkg.Match
	val := tv.Value
	if lit.Kind == token.INT {
		val = constant.ToInt(val) // an int literal in a float context holds a float constant
	}
	switch val.Kind() {
	case constant.Int:
		n, exact := constant.Int64Val(val)
		if !exact {
			return // larger than any code
		}
		m, ok = knoxpkg.LookupInt(n)
	case constant.String:
		m, ok = knoxpkg.LookupString(constant.StringVal(val))
	default:
		return
	}
	if !ok {
		return // not a documented code
	}
	if classify(pass, c, tv.Type, m, inScope) == notCode {
		return
	}
	// In knoxerr.Code("4032251") the whole conversion gives way to the constant.
	var target ast.Expr = lit
	typ := tv.Type
	if conv, ok := codeConversion(pass, c); ok {
		target, typ = conv, pass.TypesInfo.TypeOf(conv)
	}
	report(pass, dirs, file, lit, target, typ, m)
}

// codeConversion returns the conversion knoxerr.Code(x) whose operand is the
// expression at c.
func codeConversion(pass *analysis.Pass, c inspector.Cursor) (*ast.CallExpr, bool) {
	for c.ParentEdgeKind() == edge.ParenExpr_X {
		c = c.Parent()
	}
	if c.ParentEdgeKind() != edge.CallExpr_Args {
		return nil, false
	}
	call := c.Parent().Node().(*ast.CallExpr)
	tv, ok := pass.TypesInfo.Types[call.Fun]
	return call, ok && tv.IsType() && knoxpkg.IsCode(tv.Type)
}

// classify decides whether the literal at c is used as a Knox code.
func classify(pass *analysis.Pass, c inspector.Cursor, typ types.Type, m knoxpkg.Match, inScope bool) tier {
	if knoxpkg.IsCode(typ) {
		return typed
	}
	if _, ok := codeConversion(pass, c); ok {
		return typed
	}
	// Climb out of parentheses to the expression the literal is an operand of.
	for c.ParentEdgeKind() == edge.ParenExpr_X {
		c = c.Parent()
	}
	if m.Distinctive() && inScope && inComparison(pass, c) {
		return compared
	}
	if strict && !printArgument(pass, c) {
		return anywhere
	}
	return notCode
}

// inComparison reports whether the expression at c is an operand of == or !=, a
// switch case value, or a map key.
func inComparison(pass *analysis.Pass, c inspector.Cursor) bool {
	parent := c.Parent().Node()
	switch c.ParentEdgeKind() {
	case edge.BinaryExpr_X, edge.BinaryExpr_Y:
		op := parent.(*ast.BinaryExpr).Op
		return op == token.EQL || op == token.NEQ
	case edge.CaseClause_List:
		return true
	case edge.KeyValueExpr_Key:
		lit, ok := c.Parent().Parent().Node().(*ast.CompositeLit)
		return ok && isMap(pass.TypesInfo.TypeOf(lit))
	case edge.IndexExpr_Index:
		return isMap(pass.TypesInfo.TypeOf(parent.(*ast.IndexExpr).X))
	}
	return false
}

func isMap(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

// printArgument reports whether the expression at c is an argument of a print,
// log or format function, or of any interface-typed parameter: there a code is
// text for people, not a value the program branches on.
func printArgument(pass *analysis.Pass, c inspector.Cursor) bool {
	if c.ParentEdgeKind() != edge.CallExpr_Args {
		return false
	}
	call := c.Parent().Node().(*ast.CallExpr)
	switch fn := typeutil.Callee(pass.TypesInfo, call).(type) {
	case *types.Builtin:
		switch fn.Name() {
		case "print", "println", "panic":
			return true
		}
	case *types.Func:
		if fn.Pkg() != nil {
			switch fn.Pkg().Path() {
			case "fmt", "log", "log/slog", "testing", "errors":
				return true
			}
		}
	}
	sig, ok := pass.TypesInfo.TypeOf(call.Fun).Underlying().(*types.Signature)
	if !ok {
		return false
	}
	i := c.ParentEdgeIndex()
	params := sig.Params()
	var pt types.Type
	switch {
	case sig.Variadic() && i >= params.Len()-1:
		pt = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
	case i < params.Len():
		pt = params.At(i).Type()
	default:
		return false
	}
	return types.IsInterface(pt)
}

// report reports lit; a fix replaces target (lit, or the conversion around it),
// whose type is typ.
func report(pass *analysis.Pass, dirs *directive.Set, file *ast.File, lit *ast.BasicLit, target ast.Expr, typ types.Type, m knoxpkg.Match) {
	rule := RuleString
	if lit.Kind == token.INT {
		rule = RuleNumeric
	}
	name := m.Entry.Name
	d := analysis.Diagnostic{Pos: lit.Pos(), End: lit.End()}
	replacement := constFor(typ, m)
	switch {
	case m.Symbolic && !knoxpkg.IsCode(typ):
		d.Message = fmt.Sprintf("%s is the symbolic name of Knox code %s; compare the code instead (knoxerr.Parse, then knoxerr.%s)",
			lit.Value, m.Entry.Code, knoxpkg.ConstName(m.Entry.Code))
	case m.Symbolic:
		d.Message = fmt.Sprintf("%s is the symbolic name of Knox code %s, but a knoxerr.Code holds the code itself; use knoxerr.%s",
			lit.Value, m.Entry.Code, knoxpkg.ConstName(m.Entry.Code))
	case replacement != "":
		d.Message = fmt.Sprintf("hard-coded Knox code %s (%s); use knoxerr.%s", lit.Value, name, replacement)
	default:
		d.Message = fmt.Sprintf("hard-coded Knox code %s (%s); use the knoxerr constant knoxerr.%s", lit.Value, name, m.Const)
	}
	if replacement != "" {
		if qual, edits, ok := importedit.Qualifier(pass, file, lit.Pos(), knoxpkg.Path, "knoxerr"); ok {
			text := qual + "." + replacement
			if b, ok := types.Unalias(typ).(*types.Basic); ok && b.Info()&types.IsString != 0 {
				text = "string(" + text + ")" // a plain string context: Code would not compile
			}
			edits = append(edits, analysis.TextEdit{Pos: target.Pos(), End: target.End(), NewText: []byte(text)})
			d.SuggestedFixes = []analysis.SuggestedFix{{Message: "Replace with knoxerr." + replacement, TextEdits: edits}}
		}
	}
	dirs.Report(d, rule)
}

// constFor returns the knoxerr constant that can stand where a literal of type
// typ stood, "" when none can without changing the program's types.
func constFor(typ types.Type, m knoxpkg.Match) string {
	if knoxpkg.IsCode(typ) {
		if m.Symbolic {
			return knoxpkg.ConstName(m.Entry.Code)
		}
		return m.Const
	}
	b, ok := types.Unalias(typ).(*types.Basic)
	if !ok {
		return "" // another named type: a conversion would be needed, leave it to the author
	}
	switch {
	case b.Info()&types.IsNumeric != 0:
		return m.NumConst // untyped, so it fits any numeric type
	case b.Info()&types.IsString != 0:
		if m.Symbolic {
			return "" // a name compared as text: no constant holds the name
		}
		return m.Const
	}
	return ""
}
