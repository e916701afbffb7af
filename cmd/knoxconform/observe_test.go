package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/reports"
)

func TestObserveUsage(t *testing.T) {
	dir := t.TempDir()
	r := knoxconform(t, dir, time.Minute, "observe", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "ratelimit-bare") {
		t.Errorf("observe --help: want exit 0 with examples and the fault classes, got %s", r)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"observe"}, "no COMMAND"},
		{[]string{"observe", "true"}, "after --"},
		{[]string{"observe", "--faults", "bogus", "--", "true"}, "unknown fault class"},
		{[]string{"observe", "--plan", "missing.json", "--", "true"}, "--plan"},
	} {
		r := knoxconform(t, dir, time.Minute, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: want exit 2 saying %q, got %s", tc.args, tc.want, r)
		}
	}
}

// The binary observes a plain command end to end: the command's own flags
// after -- stay its own, and the exit status follows the verdict.
func TestObserveRunsACommand(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	client, err := filepath.Abs(filepath.Join("..", "..", "observe", "testdata", "knox-client.js"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := knoxconform(t, dir, 2*time.Minute, "observe", "--seed", "3", "--faults", "validation,resign", "--report-dir", "out",
		"--", node, client, "retries-400", "5")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL        observe/validation/") || !strings.Contains(r.stdout, "seed 3") {
		t.Fatalf("want exit 1 with the validation fault caught, got %s", r)
	}
	s, err := reports.Load(filepath.Join(dir, "out", reports.SummaryJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if s.Run.Command == nil || s.Run.Seed != 3 || !strings.Contains(s.Run.Command.Line, "retries-400") {
		t.Errorf("run metadata: %+v", s.Run)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "observe-plan.json")); err != nil {
		t.Errorf("the plan was not written: %v", err)
	}
}
