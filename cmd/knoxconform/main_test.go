package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/reports"
)

// The tests build the real binary once and run it as a user would: exit
// codes, stdout and stderr are the interface under test.

var knoxconformBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "knoxconform-cmd-test-")
	if err != nil {
		panic(err)
	}
	knoxconformBin = filepath.Join(dir, "knoxconform")
	out, err := exec.Command("go", "build", "-o", knoxconformBin, ".").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		panic("building knoxconform: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// knoxconform runs the binary in dir with a deadline, so no test can hang.
func knoxconform(t *testing.T, dir string, timeout time.Duration, args ...string) result {
	t.Helper()
	return knoxconformEnv(t, dir, timeout, nil, args...)
}

// knoxconformEnv is knoxconform with extra environment for the run.
func knoxconformEnv(t *testing.T, dir string, timeout time.Duration, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, knoxconformBin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("knoxconform %s: still running after %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), timeout, stdout.String(), stderr.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("knoxconform %s: %v", strings.Join(args, " "), err)
	}
	return result{code, stdout.String(), stderr.String()}
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

func TestUsageErrorsExit2WithAHelpfulMessage(t *testing.T) {
	dir := t.TempDir()
	badList := filepath.Join(dir, "known.txt")
	if err := os.WriteFile(badList, []byte("# known failures\n\nno/such/case  the vendor is on it\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"no target", []string{"run"}, []string{"no target", "--target", "--target-addr"}},
		{"both targets", []string{"run", "--target", "x", "--target-addr", "127.0.0.1:1"}, []string{"exactly one"}},
		{"bad label filter", []string{"run", "--target", "x", "--label-filter", "MUST && ("}, []string{"--label-filter", "not a valid label filter"}},
		{"unknown expected failure", []string{"run", "--target", "x", "--expected-failures", badList}, []string{"known.txt:3", `unknown case ID "no/such/case"`, "knoxconform list"}},
		{"missing expected failures file", []string{"run", "--target", "x", "--expected-failures", filepath.Join(dir, "absent.txt")}, []string{"--expected-failures", "absent.txt"}},
		{"stray argument", []string{"run", "./adapter"}, []string{`unexpected argument "./adapter"`, "--target"}},
		{"unknown flag", []string{"run", "--target", "x", "--no-such-flag"}, []string{"unknown flag: --no-such-flag", "knoxconform run --help"}},
		{"bad procs", []string{"run", "--target", "x", "--procs", "-1"}, []string{"--procs"}},
		{"bad list format", []string{"list", "--format", "yaml"}, []string{"--format", "table, json, markdown"}},
		{"bad catalog format", []string{"catalog", "--format", "xml"}, []string{"--format"}},
		{"diff needs two files", []string{"report", "diff", "one.json"}, []string{"2 arg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := knoxconform(t, dir, time.Minute, tt.args...)
			if r.code != 2 {
				t.Fatalf("want exit 2, got %s", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "knoxconform-report", "summary.json")); err == nil {
				t.Errorf("a usage error wrote a summary")
			}
		})
	}
}

func TestHelpCoversEveryCommand(t *testing.T) {
	for _, c := range [][]string{{"run"}, {"list"}, {"catalog"}, {"serve"}, {"report", "diff"}, {"version"}} {
		r := knoxconform(t, t.TempDir(), time.Minute, append(c, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "knoxconform "+c[0]) {
			t.Errorf("%v --help: want exit 0 with examples, got %s", c, r)
		}
	}
}

func listCases(t *testing.T, args ...string) []reports.Case {
	t.Helper()
	r := knoxconform(t, t.TempDir(), time.Minute, append([]string{"list", "--format", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("list: %s", r)
	}
	var cases []reports.Case
	if err := json.Unmarshal([]byte(r.stdout), &cases); err != nil {
		t.Fatalf("list --format json is not a JSON array of cases: %v\n%s", err, r.stdout)
	}
	return cases
}

func TestListPrintsEveryCase(t *testing.T) {
	all := listCases(t)
	if len(all) == 0 {
		t.Fatal("list printed no case")
	}
	table := knoxconform(t, t.TempDir(), time.Minute, "list")
	md := knoxconform(t, t.TempDir(), time.Minute, "list", "--format", "markdown")
	for _, c := range all {
		if c.ID == "" || c.Level == "" {
			t.Errorf("case without ID or level: %+v", c)
		}
		if !strings.Contains(table.stdout, c.ID) || !strings.Contains(md.stdout, "`"+c.ID+"`") {
			t.Errorf("case %s missing from the table or markdown listing", c.ID)
		}
	}
	if !strings.Contains(table.stdout, strconv.Itoa(len(all))+" cases") {
		t.Errorf("table does not end with the count %d:\n%s", len(all), table.stdout)
	}

	// --cases selects by glob, as run does.
	first := all[0].ID
	area := first[:strings.Index(first, "/")+1] + "*"
	some := listCases(t, "--cases", area)
	if len(some) == 0 || len(some) > len(all) {
		t.Fatalf("--cases %s selected %d of %d", area, len(some), len(all))
	}
	for _, c := range some {
		if !strings.HasPrefix(c.ID, strings.TrimSuffix(area, "*")) {
			t.Errorf("--cases %s listed %s", area, c.ID)
		}
	}
	if none := listCases(t, "--cases", "nosuch/*"); len(none) != 0 {
		t.Errorf("--cases nosuch/* listed %d cases", len(none))
	}
}

func TestCasesMatchingNothingExit3(t *testing.T) {
	dir := t.TempDir()
	r := knoxconform(t, dir, time.Minute, "run", "--target", "sh -c 'exit 3'", "--cases", "nosuch/*")
	if r.code != 3 {
		t.Fatalf("want exit 3 (no case ran), got %s", r)
	}
	s, err := reports.Load(filepath.Join(dir, "knoxconform-report", "summary.json"))
	if err != nil {
		t.Fatalf("no summary for an empty run: %v", err)
	}
	if s.Verdict != reports.VerdictNoCases || len(s.Cases) != 0 {
		t.Errorf("summary: verdict %q with %d cases, want %q with none", s.Verdict, len(s.Cases), reports.VerdictNoCases)
	}
	if !strings.Contains(r.stderr, "nosuch/*") {
		t.Errorf("stderr does not name the pattern that matched nothing:\n%s", r.stderr)
	}
}

func TestLabelFilterMatchingNothingExits3(t *testing.T) {
	r := knoxconform(t, t.TempDir(), 2*time.Minute, "run", "--target", "sh -c 'exit 3'", "--label-filter", "no-such-label")
	if r.code != 3 {
		t.Fatalf("want exit 3 (no case ran), got %s", r)
	}
}

func TestVersion(t *testing.T) {
	r := knoxconform(t, t.TempDir(), time.Minute, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "knoxconform ") || len(strings.TrimSpace(r.stdout)) <= len("knoxconform ") {
		t.Errorf("version: %s", r)
	}
}

func TestCatalogListsTheKnoxCodes(t *testing.T) {
	r := knoxconform(t, t.TempDir(), time.Minute, "catalog", "--format", "json")
	if r.code != 0 {
		t.Fatalf("catalog: %s", r)
	}
	var cat struct {
		Codes []json.RawMessage `json:"codes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &cat); err != nil || len(cat.Codes) == 0 {
		t.Fatalf("catalog --format json: %v, %d codes\n%s", err, len(cat.Codes), r.stdout)
	}
}

func TestReportDiff(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, class reports.Class) string {
		s := &reports.Summary{Cases: []reports.CaseResult{{Case: reports.Case{ID: "knox/x", Level: "MUST"}, Class: class}}}
		reports.Finalize(s)
		b, err := reports.MarshalSummary(s)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pass, fail := write("pass.json", reports.Pass), write("fail.json", reports.Fail)
	if r := knoxconform(t, dir, time.Minute, "report", "diff", pass, fail); r.code != 1 || !strings.Contains(r.stdout, "knox/x") {
		t.Errorf("PASS→FAIL: want exit 1 naming the case, got %s", r)
	}
	if r := knoxconform(t, dir, time.Minute, "report", "diff", fail, pass); r.code != 0 {
		t.Errorf("FAIL→PASS: want exit 0, got %s", r)
	}
	if r := knoxconform(t, dir, time.Minute, "report", "diff", pass, filepath.Join(dir, "absent.json")); r.code != 2 || !strings.Contains(r.stderr, "absent.json") {
		t.Errorf("missing NEW: want exit 2 naming the file, got %s", r)
	}
}

func TestServeStopsOnInterrupt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, knoxconformBin, "serve", "--addr", "127.0.0.1:0", "--dir", t.TempDir())
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "listening on") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ctx.Err() != nil || err != nil {
		t.Fatalf("serve did not stop cleanly on SIGINT: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "listening on http://127.0.0.1:") {
		t.Errorf("serve did not say where it listens:\n%s", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// referenceClient builds the bundled conformant client adapter once.
var referenceClient = sync.OnceValues(func() (string, error) {
	out := filepath.Join(filepath.Dir(knoxconformBin), "reference-client")
	b, err := exec.Command("go", "build", "-o", out, "../../fixtures/clients/reference").CombinedOutput()
	if err != nil {
		return "", errors.New(err.Error() + "\n" + string(b))
	}
	return out, nil
})

func reference(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the suite against the reference client")
	}
	bin, err := referenceClient()
	if err != nil {
		t.Fatalf("building the reference client: %v", err)
	}
	return bin
}

// A slice of the catalogue that covers two areas and keeps the test short.
const someCases = "body-shape/*,lic/*"

func readSummary(t *testing.T, dir string) *reports.Summary {
	t.Helper()
	s, err := reports.Load(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("no summary: %v", err)
	}
	return s
}

func TestRunAgainstTheReferenceClient(t *testing.T) {
	ref := reference(t)
	dir := t.TempDir()

	serial := knoxconform(t, dir, 3*time.Minute, "run", "--target", ref, "--cases", someCases, "--report-dir", "serial", "--procs", "1")
	if serial.code != 0 {
		t.Fatalf("serial run: want exit 0, got %s", serial)
	}
	s1 := readSummary(t, filepath.Join(dir, "serial"))
	if s1.Verdict != reports.VerdictConformant || len(s1.Cases) == 0 {
		t.Fatalf("serial summary: %s with %d cases", s1.Verdict, len(s1.Cases))
	}
	for _, c := range s1.Cases {
		if !strings.Contains(serial.stdout, "PASS        "+c.ID+" (") {
			t.Errorf("no progress line for %s", c.ID)
		}
	}
	if strings.Contains(serial.stdout, "\x1b[") {
		t.Error("colour codes in the output although NO_COLOR is set")
	}
	if !strings.Contains(serial.stdout, "CONFORMANT: "+strconv.Itoa(len(s1.Cases))+" cases") || !strings.Contains(serial.stdout, filepath.Join(dir, "serial")) {
		t.Errorf("the final summary lacks the verdict, count or report directory:\n%s", serial.stdout)
	}
	checkOwnConsole(t, "serial", serial, s1)

	// Workers run elsewhere: a --target relative to the user's directory and
	// a trace file must still work.
	if err := os.Symlink(ref, filepath.Join(dir, "adapter")); err != nil {
		t.Fatal(err)
	}
	parallel := knoxconform(t, dir, 3*time.Minute, "run", "--target", "./adapter", "--cases", someCases, "--report-dir", "parallel", "--procs", "2", "--trace=trace.log")
	if parallel.code != 0 {
		t.Fatalf("--procs 2: want exit 0, got %s", parallel)
	}
	s2 := readSummary(t, filepath.Join(dir, "parallel"))
	if s2.Verdict != s1.Verdict || len(s2.Cases) != len(s1.Cases) || s2.Run.Procs != 2 {
		t.Errorf("--procs 2: %s with %d cases (procs %d); serial: %s with %d", s2.Verdict, len(s2.Cases), s2.Run.Procs, s1.Verdict, len(s1.Cases))
	}
	for _, c := range s2.Cases {
		if !strings.Contains(parallel.stdout, c.ID+" (") {
			t.Errorf("--procs 2: no progress line for %s (workers' lines must reach the parent)", c.ID)
		}
	}
	checkOwnConsole(t, "--procs 2", parallel, s2)
	for _, f := range []string{"junit.xml", "report.json", "report.html", "summary.md"} {
		if _, err := os.Stat(filepath.Join(dir, "parallel", f)); err != nil {
			t.Errorf("--procs 2 did not write %s: %v", f, err)
		}
	}
	trace, err := os.ReadFile(filepath.Join(dir, "trace.log"))
	if err != nil {
		t.Fatalf("--trace=trace.log: %v", err)
	}
	for _, w := range []string{"[worker 1] ", "[worker 2] ", `"type":"hello"`, s2.Cases[0].ID} {
		if !strings.Contains(string(trace), w) {
			t.Errorf("trace.log lacks %q", w)
		}
	}
}

func TestExpectedFailuresAndLabelFilterReachTheSuite(t *testing.T) {
	ref := reference(t)
	dir := t.TempDir()
	list := filepath.Join(dir, "known.txt")
	if err := os.WriteFile(list, []byte("lic/LIC_4101/no-retry  listed to check the unexpected-pass report\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := knoxconform(t, dir, 3*time.Minute, "run", "--target", ref, "--cases", "lic/*", "--label-filter", "MUST",
		"--expected-failures", list)
	if r.code != 0 {
		t.Fatalf("want exit 0, got %s", r)
	}
	s := readSummary(t, filepath.Join(dir, "knoxconform-report"))
	want := len(listCases(t, "--cases", "lic/*", "--label-filter", "MUST"))
	if len(s.Cases) != want || want == 0 {
		t.Errorf("ran %d cases, list says the selection has %d", len(s.Cases), want)
	}
	found := false
	for _, c := range s.Cases {
		found = found || (c.ID == "lic/LIC_4101/no-retry" && c.UnexpectedPass)
	}
	if !found || !strings.Contains(r.stdout, "passed (remove them from the list)") {
		t.Errorf("the listed case that passed is not reported as an unexpected pass:\n%s", r.stdout)
	}
}

func TestCrashingTargetExits2WithASummarySayingWhy(t *testing.T) {
	dir := t.TempDir()
	r := knoxconform(t, dir, 2*time.Minute, "run", "--target", "sh -c 'exit 3'", "--cases", "lic/*")
	if r.code != 2 {
		t.Fatalf("want exit 2 (harness error), got %s", r)
	}
	s := readSummary(t, filepath.Join(dir, "knoxconform-report"))
	if s.Verdict != reports.VerdictError || s.Run.HarnessError == "" {
		t.Errorf("summary: verdict %q, harness error %q; want ERROR with the reason", s.Verdict, s.Run.HarnessError)
	}
	if !strings.Contains(r.stdout, "harness error: ") {
		t.Errorf("the console summary does not say why:\n%s", r.stdout)
	}
}

func TestInterruptStillWritesTheReports(t *testing.T) {
	ref := reference(t)
	// "default" is the pool: cases that finished before Ginkgo reached their
	// specs are in the reports too (TestPoolReportKeepsFinishedCases).
	for _, procs := range []string{"1", "2", "default"} {
		t.Run("procs="+procs, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			args := []string{"run", "--target", ref, "--no-color"}
			if procs != "default" {
				args = append(args, "--procs", procs)
			} else {
				args = append(args, "--trace=trace.log")
			}
			cmd := exec.CommandContext(ctx, knoxconformBin, args...)
			cmd.Dir = dir
			out := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Interrupt once the first case has finished: the run is under way.
			// The pool prints a case when Ginkgo reaches its spec, the longest
			// first, by which time nearly every case may be done; its trace
			// lists a case's requests as the case ends, while the HTTP-date
			// case, begun first, still has at least 2 s to wait.
			finished := func() bool {
				if procs != "default" {
					return strings.Contains(out.String(), "PASS  ")
				}
				b, _ := os.ReadFile(filepath.Join(dir, "trace.log"))
				return strings.Contains(string(b), ": http #")
			}
			deadline := time.Now().Add(time.Minute)
			for !finished() && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if ctx.Err() != nil {
				t.Fatalf("still running 2 minutes after SIGINT:\n%s", out.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() == 0 {
				t.Fatalf("an interrupted run must exit non-zero, got %v\n%s", err, out.String())
			}
			s := readSummary(t, filepath.Join(dir, "knoxconform-report"))
			if !s.Run.Interrupted || len(s.Cases) >= len(listCases(t)) {
				t.Errorf("summary: interrupted=%v with %d cases; want interrupted with fewer than all", s.Run.Interrupted, len(s.Cases))
			}
		})
	}
}

func TestTargetAddrConnectsToARunningAdapter(t *testing.T) {
	ref := reference(t)
	// A stand-in for an adapter listening on TCP: each connection gets its own
	// reference client speaking the protocol over it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var sessions sync.WaitGroup
	defer sessions.Wait()
	defer cancel()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			sessions.Add(1)
			go func() {
				defer sessions.Done()
				defer conn.Close()
				cmd := exec.CommandContext(ctx, ref)
				cmd.Stdin, cmd.Stdout = conn, conn
				cmd.Run()
			}()
		}
	}()
	addr := ln.Addr().String()
	for _, procs := range []string{"1", "2"} {
		dir := t.TempDir()
		r := knoxconform(t, dir, 2*time.Minute, "run", "--target-addr", addr, "--cases", "lic/*", "--procs", procs)
		if r.code != 0 {
			t.Fatalf("--target-addr %s --procs %s: want exit 0, got %s", addr, procs, r)
		}
		if s := readSummary(t, filepath.Join(dir, "knoxconform-report")); s.Run.Target != addr || len(s.Cases) == 0 {
			t.Errorf("--procs %s: summary target %q with %d cases", procs, s.Run.Target, len(s.Cases))
		}
	}
}

func TestStrictAndExpectedFailuresDecideTheExitCode(t *testing.T) {
	reference(t) // skips under -short like the other suite runs
	dir := t.TempDir()
	// A mutant that mints a token per call fails only token/reuse's SHOULD.
	mutant := filepath.Join(dir, "mints-token-per-call")
	if b, err := exec.Command("go", "build", "-o", mutant, "../../fixtures/clients/mutants/mints-token-per-call").CombinedOutput(); err != nil {
		t.Fatalf("building the mutant: %v\n%s", err, b)
	}
	known := filepath.Join(dir, "known.txt")
	if err := os.WriteFile(known, []byte("token/reuse  mints a token per call; fixed in 2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args  []string
		code  int
		class reports.Class
	}{
		{nil, 0, reports.NonStrict},
		{[]string{"--strict"}, 1, reports.NonStrict},
		{[]string{"--strict", "--expected-failures", known}, 0, reports.ExpectedFail},
	} {
		args := append([]string{"run", "--target", mutant, "--cases", "token/reuse"}, tt.args...)
		r := knoxconform(t, dir, 2*time.Minute, args...)
		if r.code != tt.code {
			t.Errorf("%v: want exit %d, got %s", tt.args, tt.code, r)
			continue
		}
		s := readSummary(t, filepath.Join(dir, "knoxconform-report"))
		if len(s.Cases) != 1 || s.Cases[0].Class != tt.class {
			t.Errorf("%v: want one %s case, got %+v", tt.args, tt.class, s.Cases)
		}
	}
}

// A passing run's console is knoxconform's own: a progress line per case, the
// verdict with the counts, the run line with the wall time summary.json
// records, and where the reports are. Any other line — Ginkgo's progress
// dots, banners, "Ginkgo ran 1 suite", its own run times — fails.
var ownPassingLine = []*regexp.Regexp{
	regexp.MustCompile(`^$`),
	regexp.MustCompile(`^(PASS|NON-STRICT|FAIL|XFAIL|UNSUPPORTED|ERROR) +\S+ \([0-9.]+(µs|ms|s)\)$`),
	regexp.MustCompile(`^knoxconform: (CONFORMANT|NOT CONFORMANT|ERROR|NO CASES RAN): \d+ cases: `),
	regexp.MustCompile(`^  target .+, seed \d+, \d+ process\(es\), [0-9.]+ m?s$`),
	regexp.MustCompile(`^  reports: `),
}

func checkOwnConsole(t *testing.T, what string, r result, s *reports.Summary) {
	t.Helper()
	for _, line := range strings.Split(r.stdout, "\n") {
		own := false
		for _, re := range ownPassingLine {
			own = own || re.MatchString(line)
		}
		if !own {
			t.Errorf("%s: a console line knoxconform did not write: %q", what, line)
		}
	}
	if strings.TrimSpace(r.stderr) != "" {
		t.Errorf("%s: a passing run wrote to stderr:\n%s", what, r.stderr)
	}
	// One wall time: the console shows the one summary.json (and report.html) records.
	if want := ", " + reports.RunDuration(s.Run.DurationMs) + "\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("%s: the console's run time is not summary.json's %q:\n%s", what, want, r.stdout)
	}
}

func TestMissingTargetIsFoundByOneProbeBeforeAnyCase(t *testing.T) {
	dir := t.TempDir()
	r := knoxconform(t, dir, time.Minute, "run", "--target", "./no-such-adapter --flag", "--procs", "2")
	if r.code != 2 {
		t.Fatalf("want exit 2 (harness error), got %s", r)
	}
	all := r.stdout + r.stderr
	if n := strings.Count(all, "no-such-adapter\": "); n != 1 {
		t.Errorf("the reason is printed %d times, want once:\n%s", n, r)
	}
	if n := strings.Count(all, "\n"); n > 12 {
		t.Errorf("%d lines for one adapter that does not start, want a few:\n%s", n, r)
	}
	s := readSummary(t, filepath.Join(dir, "knoxconform-report"))
	if s.Verdict != reports.VerdictError || len(s.Cases) != 0 || !strings.Contains(s.Run.HarnessError, "no-such-adapter") {
		t.Errorf("summary: verdict %q, %d cases, harness error %q; want ERROR, no case, the reason", s.Verdict, len(s.Cases), s.Run.HarnessError)
	}
}

func TestUnwritableReportDirIsFoundBeforeAnyCase(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The adapter would take a minute to answer; the check must come first.
	r := knoxconform(t, dir, 30*time.Second, "run", "--target", "sh -c 'sleep 60'", "--report-dir", filepath.Join(file, "reports"))
	if r.code != 2 || !strings.Contains(r.stderr, "--report-dir") || r.stdout != "" {
		t.Errorf("want exit 2 naming --report-dir and nothing run, got %s", r)
	}
}

func TestListWarnsWhenTheSelectionMatchesNothing(t *testing.T) {
	r := knoxconform(t, t.TempDir(), time.Minute, "list", "--cases", "nosuch/*", "--format", "json")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("want exit 0 and an empty JSON list, got %s", r)
	}
	for _, want := range []string{`--cases "nosuch/*" matches no case ID`, "matches no case"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// The adapters a parallel run starts see the user's environment: none of the
// workers' plumbing, and GOGC as the user set it (the workers run with their
// own GOGC when the user set none).
func TestAdaptersGetTheUsersEnvironment(t *testing.T) {
	ref := reference(t)
	dir := t.TempDir()
	adapter := "sh -c 'env > " + dir + "/env.$$; exec " + ref + "'"
	for _, userGOGC := range []string{"", "75"} {
		t.Run("GOGC="+userGOGC, func(t *testing.T) {
			matches, _ := filepath.Glob(filepath.Join(dir, "env.*"))
			for _, m := range matches {
				os.Remove(m)
			}
			env := []string{}
			if userGOGC != "" {
				env = append(env, "GOGC="+userGOGC)
			}
			cmd := exec.Command(knoxconformBin, "run", "--target", adapter, "--cases", "http/400/*", "--procs", "2", "--report-dir", t.TempDir())
			cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GOGC=") }), env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			matches, _ = filepath.Glob(filepath.Join(dir, "env.*"))
			if len(matches) < 2 {
				t.Fatalf("%d adapter environments recorded, want the probe's and a worker's at least", len(matches))
			}
			for _, m := range matches {
				b, err := os.ReadFile(m)
				if err != nil {
					t.Fatal(err)
				}
				var gogc string
				for _, kv := range strings.Split(string(b), "\n") {
					if strings.HasPrefix(kv, "KNOXCONFORM_WORKER") || strings.HasPrefix(kv, "KNOXCONFORM_CTL") {
						t.Errorf("%s: the adapter inherited %s", m, kv)
					}
					if v, ok := strings.CutPrefix(kv, "GOGC="); ok {
						gogc = v
					}
				}
				if gogc != userGOGC {
					t.Errorf("%s: the adapter saw GOGC=%q, the user set %q", m, gogc, userGOGC)
				}
			}
		})
	}
}

// A run in one process goes on with the session its probe of the adapter
// started: it starts the adapter once per session that runs cases (the
// probe's, then one more per case it runs at the same time), never a session
// no case needs, and leaves none running. The run-wide case runs on the
// probe's session after the pool's cases.
func TestARunStartsTheAdapterOncePerSession(t *testing.T) {
	ref := reference(t)
	dir := t.TempDir()
	starts := filepath.Join(dir, "starts")
	wrapper := filepath.Join(dir, "adapter.sh")
	if err := os.WriteFile(wrapper, []byte("echo $$ >> \""+starts+"\"\nexec \""+ref+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		args   []string
		starts int
	}{
		{"one case, default", []string{"--cases", "http/400/no-retry"}, 1},
		{"one case and the run-wide one, default", []string{"--cases", "http/400/no-retry,jwt/unique-jti-run"}, 1},
		{"one at a time", []string{"--cases", someCases, "--parallel", "1"}, 1},
		{"two at a time", []string{"--cases", someCases + ",jwt/unique-jti-run", "--parallel", "2"}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(starts)
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			r := knoxconform(t, dir, 3*time.Minute, append([]string{"run", "--target", "sh " + wrapper, "--report-dir", out}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("want exit 0, got %s", r)
			}
			s := readSummary(t, out)
			if s.Verdict != reports.VerdictConformant {
				t.Errorf("verdict %s", s.Verdict)
			}
			b, err := os.ReadFile(starts)
			if err != nil {
				t.Fatal(err)
			}
			pids := strings.Fields(string(b))
			if len(pids) != tt.starts {
				t.Errorf("the adapter was started %d times for %d cases; want %d", len(pids), len(s.Cases), tt.starts)
			}
			for _, f := range pids {
				pid, _ := strconv.Atoi(f)
				if pid > 0 && alive(pid) {
					t.Errorf("adapter process %d is still running after the run", pid)
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
}
