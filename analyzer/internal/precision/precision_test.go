// Package precision_test runs knoxvet's literal and switch analyzers over real
// code that has nothing to do with Knox, or that defines the catalogue, and
// requires silence: a finding there is a false positive. It loads packages with
// go/packages, so it is skipped with -short.
package precision_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/knoxconform/knoxconform/analyzer/knoxcode"
	"github.com/knoxconform/knoxconform/analyzer/knoxhttp"
	"github.com/knoxconform/knoxconform/analyzer/knoxswitch"
)

func run(t *testing.T, analyzers []*analysis.Analyzer, patterns ...string) {
	t.Helper()
	pkgs := load(t, patterns...)
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatalf("packages %v do not load cleanly", patterns)
	}
	analyze(t, analyzers, pkgs, patterns)
}

func load(t *testing.T, patterns ...string) []*packages.Package {
	t.Helper()
	if testing.Short() {
		t.Skip("loads and type-checks real packages; skipped with -short")
	}
	// Only non-test code: the standard library's own tests do write statuses as
	// numbers (14 true KNX110 findings in net/http/httputil's tests).
	cfg := &packages.Config{Mode: packages.LoadAllSyntax}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func analyze(t *testing.T, analyzers []*analysis.Analyzer, pkgs []*packages.Package, patterns []string) {
	t.Helper()
	graph, err := checker.Analyze(analyzers, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots := 0
	for _, act := range graph.Roots {
		roots++
		if act.Err != nil {
			t.Errorf("%s on %s: %v", act.Analyzer.Name, act.Package.PkgPath, act.Err)
		}
		for _, d := range act.Diagnostics {
			t.Errorf("false positive: %s: %s [%s] %s", act.Package.Fset.Position(d.Pos), act.Analyzer.Name, d.Category, d.Message)
		}
	}
	if roots < len(analyzers)*len(patterns) {
		t.Fatalf("analysed %d package/analyzer pairs, want at least %d", roots, len(analyzers)*len(patterns))
	}
}

// Standard packages full of numbers, strings and switches, several of them HTTP
// clients: knoxcode must stay quiet even in strict-free default mode, and
// knoxswitch has no knoxerr.Code to look at.
func TestStandardLibraryIsClean(t *testing.T) {
	run(t, []*analysis.Analyzer{knoxcode.Analyzer, knoxswitch.Analyzer, knoxhttp.Analyzer},
		"encoding/json", "strconv", "compress/flate", "net/http/httputil", "net/http/cookiejar", "net/url", "expvar")
}

// net/http itself writes some statuses as numbers (a switch on resp.StatusCode
// with case 301, 302, 303 in its redirect logic): true findings for knoxhttp, so
// only the Knox analyzers are held to silence there.
func TestNetHTTPIsCleanForKnoxAnalyzers(t *testing.T) {
	run(t, []*analysis.Analyzer{knoxcode.Analyzer, knoxswitch.Analyzer}, "net/http")
}

// knoxerr defines the catalogue: its const blocks, its Entry table (where 400 is
// an HTTPStatus, not a code) and its parser must not be reported by the
// analyzers that exist to promote its constants.
func TestCatalogueIsClean(t *testing.T) {
	run(t, []*analysis.Analyzer{knoxcode.Analyzer, knoxswitch.Analyzer, knoxhttp.Analyzer},
		"github.com/knoxconform/knoxconform/knoxerr")
}

// The reference Knox client in fixtures is the kind of code knoxvet exists for,
// written to the rules: every finding there is a false positive (its switch that
// picks out never-retried codes before dispatching by class was one).
func TestReferenceClientIsClean(t *testing.T) {
	run(t, []*analysis.Analyzer{knoxcode.Analyzer, knoxswitch.Analyzer, knoxhttp.Analyzer},
		"github.com/knoxconform/knoxconform/fixtures/clients/reference/...")
}
