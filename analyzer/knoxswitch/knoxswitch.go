// Package knoxswitch defines an Analyzer that reports switches over Knox codes
// that silently fall through for codes a client must treat differently.
package knoxswitch

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxpkg"
	"github.com/knoxconform/knoxconform/analyzer/internal/knoxscope"
	"github.com/knoxconform/knoxconform/knoxerr"
)

// Rule is the stable rule ID of this analyzer's findings.
const Rule = "KNX301"

const Doc = `report switches over Knox codes that miss codes needing their own handling

knoxswitch reports a switch whose tag is a knoxerr.Code (for example
knoxerr.CodeOf(err) or the Code field of *knoxerr.Error) when it has no default
and handles some but not all of the codes whose documented handling differs
from "surface the error": 4002250 (sign a new JWT and retry), 4032251 and 401
(obtain a new access token and retry once), 429, 500 and LIC_5101 (retry with
backoff). Such a switch is where retries are decided, and it drops exactly the
errors a client is expected to recover from. A switch that names only codes that
are never retried (picking out special cases before another dispatch) is not
reported. A default
case counts as handling the rest, because Samsung adds codes over time. With
-knoxswitch.enforce, or a //knoxvet:enforce comment on the line of the switch or
the line above, every documented code needs a case, default or not. Aliases
count as their code (4012250 covers 40122050). A switch with a case value that is
not a constant is not checked. Generated files are skipped.

Real clients often keep the code in a field of their own, a plain int or
string decoded from the Knox body. In a package that talks to Knox (as knoxhttp
decides it) a switch on such a value is checked too, once one of its cases is
a distinctive Knox code (seven digits, AUT_/LIC_): it must then cover the
retried codes of the families its cases come from (4002250 and 4032251 for
Knox Cloud codes, LIC_5101 for authorizeToken codes). HTTP statuses are not
required there: a body code field does not hold them.

Before:

	switch knoxerr.CodeOf(err) {
	case knoxerr.AccessTokenExpired:
		return c.refreshAndRetry(req)
	}
	return err

After:

	switch knoxerr.CodeOf(err) {
	case knoxerr.AccessTokenExpired, knoxerr.HTTPUnauthorized:
		return c.refreshAndRetry(req)
	case knoxerr.APIKeyNonUniqueJWTID:
		return c.resignAndRetry(req)
	case knoxerr.HTTPTooManyRequests, knoxerr.HTTPInternalServerError, knoxerr.LIC5101:
		return c.backoffAndRetry(req, err)
	default:
		return err
	}`

var Analyzer = &analysis.Analyzer{
	Name:     "knoxswitch",
	Doc:      Doc,
	URL:      "https://github.com/knoxconform/knoxconform/blob/main/docs/analyzers.md#knoxswitch",
	Requires: []*analysis.Analyzer{inspect.Analyzer, knoxscope.Analyzer},
	Run:      run,
}

var enforceAll bool

func init() {
	Analyzer.Flags.BoolVar(&enforceAll, "enforce", false, "require a case for every documented code in every switch over knoxerr.Code, default or not")
}

// catalogue is the documented codes in catalogue order; actionable those whose
// retry behaviour is not "never".
var catalogue, actionable = func() (all, act []knoxerr.Entry) {
	for _, e := range knoxerr.Catalogue() {
		all = append(all, e)
		if e.Retry() != knoxerr.RetryNever {
			act = append(act, e)
		}
	}
	return all, act
}()

func run(pass *analysis.Pass) (any, error) {
	dirs := directive.New(pass)
	defer dirs.Finish(Rule)

	if !knoxscope.Of(pass) {
		return nil, nil // not a Knox package: a switch on numbers is about something else
	}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	in.Root().Inspect([]ast.Node{(*ast.File)(nil), (*ast.SwitchStmt)(nil)}, func(c inspector.Cursor) bool {
		switch n := c.Node().(type) {
		case *ast.File:
			if knoxscope.Generated(pass, n) {
				dirs.NotAnalyzed(n)
				return false // generated code is not edited by hand
			}
		case *ast.SwitchStmt:
			checkSwitch(pass, dirs, n)
		}
		return true // switches nest
	})
	return nil, nil
}

