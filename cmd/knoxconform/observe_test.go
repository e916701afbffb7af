package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// Ctrl-C stops the observed command and still writes the reports, with the
// run marked interrupted (verdict ERROR, exit 2).
func TestObserveInterruptStillWritesTheReports(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, knoxconformBin, "observe", "--seed", "1", "--", sh, "-c", "echo observed-started; sleep 30")
	cmd.Dir = dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "observed-started") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("still running a minute after SIGINT:\n%s", out.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("want exit 2 after SIGINT, got %v\n%s", err, out.String())
	}
	s := readSummary(t, filepath.Join(dir, "knoxconform-report"))
	if !s.Run.Interrupted || s.Verdict != reports.VerdictError || s.Run.Command == nil || !strings.Contains(s.Run.Command.Note, "interrupted") {
		t.Errorf("summary: interrupted=%v verdict=%s command=%+v", s.Run.Interrupted, s.Verdict, s.Run.Command)
	}
}
