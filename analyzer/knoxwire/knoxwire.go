// Package knoxwire defines an Analyzer that reports Knox client set-ups the
// suite fails at run time and that can be seen in the source: TLS
// verification switched off, Knox calls that can hang, a client JWT not
// signed with RS512, validityForAccessTokenInMinutes sent as a string, and a
// secret placed in a URL query.
package knoxwire

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxscope"
)

// Rule IDs. They are stable: never renumber or reuse one.
const (
	RuleInsecureTLS = "KNX501" // InsecureSkipVerify: true
	RuleNoTimeout   = "KNX502" // a Knox call that can hang: http.Get, http.DefaultClient, a request without deadline
	RuleAlgorithm   = "KNX503" // a KnoxWSM JWT signed with anything but RS512
	RuleValidity    = "KNX504" // validityForAccessTokenInMinutes as a string
	RuleSecretQuery = "KNX505" // client_secret or a private key in a URL query
)

const Doc = `report Knox client set-ups the suite fails at run time

knoxwire looks at packages that talk to Knox (as knoxhttp decides it) and
reports, outside test files (-knoxwire.tests brings them in):

KNX501  InsecureSkipVerify: true in a tls.Config literal, or assigned true
        outside any condition. A Knox client must refuse a server whose
        certificate does not chain to its CA (BEHAVIOURS "TLS"; case tls/verify).
        A switch the user turns on (InsecureSkipVerify: cfg.Insecure, or = true
        under an if) is a choice and is not reported.
KNX502  a Knox call that can hang: http.Get, http.Head, http.Post and
        http.PostForm (http.DefaultClient, no timeout, no context), and a
        call through http.DefaultClient whose request has no deadline of its
        own (http.NewRequest, or a context.Background/TODO context). A server
        that never answers must not hang the client (BEHAVIOURS "Server never
        answers"; case network/hang-timeout).
KNX503  a golang-jwt token signed with another method than RS512 in a function
        that names the KnoxWSM audience (BEHAVIOURS "JWT form"; case jwt/form).
KNX504  validityForAccessTokenInMinutes declared as a string, or tagged
        ,string: Knox wants a JSON integer and answers 4002251 otherwise
        (BEHAVIOURS 4002251; cases knox/4002251/validity-number,
        knox/4002251/no-retry).
KNX505  client_secret or a private key placed in a URL query: set on the
        url.Values of URL.Query() or of a RawQuery, or written into a URL
        literal (BEHAVIOURS "Secrets"; case secrets/placement).

Before:

	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	resp, err := http.Get(base + "/kcs/v1/devices")
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"aud": "KnoxWSM"})
	type tokenRequest struct {
		Validity string ` + "`json:\"validityForAccessTokenInMinutes\"`" + `
	}
	q := u.Query(); q.Set("client_secret", secret); u.RawQuery = q.Encode()

After:

	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/kcs/v1/devices", nil)
	resp, err := c.http.Do(req) // c.http has a Timeout, or ctx a deadline
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{"aud": "KnoxWSM"})
	type tokenRequest struct {
		Validity int ` + "`json:\"validityForAccessTokenInMinutes\"`" + `
	}
	form := url.Values{"client_secret": {secret}} // in the POST body`

var Analyzer = &analysis.Analyzer{
	Name:     "knoxwire",
	Doc:      Doc,
	URL:      "https://github.com/knoxconform/knoxconform/blob/main/docs/analyzers.md#knoxwire",
	Requires: []*analysis.Analyzer{inspect.Analyzer, knoxscope.Analyzer},
	Run:      run,
}

var includeTests bool

func init() {
	Analyzer.Flags.BoolVar(&includeTests, "tests", false, "also report in _test.go files")
}

// secretKeys are the query keys that carry a Knox or Samsung Account secret.
var secretKeys = map[string]bool{
	"client_secret": true, "clientSecret": true,
	"private_key": true, "privateKey": true, "private-key": true,
}

const validityKey = "validityForAccessTokenInMinutes"

