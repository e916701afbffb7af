package runner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/reports"
)

func TestSummaryPrintsEachFailureOnceInFull(t *testing.T) {
	dir := t.TempDir()
	s := &reports.Summary{
		Run: reports.Run{Target: "./adapter", Seed: 7, DurationMs: 5508.2},
		Cases: []reports.CaseResult{
			{Case: reports.Case{ID: "knox/429/backoff", Title: "backs off", Level: "MUST", Requirement: "MUST back off after 429."},
				Class: reports.Fail, Rerun: "knoxconform run --target ./adapter --cases 'knox/429/backoff' --seed 7",
				Checks:  []reports.Check{{Name: "waited", Level: "MUST", Expected: "a gap ≥ 25 ms", Actual: "a gap of 1 ms"}},
				Outcome: &reports.Outcome{OK: true}},
			{Case: reports.Case{ID: "knox/ok", Level: "MUST"}, Class: reports.Pass},
			{Case: reports.Case{ID: "knox/should", Level: "SHOULD"}, Class: reports.NonStrict,
				Checks: []reports.Check{{Name: "soft", Level: "SHOULD", Expected: "x", Actual: "y"}}},
		},
	}
	reports.Finalize(s)
	var out bytes.Buffer
	printSummary(&out, &Config{Procs: 8, Seed: 7, Target: "./adapter"}, s, filepath.Join(dir, reports.SummaryJSONFile))
	got := out.String()
	for _, want := range []string{
		"--- knox/429/backoff  [FAIL] backs off",
		"Requirement (MUST): MUST back off after 429.",
		"Expected: a gap ≥ 25 ms", "Actual:   a gap of 1 ms",
		"Rerun: knoxconform run --target ./adapter --cases 'knox/429/backoff' --seed 7",
		"the checks also judge what it sent to the server", // a success beside a failed check is explained
		"Only SHOULD checks failed", "  knox/should\n",
		"knoxconform: NOT CONFORMANT: 3 cases: 1 PASS, 1 NON-STRICT, 1 FAIL",
		"8 process(es), 5.51 s\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "a gap of 1 ms"); n != 1 {
		t.Errorf("the failure is printed %d times, want once:\n%s", n, got)
	}
	if n := strings.Count(got, "--cases 'knox/429/backoff'"); n != 1 {
		t.Errorf("the rerun command is printed %d times, want once:\n%s", n, got)
	}
	// The verdict comes last, where a CI log's tail shows it.
	if i, j := strings.Index(got, "--- knox/429/backoff"), strings.Index(got, "knoxconform: NOT CONFORMANT"); i < 0 || j < i {
		t.Errorf("the verdict should follow the failures:\n%s", got)
	}
}

func TestSummaryBoundsTheDetailedFailures(t *testing.T) {
	s := &reports.Summary{}
	for i := range maxDetailed + 5 {
		s.Cases = append(s.Cases, reports.CaseResult{Case: reports.Case{ID: "x/" + string(rune('a'+i))}, Class: reports.Fail,
			Checks: []reports.Check{{Name: "c", Level: "MUST", Expected: "e", Actual: "unique-actual"}}})
	}
	reports.Finalize(s)
	var out bytes.Buffer
	printSummary(&out, &Config{Target: "t"}, s, filepath.Join(t.TempDir(), reports.SummaryJSONFile))
	if n := strings.Count(out.String(), "unique-actual"); n != maxDetailed {
		t.Errorf("%d failures printed in full, want %d", n, maxDetailed)
	}
	if !strings.Contains(out.String(), "5 more failed") || !strings.Contains(out.String(), "--cases 'x/o'") {
		t.Errorf("the failures past the bound lack their line and rerun command:\n%s", out.String())
	}
}

func TestPrepareReportDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := prepareReportDir(dir); err != nil {
		t.Fatalf("a new directory: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the check left %d files behind", len(left))
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if err := prepareReportDir(filepath.Join(file, "sub")); err == nil || !strings.Contains(err.Error(), "--report-dir") {
		t.Errorf("a path under a regular file: want an error naming --report-dir, got %v", err)
	}
	// A directory that exists but takes no file: read-only for a normal user;
	// /proc refuses new files even to root.
	ro := t.TempDir()
	os.Chmod(ro, 0o555)
	defer os.Chmod(ro, 0o755)
	if os.Geteuid() != 0 {
		if err := prepareReportDir(ro); err == nil || !strings.Contains(err.Error(), "cannot be written") {
			t.Errorf("a read-only directory: want an error, got %v", err)
		}
	}
	if runtime.GOOS == "linux" {
		if err := prepareReportDir("/proc"); err == nil || !strings.Contains(err.Error(), "cannot be written") {
			t.Errorf("/proc: want an error, got %v", err)
		}
	}
}

func TestLogTailIsBounded(t *testing.T) {
	if logTail(" \n") != "" {
		t.Error("a blank log should give no tail")
	}
	var b strings.Builder
	for i := range 500 {
		b.WriteString(strings.Repeat("x", 40) + string(rune('A'+i%26)) + "\n")
	}
	got := logTail(b.String())
	if n := strings.Count(got, "\n") + 1; n > maxProbeLogLines {
		t.Errorf("%d lines, want at most %d", n, maxProbeLogLines)
	}
	if !strings.HasSuffix(got, "xF") { // the last line, 499 % 26 = 5
		t.Errorf("the tail does not end with the log's last line: %q", got[len(got)-20:])
	}
	if len(got) > maxProbeLogBytes+maxProbeLogLines*4 {
		t.Errorf("%d bytes, want about %d at most", len(got), maxProbeLogBytes)
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	tb := &tailBuffer{max: 10}
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("abc"))
	if got := string(tb.bytes()); got != "3456789abc" {
		t.Errorf("got %q", got)
	}
}

func TestSummaryPrintsASharedErrorOnce(t *testing.T) {
	s := &reports.Summary{}
	for i := range 30 {
		s.Cases = append(s.Cases, reports.CaseResult{Case: reports.Case{ID: fmt.Sprintf("x/%02d", i)}, Class: reports.Error,
			Reason: "adapter error during newClient: the adapter exited (exit status 1)", Stderr: "panic: nil map\n"})
	}
	s.Cases = append(s.Cases, reports.CaseResult{Case: reports.Case{ID: "y/own"}, Class: reports.Error, Reason: "a reason of its own"})
	reports.Finalize(s)
	var out bytes.Buffer
	printSummary(&out, &Config{Target: "t"}, s, filepath.Join(t.TempDir(), reports.SummaryJSONFile))
	got := out.String()
	if n := strings.Count(got, "the adapter exited"); n != 1 {
		t.Errorf("the shared reason is printed %d times, want once:\n%s", n, got)
	}
	for _, want := range []string{"--- ERROR in 30 cases", "… and 20 more", "panic: nil map", "Rerun one: knoxconform run --target t --cases 'x/00'", "a reason of its own"} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q:\n%s", want, got)
		}
	}
}
