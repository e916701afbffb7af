package knoxerr_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxerr"
)

var _ = Describe("the catalogue", func() {
	It("holds the 38 documented codes: 9 HTTP, 10 Knox Cloud, 15 AUT_, 4 LIC_", func() {
		count := map[knoxerr.Family]int{}
		for _, e := range knoxerr.Catalogue() {
			count[e.Family]++
		}
		Expect(knoxerr.Catalogue()).To(HaveLen(38))
		Expect(count).To(Equal(map[knoxerr.Family]int{
			knoxerr.FamilyHTTP: 9, knoxerr.FamilyKnoxCloud: 10, knoxerr.FamilySAToken: 15, knoxerr.FamilySAAuthorize: 4,
		}))
	})

	It("matches the codes, names and HTTP statuses of the documented tables exactly", func() {
		path := filepath.Join("..", "..", "shared", "source", "knox-error-tables.txt")
		data, err := os.ReadFile(path)
		if err != nil {
			Skip("the documented tables are not beside the repository (" + path + "): " + err.Error())
		}
		documented := parseTables(data)
		Expect(documented).To(HaveLen(38), "rows read from %s", path)
		for _, row := range documented {
			e, ok := knoxerr.Lookup(knoxerr.Code(row.code))
			Expect(ok).To(BeTrue(), "documented code %s is missing from the catalogue", row.code)
			Expect(e.Code).To(Equal(knoxerr.Code(row.code)), "%s must be a primary code, not an alias", row.code)
			Expect(e.Name).To(Equal(row.name), "name of %s", row.code)
			Expect(e.HTTPStatus).To(Equal(row.status), "HTTP status of %s", row.code)
		}
	})

	It("resolves 4012250, the spelling Knox's examples use, to ACCESS_TOKEN_BAD_REQUEST", func() {
		e, ok := knoxerr.Lookup(knoxerr.AccessTokenBadRequestAlias)
		Expect(ok).To(BeTrue())
		Expect(e.Code).To(Equal(knoxerr.AccessTokenBadRequest))
		Expect(knoxerr.Code("4012250").Canonical()).To(Equal(knoxerr.Code("40122050")))
		Expect(knoxerr.AllSpellings()).To(HaveLen(39))
	})

	It("finds entries by documented name, ignoring case", func() {
		e, ok := knoxerr.LookupName("access_token_expired")
		Expect(ok).To(BeTrue())
		Expect(e.Code).To(Equal(knoxerr.AccessTokenExpired))
		_, ok = knoxerr.LookupName("NO_SUCH_NAME")
		Expect(ok).To(BeFalse())
	})

	It("gives every entry a meaning, a behaviour, a level and a source", func() {
		for _, e := range knoxerr.Catalogue() {
			Expect(e.Meaning).NotTo(BeEmpty(), string(e.Code))
			Expect(e.Behaviour).To(ContainSubstring("MUST"), string(e.Code))
			Expect(e.Level).To(Equal(knoxerr.MUST), string(e.Code))
			Expect(e.Source).To(HavePrefix("https://"), string(e.Code))
		}
	})

	It("says which codes are retried, and how", func() {
		retry := func(c knoxerr.Code) knoxerr.Retry { e, _ := knoxerr.Lookup(c); return e.Retry() }
		Expect(retry(knoxerr.APIKeyNonUniqueJWTID)).To(Equal(knoxerr.RetryAfterResign))
		Expect(retry(knoxerr.AccessTokenExpired)).To(Equal(knoxerr.RetryAfterRefresh))
		Expect(retry(knoxerr.HTTPUnauthorized)).To(Equal(knoxerr.RetryAfterRefresh))
		Expect(retry(knoxerr.HTTPTooManyRequests)).To(Equal(knoxerr.RetryWithBackoff))
		Expect(retry(knoxerr.LIC5101)).To(Equal(knoxerr.RetryWithBackoff))
		Expect(retry(knoxerr.AUT1802)).To(Equal(knoxerr.RetryNever))
		Expect(retry(knoxerr.HTTPNotImplemented)).To(Equal(knoxerr.RetryNever))
	})

	It("names a Go constant for every documented code, declared with that value", func() {
		declared := declaredCodeConstants()
		for _, c := range knoxerr.AllSpellings() {
			name := knoxerr.ConstName(c)
			Expect(declared).To(HaveKeyWithValue(name, string(c)), "constant for %s", c)
		}
		Expect(knoxerr.ConstName("4999999")).To(BeEmpty())
	})

	It("renders as JSON listing every code with its behaviour", func() {
		var buf bytes.Buffer
		Expect(knoxerr.Render(&buf, "json")).To(Succeed())
		var doc struct {
			Codes []struct{ Code, Name, Behaviour string }
		}
		Expect(json.Unmarshal(buf.Bytes(), &doc)).To(Succeed())
		Expect(doc.Codes).To(HaveLen(38))
		Expect(doc.Codes[10].Code).To(Equal("4002250"))
		Expect(doc.Codes[10].Behaviour).To(ContainSubstring("new"))
		Expect(knoxerr.Render(&buf, "yaml")).To(MatchError(ContainSubstring(`unknown catalogue format "yaml"`)))
	})

	It("keeps docs/codes.md equal to what the catalogue renders", func() {
		var buf bytes.Buffer
		Expect(knoxerr.Render(&buf, "markdown")).To(Succeed())
		onDisk, err := os.ReadFile(filepath.Join("..", "docs", "codes.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(onDisk)).To(Equal(buf.String()), "docs/codes.md is stale: run `make docs`")
	})
})

type docRow struct {
	code, name string
	status     int
}

// parseTables reads the four tables of the troubleshooting page as published.
func parseTables(data []byte) []docRow {
	var rows []docRow
	httpRow := regexp.MustCompile(`^(4\d\d|5\d\d) ([A-Z][A-Za-z ]+?) (The|Authorization|Specifies|An) `)
	knoxRow := regexp.MustCompile(`^(\d{7,8}) ([A-Z_]+) `)
	saRow := regexp.MustCompile(`^(\d{3}) ((?:AUT|LIC)_\d{4}) `)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if m := saRow.FindStringSubmatch(line); m != nil {
			rows = append(rows, docRow{m[2], m[2], atoi(m[1])})
		} else if m := knoxRow.FindStringSubmatch(line); m != nil {
			e, _ := knoxerr.Lookup(knoxerr.Code(m[1]))
			rows = append(rows, docRow{m[1], m[2], e.HTTPStatus}) // the table gives no status: checked elsewhere
		} else if m := httpRow.FindStringSubmatch(line); m != nil {
			rows = append(rows, docRow{m[1], strings.TrimSpace(m[2]), atoi(m[1])})
		}
	}
	return rows
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// declaredCodeConstants parses codes.go and returns constant name → string value
// for every constant of type Code.
func declaredCodeConstants() map[string]string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "codes.go", nil, 0)
	Expect(err).NotTo(HaveOccurred())
	out := map[string]string{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for i, name := range vs.Names {
				lit := vs.Values[i].(*ast.BasicLit)
				out[name.Name] = constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
			}
		}
	}
	return out
}
