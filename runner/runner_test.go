package runner

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/reports"
)

func TestParseExpectedFailures(t *testing.T) {
	known := map[string]bool{"knox/a": true, "knox/b": true}
	got, err := ParseExpectedFailures(strings.NewReader(
		"# known failures of client 1.2\n\nknox/a   vendor bug #123, fixed in 1.3 \n  knox/b\tretries once too often\n"),
		"known.txt", known)
	if err != nil {
		t.Fatal(err)
	}
	if got["knox/a"] != "vendor bug #123, fixed in 1.3" || got["knox/b"] != "retries once too often" || len(got) != 2 {
		t.Errorf("got %q", got)
	}

	for _, tt := range []struct{ in, want string }{
		{"knox/a fine\nknox/zz typo\n", `known.txt:2: unknown case ID "knox/zz"`},
		{"knox/a\n", `known.txt:1: no reason given for "knox/a"`},
		{"knox/a one\n\nknox/a two\n", `known.txt:3: "knox/a" is already listed on line 1`},
	} {
		_, err := ParseExpectedFailures(strings.NewReader(tt.in), "known.txt", known)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !IsUsage(err) {
			t.Errorf("%q: want usage error containing %q, got %v", tt.in, tt.want, err)
		}
	}
}

func TestShellQuoteRoundTripsThroughSh(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{"plain", "", "two words", "it's", `a"b`, "$HOME", "knox/*", "x;rm -rf y", "back\\slash", "sh -c 'exit 3'", "it's $HOME", "don't!"} {
		out, err := exec.Command("sh", "-c", "printf '%s' "+ShellQuote(s)).Output()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("ShellQuote(%q) = %s reads back as %q", s, ShellQuote(s), out)
		}
	}
	if ShellQuote("./adapter") != "./adapter" {
		t.Errorf("a plain path should stay unquoted, got %s", ShellQuote("./adapter"))
	}
}

func TestRerunCommand(t *testing.T) {
	c := &Config{Target: "python3 adapter.py --mode 'x'", Strict: true, Seed: 42}
	got := c.RerunCommand("knox/4002250/resign")
	want := `knoxconform run --target "python3 adapter.py --mode 'x'" --cases 'knox/4002250/resign' --strict --seed 42`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	c = &Config{TargetAddr: "127.0.0.1:7000"}
	if got := c.RerunCommand("a/b"); got != "knoxconform run --target-addr 127.0.0.1:7000 --cases 'a/b'" {
		t.Errorf("got %s", got)
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no target", Config{}, "no target"},
		{"two targets", Config{Target: "a", TargetAddr: "127.0.0.1:1"}, "exactly one"},
		{"bad addr", Config{TargetAddr: "localhost"}, "host:port"},
		{"bad port", Config{TargetAddr: "127.0.0.1:http"}, "port must be a number"},
		{"negative procs", Config{Target: "a", Procs: -2}, "--procs"},
		{"negative timeout", Config{Target: "a", Timeout: -time.Second}, "--timeout"},
		{"label filter", Config{Target: "a", LabelFilter: "MUST && ("}, "not a valid label filter"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			err := cfg.Validate()
			if err == nil || !IsUsage(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want usage error containing %q, got %v", tt.want, err)
			}
			if strings.Contains(err.Error(), "\x1b[") {
				t.Errorf("message carries terminal colour codes: %q", err)
			}
		})
	}

	cfg := Config{Target: "a", ReportDir: "rel/dir", Trace: "t.log"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.ReportDir, "/") || !strings.HasPrefix(cfg.Trace, "/") {
		t.Errorf("paths not made absolute: %q %q", cfg.ReportDir, cfg.Trace)
	}
	if cfg.Procs != 1 || cfg.Parallel != DefaultParallel() || cfg.Timeout != DefaultTimeout || cfg.Seed == 0 {
		t.Errorf("defaults not filled: procs %d parallel %d timeout %s seed %d", cfg.Procs, cfg.Parallel, cfg.Timeout, cfg.Seed)
	}
}

func TestProgressLine(t *testing.T) {
	entry := func(cr reports.CaseResult) types.ReportEntries {
		return types.ReportEntries{{Name: reports.EntryName, Value: types.WrapEntryValue(cr)}}
	}
	c := reports.Case{ID: "knox/429/backoff", Level: "MUST"}
	failedMust := reports.CaseResult{Case: c, Checks: []reports.Check{{Level: "MUST", Passed: false}}}
	failedShould := reports.CaseResult{Case: c, Checks: []reports.Check{{Level: "MUST", Passed: true}, {Level: "SHOULD", Passed: false}}}
	for _, tt := range []struct {
		name     string
		sr       types.SpecReport
		expected map[string]string
		want     string // prefix; "" = no line
	}{
		{"pass", types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePassed, RunTime: 12 * time.Millisecond, ReportEntries: entry(reports.CaseResult{Case: c})},
			nil, "PASS        knox/429/backoff (12ms)"},
		{"must failed", types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStateFailed, RunTime: 1500 * time.Millisecond, ReportEntries: entry(failedMust)},
			nil, "FAIL        knox/429/backoff (1.5s)"},
		{"should failed", types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePassed, ReportEntries: entry(failedShould)},
			nil, "NON-STRICT  knox/429/backoff"},
		{"expected", types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStateFailed, ReportEntries: entry(failedMust)},
			map[string]string{"knox/429/backoff": "known"}, "XFAIL       knox/429/backoff"},
		{"harness", types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStateFailed, ReportEntries: entry(reports.CaseResult{Case: c, Class: reports.Error, Reason: "adapter\ncrashed"})},
			nil, "ERROR       knox/429/backoff (0s): adapter crashed"},
		{"timed out", types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStateTimedout, ReportEntries: entry(reports.CaseResult{Case: c})},
			nil, "ERROR       knox/429/backoff"},
		{"filtered out", types.SpecReport{LeafNodeType: types.NodeTypeIt, State: types.SpecStateSkipped, LeafNodeText: "knox/x"}, nil, ""},
		{"suite node", types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed}, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := progressLine(tt.sr, tt.expected)
			if tt.want == "" {
				if ok {
					t.Errorf("want no line, got %q", got)
				}
				return
			}
			if !ok || !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q (ok=%v), want prefix %q", got, ok, tt.want)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	got := splitList([]string{"a/*, b/c", "", " d "})
	if strings.Join(got, "|") != "a/*|b/c|d" {
		t.Errorf("got %q", got)
	}
}