func run(pass *analysis.Pass) (any, error) {
	dirs := directive.New(pass)
	defer dirs.Finish(RuleInsecureTLS, RuleNoTimeout, RuleAlgorithm, RuleValidity, RuleSecretQuery)
	if !knoxscope.Of(pass) {
		return nil, nil
	}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	filter := []ast.Node{(*ast.File)(nil), (*ast.FuncDecl)(nil), (*ast.KeyValueExpr)(nil), (*ast.AssignStmt)(nil),
		(*ast.CallExpr)(nil), (*ast.Field)(nil), (*ast.BasicLit)(nil)}
	var fn *ast.FuncDecl
	in.Root().Inspect(filter, func(c inspector.Cursor) bool {
		switch n := c.Node().(type) {
		case *ast.File:
			name := pass.Fset.File(n.FileStart).Name()
			if knoxscope.Generated(pass, n) || (strings.HasSuffix(name, "_test.go") && !includeTests) {
				dirs.NotAnalyzed(n)
				return false
			}
		case *ast.FuncDecl:
			fn = n
		case *ast.KeyValueExpr:
			if isField(pass, n.Key, "crypto/tls", "InsecureSkipVerify") && isTrue(pass, n.Value) {
				dirs.Report(diag(n, "InsecureSkipVerify: true accepts any server certificate; a Knox client must verify the server against its CA (give RootCAs the CA instead)"), RuleInsecureTLS)
			}
			if key, ok := stringConst(pass, n.Key); ok && key == validityKey {
				if b, ok := pass.TypesInfo.TypeOf(n.Value).Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
					dirs.Report(diag(n, validityKey+" given as a string: Knox wants a JSON integer and answers 4002251 otherwise; give it a number"), RuleValidity)
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if i < len(n.Rhs) && len(n.Lhs) == len(n.Rhs) && isField(pass, lhs, "crypto/tls", "InsecureSkipVerify") && isTrue(pass, n.Rhs[i]) && !conditional(c) {
					dirs.Report(diag(n, "InsecureSkipVerify = true accepts any server certificate; a Knox client must verify the server against its CA (give RootCAs the CA instead)"), RuleInsecureTLS)
				}
			}
			checkRawQuery(pass, dirs, n)
		case *ast.CallExpr:
			checkCall(pass, dirs, n, fn)
		case *ast.Field:
			checkValidityField(pass, dirs, n)
		case *ast.BasicLit:
			checkURLLiteral(pass, dirs, c, n)
		}
		return true
	})
	return nil, nil
}

func diag(n ast.Node, msg string) analysis.Diagnostic {
	return analysis.Diagnostic{Pos: n.Pos(), End: n.End(), Message: msg}
}

// isField reports whether e selects (or, as a composite-literal key, names)
// the field name of a struct declared in package path.
func isField(pass *analysis.Pass, e ast.Expr, path, name string) bool {
	var obj types.Object
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		obj = pass.TypesInfo.Uses[e]
	case *ast.SelectorExpr:
		obj = pass.TypesInfo.Uses[e.Sel]
	}
	v, ok := obj.(*types.Var)
	return ok && v.IsField() && v.Name() == name && v.Pkg() != nil && v.Pkg().Path() == path
}

func isTrue(pass *analysis.Pass, e ast.Expr) bool {
	tv := pass.TypesInfo.Types[e]
	return tv.Value != nil && tv.Value.Kind() == constant.Bool && constant.BoolVal(tv.Value)
}

// conditional reports whether the statement at c sits under an if, switch or
// select inside its function.
func conditional(c inspector.Cursor) bool {
	for p := c.Parent(); ; p = p.Parent() {
		switch p.Node().(type) {
		case *ast.IfStmt, *ast.CaseClause, *ast.CommClause:
			return true
		case *ast.FuncDecl, *ast.FuncLit, nil:
			return false
		}
	}
}

// callee returns the package path and name of the function or method call
// calls, with the receiver's type name for a method ("Client.Do").
func callee(pass *analysis.Pass, call *ast.CallExpr) (path, name string, fn *types.Func) {
	fn, _ = typeutil.Callee(pass.TypesInfo, call).(*types.Func)
	if fn == nil || fn.Pkg() == nil {
		return "", "", nil
	}
	name = fn.Name()
	if recv := fn.Signature().Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			name = n.Obj().Name() + "." + name
		}
	}
	return fn.Pkg().Path(), name, fn
}

