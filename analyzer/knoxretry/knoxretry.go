package knoxretry

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/ssa"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxpkg"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxscope"
)

var Analyzer = &analysis.Analyzer{
	Name:      "knoxretry",
	Doc:       Doc,
	URL:       "https://github.com/knoxconform/knoxconform/blob/main/docs/analyzers.md#knoxretry",
	Requires:  []*analysis.Analyzer{knoxscope.Analyzer, ctrlflow.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{new(funcFact)},
}

var includeTests bool

func init() {
	Analyzer.Flags.BoolVar(&includeTests, "tests", false, "also report in _test.go files")
}

// props are what knoxretry knows of a function, carried across packages as a
// funcFact.
type props struct {
	Sends           bool // makes an HTTP request, directly or not
	Waits           bool // sleeps, waits on a timer or channel, directly or not
	ReadsRetryAfter bool // reads a Retry-After value
	SignsJWT        bool // returns a freshly signed JWT
}

// funcFact is props exported for a function of a package that talks to Knox.
type funcFact struct{ P props }

func (*funcFact) AFact() {}
func (f *funcFact) String() string {
	var s []string
	for _, p := range []struct {
		on   bool
		name string
	}{{f.P.Sends, "sends"}, {f.P.Waits, "waits"}, {f.P.ReadsRetryAfter, "readsRetryAfter"}, {f.P.SignsJWT, "signsJWT"}} {
		if p.on {
			s = append(s, p.name)
		}
	}
	return "knoxretry(" + strings.Join(s, ",") + ")"
}

type checker struct {
	pass  *analysis.Pass
	dirs  *directive.Set
	props map[*ssa.Function]props
	skip  map[*token.File]bool // files not analysed (tests, generated)
	// reported holds the findings made, so that none is made twice.
	reported map[reported]bool
}

type reported struct {
	pos  token.Pos
	rule string
}

func run(pass *analysis.Pass) (any, error) {
	dirs := directive.New(pass)
	defer dirs.Finish(RuleJWTReuse, RuleHotLoop, RuleUnbounded, RuleIgnoresRA, RuleUncappedRA, RuleRetriesFailure)
	if !knoxscope.Of(pass) {
		return nil, nil // SSA is built only where Knox rules apply: the rest of a vet run pays nothing
	}
	c := &checker{pass: pass, dirs: dirs, props: map[*ssa.Function]props{}, skip: map[*token.File]bool{}, reported: map[reported]bool{}}
	for _, f := range pass.Files {
		name := pass.Fset.File(f.FileStart).Name()
		if knoxscope.Generated(pass, f) || (strings.HasSuffix(name, "_test.go") && !includeTests) {
			dirs.NotAnalyzed(f)
			c.skip[pass.Fset.File(f.FileStart)] = true
		}
	}
	funcs := buildSSA(pass)
	c.computeProps(funcs)
	for _, fn := range funcs {
		// Only exported functions and methods can be called from another package.
		if obj, ok := fn.Object().(*types.Func); ok && fn.Parent() == nil && obj.Pkg() == pass.Pkg && obj.Exported() {
			if p := c.props[fn]; p != (props{}) {
				pass.ExportObjectFact(obj, &funcFact{p})
			}
		}
	}
	for _, fn := range funcs {
		if fn.Blocks == nil || c.skipped(fn.Pos()) {
			continue
		}
		c.checkFunc(fn)
	}
	return nil, nil
}

func (c *checker) skipped(pos token.Pos) bool {
	return !pos.IsValid() || c.skip[c.pass.Fset.File(pos)]
}

// buildSSA builds the package's SSA form as buildssa does, but only when
// called: knoxretry calls it for Knox packages alone.
func buildSSA(pass *analysis.Pass) []*ssa.Function {
	prog := ssa.NewProgram(pass.Fset, 0)
	if cfgs, ok := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs); ok {
		prog.SetNoReturn(cfgs.NoReturn)
	}
	for _, p := range pass.Pkg.Imports() {
		prog.CreatePackage(p, nil, nil, true)
	}
	pkg := prog.CreatePackage(pass.Pkg, pass.Files, pass.TypesInfo, false)
	pkg.Build()
	var funcs []*ssa.Function
	var add func(f *ssa.Function)
	add = func(f *ssa.Function) {
		funcs = append(funcs, f)
		for _, a := range f.AnonFuncs {
			add(a)
		}
	}
	for _, m := range pkg.Members {
		switch m := m.(type) {
		case *ssa.Function:
			add(m)
		case *ssa.Type:
			mset := prog.MethodSets.MethodSet(types.NewPointer(m.Type()))
			for i := range mset.Len() {
				if f := prog.MethodValue(mset.At(i)); f != nil && f.Pkg == pkg && f.Synthetic == "" {
					add(f)
				}
			}
		}
	}
	return funcs
}

// computeProps finds, to a fixed point, which functions of the package send,
// wait, read Retry-After or sign a JWT.
func (c *checker) computeProps(funcs []*ssa.Function) {
	for changed := true; changed; {
		changed = false
		for _, fn := range funcs {
			p := c.props[fn]
			for _, b := range fn.Blocks {
				for _, in := range b.Instrs {
					q := c.instrProps(in)
					p.Sends = p.Sends || q.Sends
					p.Waits = p.Waits || q.Waits
					p.ReadsRetryAfter = p.ReadsRetryAfter || q.ReadsRetryAfter
					p.SignsJWT = p.SignsJWT || q.SignsJWT
				}
			}
			// A function signs a JWT for its caller only when it returns a string.
			p.SignsJWT = p.SignsJWT && firstResultString(fn.Signature)
			if p != c.props[fn] {
				c.props[fn] = p
				changed = true
			}
		}
	}
}

