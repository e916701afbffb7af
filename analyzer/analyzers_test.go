package analyzer_test

import (
	"regexp"
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