func checkCall(pass *analysis.Pass, dirs *directive.Set, call *ast.CallExpr, fn *ast.FuncDecl) {
	path, name, _ := callee(pass, call)
	switch {
	case path == "net/http":
		switch name {
		case "Get", "Head", "Post", "PostForm":
			dirs.Report(diag(call, fmt.Sprintf("http.%s sends a Knox call through http.DefaultClient, which has no timeout, with no context: a server that never answers hangs the client; build the request with http.NewRequestWithContext and send it with a client that has a Timeout", name)), RuleNoTimeout)
		case "Client.Get", "Client.Head", "Client.Post", "Client.PostForm", "Client.Do":
			sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
			if !ok || !isDefaultClient(pass, sel.X) {
				return
			}
			if name == "Client.Do" && len(call.Args) == 1 && !noDeadline(pass, call.Args[0], fn) {
				return // the request carries its caller's context, which may have a deadline
			}
			dirs.Report(diag(call, fmt.Sprintf("http.DefaultClient.%s: the default client has no timeout and this request no deadline of its own, so a Knox server that never answers hangs the client; use a client with a Timeout or a context with a deadline", strings.TrimPrefix(name, "Client."))), RuleNoTimeout)
		}
	case isJWT(path) && (name == "NewWithClaims" || name == "New") && len(call.Args) >= 1:
		method, ok := signingMethod(pass, call.Args[0])
		if !ok || method == "SigningMethodRS512" || fn == nil || !namesKnoxWSM(pass, fn) {
			return
		}
		dirs.Report(diag(call.Args[0], fmt.Sprintf("a JWT for the KnoxWSM audience signed with %s: Knox accepts only RS512 (jwt.SigningMethodRS512)", method)), RuleAlgorithm)
	case path == "net/url" && (name == "Values.Set" || name == "Values.Add") && len(call.Args) == 2:
		key, ok := stringConst(pass, call.Args[0])
		if !ok || !secretKeys[key] {
			return
		}
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if ok && fromQuery(pass, sel.X, fn) {
			dirs.Report(diag(call, fmt.Sprintf("%s set on a URL query: a secret in a URL ends up in logs and proxies; send it in the form body or as HTTP Basic", key)), RuleSecretQuery)
		}
	}
}

// isDefaultClient reports whether e is net/http.DefaultClient.
func isDefaultClient(pass *analysis.Pass, e ast.Expr) bool {
	var id *ast.Ident
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return false
	}
	v, ok := pass.TypesInfo.Uses[id].(*types.Var)
	return ok && v.Name() == "DefaultClient" && v.Pkg() != nil && v.Pkg().Path() == "net/http"
}

// noDeadline reports whether the request e is known to have no deadline: it is
// a local variable of fn assigned only from http.NewRequest, or from
// http.NewRequestWithContext with context.Background() or context.TODO().
func noDeadline(pass *analysis.Pass, e ast.Expr, fn *ast.FuncDecl) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok || fn == nil || fn.Body == nil {
		return false
	}
	v := pass.TypesInfo.Uses[id]
	if v == nil {
		return false
	}
	found, unknown := false, false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		for i, lhs := range as.Lhs {
			lid, ok := lhs.(*ast.Ident)
			if !ok || (pass.TypesInfo.Defs[lid] != v && pass.TypesInfo.Uses[lid] != v) {
				continue
			}
			if len(as.Rhs) != 1 || i != 0 {
				unknown = true
				continue
			}
			call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
			if !ok {
				unknown = true
				continue
			}
			path, name, _ := callee(pass, call)
			switch {
			case path == "net/http" && name == "NewRequest":
				found = true
			case path == "net/http" && name == "NewRequestWithContext" && len(call.Args) > 0 && backgroundContext(pass, call.Args[0]):
				found = true
			default:
				unknown = true
			}
		}
		return true
	})
	return found && !unknown
}

func backgroundContext(pass *analysis.Pass, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	path, name, _ := callee(pass, call)
	return path == "context" && (name == "Background" || name == "TODO")
}

// isJWT reports whether path is a golang-jwt package (any major version).
func isJWT(path string) bool {
	return strings.HasPrefix(path, "github.com/golang-jwt/jwt") || strings.HasPrefix(path, "github.com/dgrijalva/jwt-go")
}

// signingMethod names the golang-jwt SigningMethod variable e refers to.
func signingMethod(pass *analysis.Pass, e ast.Expr) (string, bool) {
	var id *ast.Ident
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return "", false
	}
	v, ok := pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || v.Pkg() == nil || !isJWT(v.Pkg().Path()) || !strings.HasPrefix(v.Name(), "SigningMethod") {
		return "", false
	}
	return v.Name(), true
}

// namesKnoxWSM reports whether fn has a string constant equal to KnoxWSM, the
// audience of every Knox JWT.
func namesKnoxWSM(pass *analysis.Pass, fn *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok && !found {
			if s, ok := stringConst(pass, e); ok && s == "KnoxWSM" {
				found = true
			}
		}
		return !found
	})
	return found
}