func checkSwitch(pass *analysis.Pass, dirs *directive.Set, sw *ast.SwitchStmt) {
	if sw.Tag == nil {
		return
	}
	if !knoxpkg.IsCode(pass.TypesInfo.TypeOf(sw.Tag)) {
		checkPlainSwitch(pass, dirs, sw)
		return
	}
	covered := map[knoxerr.Code]bool{}
	hasDefault := false
	for _, stmt := range sw.Body.List {
		cc := stmt.(*ast.CaseClause)
		if cc.List == nil {
			hasDefault = true
		}
		for _, e := range cc.List {
			tv := pass.TypesInfo.Types[e]
			if tv.Value == nil || tv.Value.Kind() != constant.String {
				return // a computed case may cover anything: do not guess
			}
			covered[knoxerr.Code(constant.StringVal(tv.Value)).Canonical()] = true
		}
	}
	enforced := enforceAll || dirs.Enforced(sw.Pos())
	var required []knoxerr.Entry
	switch {
	case enforced:
		required = catalogue
	case hasDefault:
		return // the default handles every code without a case
	case !slices.ContainsFunc(actionable, func(e knoxerr.Entry) bool { return covered[e.Code] }):
		// A switch naming only codes that are never retried picks out special
		// cases before some other dispatch (by Class, say); it is not where
		// retries are decided, so a missing retry code there is no evidence.
		return
	default:
		required = actionable
	}
	var missing []string
	for _, e := range required {
		if covered[e.Code] {
			continue
		}
		name := "knoxerr." + knoxpkg.ConstName(e.Code)
		if !enforced {
			name += " (" + string(e.Retry()) + ")"
		}
		missing = append(missing, name)
	}
	if len(missing) == 0 {
		return
	}
	var msg string
	if enforced {
		msg = fmt.Sprintf("switch on knoxerr.Code must cover every documented code (-knoxswitch.enforce or //knoxvet:enforce) and misses %d: %s",
			len(missing), strings.Join(missing, ", "))
	} else {
		msg = fmt.Sprintf("switch on knoxerr.Code has no default and misses codes a client must retry differently: %s; add cases for them or a default",
			strings.Join(missing, ", "))
	}
	dirs.Report(analysis.Diagnostic{Pos: sw.Pos(), End: sw.Body.Lbrace, Message: msg}, Rule)
}

// checkPlainSwitch checks a switch whose tag is a plain integer or string (a
// client's own code field) once a case names a distinctive Knox code.
func checkPlainSwitch(pass *analysis.Pass, dirs *directive.Set, sw *ast.SwitchStmt) {
	b, ok := pass.TypesInfo.TypeOf(sw.Tag).Underlying().(*types.Basic)
	if !ok || b.Info()&(types.IsInteger|types.IsString) == 0 {
		return
	}
	covered := map[knoxerr.Code]bool{}
	families := map[knoxerr.Family]bool{}
	distinctive := false
	for _, stmt := range sw.Body.List {
		cc := stmt.(*ast.CaseClause)
		if cc.List == nil {
			return // a default handles the rest
		}
		for _, e := range cc.List {
			tv := pass.TypesInfo.Types[e]
			if tv.Value == nil {
				return // a computed case may cover anything: do not guess
			}
			var m knoxpkg.Match
			var found bool
			switch tv.Value.Kind() {
			case constant.Int:
				if n, exact := constant.Int64Val(tv.Value); exact {
					m, found = knoxpkg.LookupInt(n)
				}
			case constant.String:
				m, found = knoxpkg.LookupString(constant.StringVal(tv.Value))
			}
			if !found {
				continue // 0, "" or a value Knox does not document: no evidence either way
			}
			covered[m.Entry.Code.Canonical()] = true
			if m.Distinctive() {
				distinctive = true
				families[m.Entry.Family] = true
			}
		}
	}
	if !distinctive {
		return // HTTP-status-sized values only: a switch on a status, not on Knox codes
	}
	var missing []string
	for _, e := range actionable {
		if !families[e.Family] || covered[e.Code] {
			continue
		}
		missing = append(missing, fmt.Sprintf("%s %s (%s)", e.Code, e.Name, e.Retry()))
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("switch on a Knox code held as %s has no default and misses codes a client must retry differently: %s; add cases for them (knoxerr has their constants) or a default",
		types.TypeString(pass.TypesInfo.TypeOf(sw.Tag), types.RelativeTo(pass.Pkg)), strings.Join(missing, ", "))
	dirs.Report(analysis.Diagnostic{Pos: sw.Pos(), End: sw.Body.Lbrace, Message: msg}, Rule)
}
