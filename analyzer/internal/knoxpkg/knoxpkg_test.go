package knoxpkg

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// declaredConsts parses the knoxerr sources and returns its constants of type Code
// (value → name) and its untyped integer constants (value → name).
func declaredConsts(t *testing.T, dir string) (codes map[knoxerr.Code]string, nums map[int]string) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no knoxerr sources in %s: %v", dir, err)
	}
	codes, nums = map[knoxerr.Code]string{}, map[int]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok {
						continue
					}
					typ, _ := vs.Type.(*ast.Ident)
					switch {
					case typ != nil && typ.Name == "Code" && lit.Kind == token.STRING:
						v, _ := strconv.Unquote(lit.Value)
						if knoxerr.Code(v).IsOAuth() {
							// RFC 6749 error names, a family of their own: knoxvet leaves them
							// alone, since OAuth libraries spell them everywhere.
							continue
						}
						codes[knoxerr.Code(v)] = id.Name
					case typ == nil && lit.Kind == token.INT:
						n, _ := strconv.Atoi(lit.Value)
						nums[n] = id.Name
					}
				}
			}
		}
	}
	return codes, nums
}

func TestConstNames(t *testing.T) {
	codes, nums := declaredConsts(t, filepath.Join("..", "..", "..", "knoxerr"))
	if !maps.Equal(codes, constNames) {
		t.Errorf("constNames is out of date with knoxerr:\n got  %v\n want %v", constNames, codes)
	}
	if !maps.Equal(nums, numNames) {
		t.Errorf("numNames is out of date with knoxerr:\n got  %v\n want %v", numNames, nums)
	}
	for _, c := range knoxerr.AllSpellings() {
		if constNames[c] == "" {
			t.Errorf("catalogue code %s has no knoxerr constant", c)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		in                        string
		isInt                     bool
		want                      knoxerr.Code
		cnst, num                 string
		symbolic, ok, distinctive bool
	}{
		{in: "4032251", isInt: true, want: knoxerr.AccessTokenExpired, cnst: "AccessTokenExpired", num: "AccessTokenExpiredNum", ok: true, distinctive: true},
		{in: "4012250", isInt: true, want: knoxerr.AccessTokenBadRequest, cnst: "AccessTokenBadRequestAlias", num: "AccessTokenBadRequestAliasNum", ok: true, distinctive: true},
		{in: "429", isInt: true, want: knoxerr.HTTPTooManyRequests, cnst: "HTTPTooManyRequests", ok: true},
		{in: "4000001", isInt: true},
		{in: "AUT_1802", want: knoxerr.AUT1802, cnst: "AUT1802", ok: true, distinctive: true},
		{in: "ACCESS_TOKEN_EXPIRED", want: knoxerr.AccessTokenExpired, cnst: "AccessTokenExpired", num: "AccessTokenExpiredNum", symbolic: true, ok: true, distinctive: true},
		{in: "access_token_expired"},
		{in: "Not Found"},
		{in: "LIC_4101 was returned"},
		{in: ""},
	} {
		var m Match
		var ok bool
		if tc.isInt {
			n, _ := strconv.ParseInt(tc.in, 10, 64)
			m, ok = LookupInt(n)
		} else {
			m, ok = LookupString(tc.in)
		}
		if ok != tc.ok {
			t.Errorf("lookup %q: ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if m.Entry.Code != tc.want || m.Const != tc.cnst || m.NumConst != tc.num || m.Symbolic != tc.symbolic || m.Distinctive() != tc.distinctive {
			t.Errorf("lookup %q = {%s %s %s symbolic=%v distinctive=%v}, want {%s %s %s %v %v}", tc.in,
				m.Entry.Code, m.Const, m.NumConst, m.Symbolic, m.Distinctive(), tc.want, tc.cnst, tc.num, tc.symbolic, tc.distinctive)
		}
	}
}

func TestTalksToKnox(t *testing.T) {
	knox := types.NewPackage(Path, "knoxerr")
	sdk := types.NewPackage("example.com/sdk", "sdk")
	sdk.SetImports([]*types.Package{types.NewPackage("fmt", "fmt"), knox})
	app := types.NewPackage("example.com/app", "app")
	app.SetImports([]*types.Package{sdk})
	plain := types.NewPackage("example.com/plain", "plain")
	plain.SetImports([]*types.Package{types.NewPackage("fmt", "fmt")})
	// An import cycle in export data must not hang the walk.
	a, b := types.NewPackage("example.com/a", "a"), types.NewPackage("example.com/b", "b")
	a.SetImports([]*types.Package{b})
	b.SetImports([]*types.Package{a})
	for _, tc := range []struct {
		pkg  *types.Package
		want bool
	}{{knox, true}, {sdk, true}, {app, true}, {plain, false}, {a, false}, {nil, false}} {
		if got := TalksToKnox(tc.pkg); got != tc.want {
			t.Errorf("TalksToKnox(%v) = %v, want %v", tc.pkg, got, tc.want)
		}
	}
}