func stringConst(pass *analysis.Pass, e ast.Expr) (string, bool) {
	tv := pass.TypesInfo.Types[e]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

// fromQuery reports whether the url.Values e is a URL's query: a call to
// (*url.URL).Query(), url.ParseQuery, or a local variable of fn assigned from
// one.
func fromQuery(pass *analysis.Pass, e ast.Expr, fn *ast.FuncDecl) bool {
	isQuery := func(e ast.Expr) bool {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok {
			return false
		}
		path, name, _ := callee(pass, call)
		return path == "net/url" && (name == "URL.Query" || name == "ParseQuery")
	}
	if isQuery(e) {
		return true
	}
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok || fn == nil || fn.Body == nil {
		return false
	}
	v := pass.TypesInfo.Uses[id]
	found := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if lid, ok := lhs.(*ast.Ident); ok && i < len(n.Rhs) && (pass.TypesInfo.Defs[lid] == v || pass.TypesInfo.Uses[lid] == v) && isQuery(n.Rhs[i]) {
					found = true
				}
				// u.RawQuery = v.Encode(): v is a query too.
				if isField(pass, lhs, "net/url", "RawQuery") && i < len(n.Rhs) && encodes(pass, n.Rhs[i], v) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// encodes reports whether e is v.Encode().
func encodes(pass *analysis.Pass, e ast.Expr, v types.Object) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Encode" {
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	return ok && pass.TypesInfo.Uses[id] == v
}

// checkRawQuery reports u.RawQuery = "…client_secret=…".
func checkRawQuery(pass *analysis.Pass, dirs *directive.Set, as *ast.AssignStmt) {
	for i, lhs := range as.Lhs {
		if i >= len(as.Rhs) || !isField(pass, lhs, "net/url", "RawQuery") {
			continue
		}
		ast.Inspect(as.Rhs[i], func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if ok && lit.Kind == token.STRING {
				if key := secretInQuery(pass, lit, true); key != "" {
					dirs.Report(diag(lit, key+" written into a URL query: a secret in a URL ends up in logs and proxies; send it in the form body or as HTTP Basic"), RuleSecretQuery)
				}
			}
			return true
		})
	}
}

// checkURLLiteral reports a string literal that starts or continues a URL
// query with a secret key: "?client_secret=", "&privateKey=".
func checkURLLiteral(pass *analysis.Pass, dirs *directive.Set, c inspector.Cursor, lit *ast.BasicLit) {
	if lit.Kind != token.STRING || c.ParentEdgeKind() == edge.Field_Tag || c.ParentEdgeKind() == edge.ImportSpec_Path {
		return
	}
	if _, ok := c.Parent().Node().(*ast.AssignStmt); ok {
		return // RawQuery assignments are checkRawQuery's
	}
	if key := secretInQuery(pass, lit, false); key != "" {
		dirs.Report(diag(lit, key+" written into a URL query: a secret in a URL ends up in logs and proxies; send it in the form body or as HTTP Basic"), RuleSecretQuery)
	}
}

// secretInQuery returns the secret key a literal writes into a query: after
// '?' or '&' (or at the start of a RawQuery value) and followed by '='.
func secretInQuery(pass *analysis.Pass, lit *ast.BasicLit, rawQuery bool) string {
	s, ok := stringConst(pass, lit)
	if !ok {
		return ""
	}
	for key := range secretKeys {
		for _, sep := range []string{"?", "&"} {
			if strings.Contains(s, sep+key+"=") {
				return key
			}
		}
		if rawQuery && strings.HasPrefix(s, key+"=") {
			return key
		}
	}
	return ""
}

// checkValidityField reports a struct field tagged
// json:"validityForAccessTokenInMinutes" of string type or with ,string.
func checkValidityField(pass *analysis.Pass, dirs *directive.Set, f *ast.Field) {
	if f.Tag == nil {
		return
	}
	tagText, err := strconv.Unquote(f.Tag.Value) // tags are not type-checked expressions
	if err != nil {
		return
	}
	tag, ok := reflect.StructTag(tagText).Lookup("json")
	if !ok {
		return
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name != validityKey {
		return
	}
	t := pass.TypesInfo.TypeOf(f.Type)
	if b, ok := t.Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
		dirs.Report(diag(f, validityKey+" declared as a string: Knox wants a JSON integer and answers 4002251 otherwise; declare it as an int"), RuleValidity)
		return
	}
	for _, o := range strings.Split(opts, ",") {
		if o == "string" {
			dirs.Report(diag(f.Tag, validityKey+" tagged ,string is encoded as a JSON string: Knox wants a JSON integer and answers 4002251 otherwise; drop ,string"), RuleValidity)
		}
	}
}