// instrProps is what one instruction contributes to its function's props.
func (c *checker) instrProps(in ssa.Instruction) props {
	var p props
	switch in := in.(type) {
	case *ssa.Select:
		p.Waits = in.Blocking
	case *ssa.UnOp:
		p.Waits = in.Op == token.ARROW
	case *ssa.FieldAddr:
		p.ReadsRetryAfter = isRetryAfterField(in.X.Type(), in.Field)
	case *ssa.Field:
		p.ReadsRetryAfter = isRetryAfterField(in.X.Type(), in.Field)
	case ssa.CallInstruction:
		p = c.callProps(in.Common())
	}
	for _, op := range in.Operands(nil) {
		if k, ok := (*op).(*ssa.Const); ok && k.Value != nil && k.Value.Kind() == constant.String &&
			strings.EqualFold(constant.StringVal(k.Value), "Retry-After") {
			p.ReadsRetryAfter = true
		}
	}
	return p
}

// isRetryAfterField reports whether field i of the struct t points to is
// knoxerr.Error.RetryAfter.
func isRetryAfterField(t types.Type, i int) bool {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if !knoxpkg.IsError(t) {
		return false
	}
	s, ok := t.Underlying().(*types.Struct)
	return ok && i < s.NumFields() && s.Field(i).Name() == "RetryAfter"
}

// callProps is what a call contributes: known functions by name, functions of
// this package by their computed props, others by their facts.
func (c *checker) callProps(call *ssa.CallCommon) props {
	var p props
	if call.IsInvoke() {
		m := call.Method
		if m.Pkg() != nil && m.Pkg().Path() == "net/http" && m.Name() == "RoundTrip" {
			p.Sends = true
			return p
		}
		p.Waits = takesContextOrDuration(call.Signature())
		return p
	}
	callee := call.StaticCallee()
	if callee == nil {
		if _, ok := call.Value.(*ssa.Builtin); !ok {
			p.Waits = takesContextOrDuration(call.Signature()) // c.sleep(d): a function value that waits, as like as not
		}
		return p
	}
	if callee.Pkg != nil && callee.Pkg.Pkg == c.pass.Pkg {
		return c.props[callee]
	}
	fn, _ := callee.Object().(*types.Func)
	if fn == nil {
		if orig := callee.Origin(); orig != nil {
			fn, _ = orig.Object().(*types.Func)
		}
	}
	if fn == nil || fn.Pkg() == nil {
		return p
	}
	if known, ok := knownFunc(fn); ok {
		return known
	}
	var f funcFact
	if c.pass.ImportObjectFact(fn, &f) {
		return f.P
	}
	p.Waits = takesContextOrDuration(call.Signature())
	return p
}

// knownFunc gives the props of standard and golang-jwt functions.
func knownFunc(fn *types.Func) (props, bool) {
	path, name := fn.Pkg().Path(), qualifiedName(fn)
	switch path {
	case "net/http":
		switch name {
		case "Get", "Head", "Post", "PostForm", "Client.Do", "Client.Get", "Client.Head", "Client.Post", "Client.PostForm", "Transport.RoundTrip":
			return props{Sends: true}, true
		case "ParseTime":
			return props{ReadsRetryAfter: false}, true
		}
		return props{}, true
	case "time":
		switch name {
		case "Sleep", "After", "NewTimer", "Tick", "NewTicker", "Timer.Reset", "Ticker.Reset":
			return props{Waits: true}, true
		}
		return props{}, true
	case "sync":
		switch name {
		case "Cond.Wait", "WaitGroup.Wait":
			return props{Waits: true}, true
		}
		return props{}, true
	case "context", "fmt", "log", "log/slog", "strconv", "strings", "bytes", "errors", "encoding/json", "net/url", "io", "sort", "slices", "maps", "math", "math/rand", "math/rand/v2", "crypto/rand", "unicode/utf8", "encoding/base64":
		return props{}, true
	}
	if isJWT(path) {
		return props{SignsJWT: name == "Token.SignedString"}, true
	}
	return props{}, false
}

func isJWT(path string) bool {
	return strings.HasPrefix(path, "github.com/golang-jwt/jwt") || strings.HasPrefix(path, "github.com/dgrijalva/jwt-go")
}

// qualifiedName is "Name" for a function and "Type.Name" for a method.
func qualifiedName(fn *types.Func) string {
	recv := fn.Signature().Recv()
	if recv == nil {
		return fn.Name()
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Name() + "." + fn.Name()
	}
	return fn.Name()
}

// takesContextOrDuration reports whether a signature has a context.Context or
// time.Duration parameter: an unknown call with one may well wait.
func takesContextOrDuration(sig *types.Signature) bool {
	for v := range sig.Params().Variables() {
		if n, ok := types.Unalias(v.Type()).(*types.Named); ok && n.Obj().Pkg() != nil {
			switch n.Obj().Pkg().Path() + "." + n.Obj().Name() {
			case "context.Context", "time.Duration":
				return true
			}
		}
	}
	return false
}

func (c *checker) report(pos token.Pos, rule, format string, args ...any) {
	if c.skipped(pos) {
		return
	}
	// A send in nested loops may be judged by each: one finding per place and rule.
	k := reported{pos, rule}
	if c.reported[k] {
		return
	}
	c.reported[k] = true
	c.dirs.Report(analysis.Diagnostic{Pos: pos, Message: fmt.Sprintf(format, args...)}, rule)
}

func firstResultString(sig *types.Signature) bool {
	if sig.Results().Len() == 0 {
		return false
	}
	b, ok := sig.Results().At(0).Type().Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}
