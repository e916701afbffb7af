// Package analyzer lists knoxvet's analyzers and the stable rule IDs each one
// reports. Drivers (cmd/knoxvet, the golangci-lint plugin) and the generated
// documentation take their list from here and nowhere else.
package analyzer

import (
	"slices"

	"golang.org/x/tools/go/analysis"

	"github.com/knoxconform/knoxconform/analyzer/internal/directive"
	"github.com/knoxconform/knoxconform/analyzer/knoxcode"
	"github.com/knoxconform/knoxconform/analyzer/knoxhttp"
	"github.com/knoxconform/knoxconform/analyzer/knoxretry"
	"github.com/knoxconform/knoxconform/analyzer/knoxswitch"
	"github.com/knoxconform/knoxconform/analyzer/knoxunhandled"
	"github.com/knoxconform/knoxconform/analyzer/knoxwire"
)

// Rule is one stable rule ID. IDs are never renamed or reused: saved
// suppressions and code-scanning alerts are keyed by them.
type Rule struct {
	// ID is the rule ID, the Diagnostic.Category of its findings ("KNX201").
	ID string
	// Analyzer is the name of the analyzer that reports it; "" for KNX900,
	// which every analyzer reports about its own directives.
	Analyzer string
	// Title is a one-line summary (SARIF shortDescription).
	Title string
	// Level is the SARIF level of its findings: "error", "warning" or "note".
	Level string
}

// DirectiveRule is the rule of malformed or unused //knoxvet: directives.
const DirectiveRule = directive.Rule

// DirectiveDoc documents DirectiveRule; it stands in for an analyzer Doc.
const DirectiveDoc = `report malformed or unused //knoxvet: directives

Every knoxvet analyzer reads //knoxvet: comments:

	//knoxvet:ignore KNX101[,KNX102] reason   this line, or the next when the comment stands alone
	//knoxvet:file-ignore KNX101 reason       the whole file
	//knoxvet:enforce                         knoxswitch: require every catalogued case

A directive needs at least one rule ID and a reason; there is no blanket
ignore. A directive without them, an unknown verb, or an ignore that no
longer matches a finding of the analyzers that ran is reported as KNX900,
so stale suppressions do not pile up.

Before:

	//knoxvet:ignore KNX201
	c.Token(ctx)

After:

	//knoxvet:ignore KNX201 warms the token cache; the next call reports the error
	c.Token(ctx)`

// entry is one analyzer and the rules it reports.
type entry struct {
	a     *analysis.Analyzer
	rules []Rule
}

// registry is the single list of Knox analyzers, in documentation order.
var registry = []entry{
	{knoxcode.Analyzer, []Rule{
		{knoxcode.RuleNumeric, "knoxcode", "Knox error code written as a number", "warning"},
		{knoxcode.RuleString, "knoxcode", "Knox error code or symbolic name written as a string", "warning"},
	}},
	{knoxhttp.Analyzer, []Rule{
		{knoxhttp.Rule, "knoxhttp", "HTTP status written as a number instead of an http.Status constant", "warning"},
	}},
	{knoxunhandled.Analyzer, []Rule{
		{knoxunhandled.RuleBareCall, "knoxunhandled", "Knox call result dropped as a bare statement", "error"},
		{knoxunhandled.RuleBlank, "knoxunhandled", "Knox error assigned to the blank identifier", "error"},
		{knoxunhandled.RuleGoDefer, "knoxunhandled", "Knox error lost in a go or defer statement", "error"},
		{knoxunhandled.RuleNeverRead, "knoxunhandled", "Knox error assigned to a variable that is never read", "error"},
		{knoxunhandled.RuleSwallowed, "knoxunhandled", "Knox error checked and then swallowed (a nil error returned)", "error"},
	}},
	{knoxswitch.Analyzer, []Rule{
		{knoxswitch.Rule, "knoxswitch", "switch over Knox codes misses codes that need their own handling", "warning"},
	}},
	{knoxretry.Analyzer, []Rule{
		{knoxretry.RuleJWTReuse, "knoxretry", "signed JWT or jti reused across attempts", "error"},
		{knoxretry.RuleHotLoop, "knoxretry", "Knox call retried with no wait between attempts", "error"},
		{knoxretry.RuleUnbounded, "knoxretry", "Knox call retried with no attempt bound and no context check", "error"},
		{knoxretry.RuleIgnoresRA, "knoxretry", "429 or 503 retried without reading Retry-After", "error"},
		{knoxretry.RuleUncappedRA, "knoxretry", "Retry-After slept on with no cap", "warning"},
		{knoxretry.RuleRetriesFailure, "knoxretry", "retry loop that retries 4xx answers too", "error"},
	}},
	{knoxwire.Analyzer, []Rule{
		{knoxwire.RuleInsecureTLS, "knoxwire", "TLS certificate verification switched off for Knox calls", "error"},
		{knoxwire.RuleNoTimeout, "knoxwire", "Knox call that can hang: no client timeout and no request deadline", "warning"},
		{knoxwire.RuleAlgorithm, "knoxwire", "Knox JWT signed with another algorithm than RS512", "error"},
		{knoxwire.RuleValidity, "knoxwire", "validityForAccessTokenInMinutes sent as a string", "error"},
		{knoxwire.RuleSecretQuery, "knoxwire", "client_secret or private key in a URL query", "error"},
	}},
}

var directiveRule = Rule{DirectiveRule, "", "malformed or unused //knoxvet: directive", "note"}

// All returns the Knox analyzers, in documentation order.
func All() []*analysis.Analyzer {
	as := make([]*analysis.Analyzer, len(registry))
	for i, e := range registry {
		as[i] = e.a
	}
	return as
}

// Rules returns every rule, ordered by analyzer and then by ID, with KNX900
// last.
func Rules() []Rule {
	var rs []Rule
	for _, e := range registry {
		rs = append(rs, e.rules...)
	}
	return append(rs, directiveRule)
}

// RulesOf returns the rules the named analyzer reports, nil for an unknown name.
func RulesOf(name string) []Rule {
	for _, e := range registry {
		if e.a.Name == name {
			return slices.Clone(e.rules)
		}
	}
	return nil
}

// Lookup finds a rule by ID.
func Lookup(id string) (Rule, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Doc returns the documentation of a rule: its analyzer's Doc, or DirectiveDoc
// for KNX900.
func (r Rule) Doc() string {
	for _, e := range registry {
		if e.a.Name == r.Analyzer {
			return e.a.Doc
		}
	}
	return DirectiveDoc
}

// URL returns where the rule is documented.
func (r Rule) URL() string {
	for _, e := range registry {
		if e.a.Name == r.Analyzer && e.a.URL != "" {
			return e.a.URL
		}
	}
	return DocsURL + "#knox-directives"
}

// DocsURL is the generated documentation of all analyzers.
const DocsURL = "https://github.com/knoxconform/knoxconform/blob/main/docs/analyzers.md"
