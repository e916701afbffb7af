package analyzer_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/knoxconform/knoxconform/analyzer"
)

var ruleID = regexp.MustCompile(`^KNX[0-9]{3}$`)

// TestRegistry checks what drivers rely on: valid analyzers, unique stable-looking
// rule IDs, each analyzer with at least one rule and a documented summary line.
func TestRegistry(t *testing.T) {
	all := analyzer.All()
	if len(all) == 0 {
		t.Fatal("All() is empty")
	}
	if err := analysis.Validate(all); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range analyzer.Rules() {
		if !ruleID.MatchString(r.ID) {
			t.Errorf("rule %q is not KNX followed by three digits", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		switch r.Level {
		case "error", "warning", "note":
		default:
			t.Errorf("rule %s: level %q is not a SARIF level", r.ID, r.Level)
		}
		if r.Title == "" || r.Doc() == "" || r.URL() == "" {
			t.Errorf("rule %s lacks a title, doc or URL", r.ID)
		}
	}
	if !seen[analyzer.DirectiveRule] {
		t.Errorf("%s missing from Rules()", analyzer.DirectiveRule)
	}
	for _, a := range all {
		rules := analyzer.RulesOf(a.Name)
		if len(rules) == 0 {
			t.Errorf("analyzer %s has no rules", a.Name)
		}
		for _, r := range rules {
			if r.Analyzer != a.Name {
				t.Errorf("rule %s of %s names analyzer %q", r.ID, a.Name, r.Analyzer)
			}
		}
		if first, _, _ := strings.Cut(a.Doc, "\n"); strings.TrimSpace(first) == "" {
			t.Errorf("analyzer %s: Doc has no summary line", a.Name)
		}
	}
	if _, ok := analyzer.Lookup("KNX201"); !ok {
		t.Error(`Lookup("KNX201") failed`)
	}
	if _, ok := analyzer.Lookup("KNX999"); ok {
		t.Error(`Lookup("KNX999") found a rule`)
	}
}

// Every link names a registered rule and cases that exist: docs/cases.md is
// generated from the suite, so a case ID missing there is a typo or a removed
// case. Every behavioural rule (KNX4xx, KNX5xx) has a link.
func TestLinks(t *testing.T) {
	data, err := os.ReadFile("../docs/cases.md")
	if err != nil {
		t.Fatal(err)
	}
	cases := string(data)
	linked := map[string]bool{}
	for _, l := range analyzer.Links() {
		linked[l.Rule] = true
		if l.Behaviour == "" || len(l.Cases) == 0 {
			t.Errorf("%s: link without a BEHAVIOURS row or cases", l.Rule)
		}
		for _, c := range l.Cases {
			if !strings.Contains(cases, c) {
				t.Errorf("%s links case %s, which docs/cases.md does not list", l.Rule, c)
			}
			if !slices.Contains(analyzer.RulesForCase(c), l.Rule) {
				t.Errorf("RulesForCase(%s) lacks %s", c, l.Rule)
			}
		}
		r, ok := analyzer.Lookup(l.Rule)
		if !ok {
			t.Errorf("link for unknown rule %s", l.Rule)
		} else if len(analyzer.RulesOf(r.Analyzer)) > 1 && !strings.Contains(r.Doc(), l.Rule) {
			t.Errorf("%s: its analyzer's Doc does not mention it", l.Rule)
		}
	}
	for _, r := range analyzer.Rules() {
		if (strings.HasPrefix(r.ID, "KNX4") || strings.HasPrefix(r.ID, "KNX5")) && !linked[r.ID] {
			t.Errorf("behavioural rule %s has no link to BEHAVIOURS.md and cases", r.ID)
		}
	}
}
