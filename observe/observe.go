// Package observe is `knoxconform observe`: judging a Knox client without an
// adapter. It starts the simulated Knox Cloud with fresh credentials, runs the
// team's own command (an integration test, a script, a CLI) with those
// credentials in documented environment variables, injects a seeded plan of
// documented faults into the traffic the command makes, and judges what
// followed each fault with the conformance suite's own rules, writing the
// same report files as `knoxconform run`.
//
// The judge is passive: it sees the simulated server's journal and nothing the
// client reported, so it applies only the rules the journal alone decides. It
// never implements a rule itself; every check is a conformance.Requirement.
package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/runner"
)

// PlanFile is the name of the plan written beside the reports, for --plan.
const PlanFile = "observe-plan.json"

// DefaultTimeout bounds COMMAND unless --timeout says otherwise.
const DefaultTimeout = 10 * time.Minute

// DefaultMaxRequests bounds the requests COMMAND may send: far more than any
// test suite needs, far fewer than a retry loop sends in minutes.
const DefaultMaxRequests = 20000

// errFlood ends COMMAND when it floods the server.
var errFlood = errors.New("flood")

// Config is one observed run.
type Config struct {
	// Command is COMMAND and its arguments, run without a shell.
	Command []string
	// Seed chooses the fault plan; 0 takes one from the clock.
	Seed int64
	// Faults selects the fault classes (names, comma-separated lists or "all");
	// empty means all.
	Faults []string
	// PlanFile, when set, is a plan to use instead of one chosen by seed.
	PlanFile string
	// ReportDir receives the reports and the plan.
	ReportDir string
	// Strict counts NON-STRICT cases as failures of the run.
	Strict bool
	// ExpectedFailuresFile lists known failures (as for `run`).
	ExpectedFailuresFile string
	// Timeout stops COMMAND (its whole process group) after this long.
	Timeout time.Duration
	// TLS serves HTTPS; COMMAND gets the CA file.
	TLS bool
	// ConfigFile is where the config file is written; "" puts it in a
	// temporary directory removed after the run.
	ConfigFile string
	// MaxRequests stops COMMAND once the server has seen more requests than
	// this (a retry loop), keeping the journal bounded; 0 means
	// DefaultMaxRequests.
	MaxRequests int
	// Version and Args are recorded in the reports.
	Version string
	Args    []string
}

// Run observes cfg.Command and returns knoxconform's exit status: 0
// conformant, 1 not conformant, 2 harness or usage error, 3 nothing judged.
// ctx ending (Ctrl-C) stops the command and marks the run interrupted.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "knoxconform observe: "+format+"\n", args...)
		return runner.ExitError
	}
	if len(cfg.Command) == 0 {
		return fail("no COMMAND to observe; put it after --, e.g. knoxconform observe -- npm test")
	}
	plan, err := choosePlan(cfg)
	if err != nil {
		return fail("%v", err)
	}
	expected, err := loadExpected(cfg.ExpectedFailuresFile, plan)
	if err != nil {
		return fail("%v", err)
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = runner.DefaultReportDir
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
		return fail("cannot create the report directory: %v", err)
	}
	planPath := filepath.Join(cfg.ReportDir, PlanFile)
	if err := plan.WriteFile(planPath); err != nil {
		return fail("write the plan: %v", err)
	}

	srv, err := startServer(cfg.TLS)
	if err != nil {
		return fail("start the simulated Knox Cloud: %v", err)
	}
	defer srv.Close()
	for route, steps := range plan.Steps() {
		srv.Script(route, steps...)
	}
	s := settings{Endpoints: srv.Endpoints(), Credentials: srv.Credentials(), CAFile: srv.CAFile()}
	s.SAAuthCode = srv.IssueAuthCode(s.Credentials.SAClientID)

	configFile := cfg.ConfigFile
	if configFile == "" {
		dir, err := os.MkdirTemp("", "knoxconform-observe-")
		if err != nil {
			return fail("create a directory for the config file: %v", err)
		}
		defer os.RemoveAll(dir)
		configFile = filepath.Join(dir, "knox-config.json")
	}
	if err := writeSettings(configFile, s); err != nil {
		return fail("write the config file: %v", err)
	}

	cmdLine := shellQuote(cfg.Command)
	fmt.Fprintf(stdout, "knoxconform observe: simulated Knox Cloud at %s; fault plan (seed %d):\n%s", srv.URL, plan.Seed, plan.Describe())
	fmt.Fprintf(stdout, "Running %s (environment: KNOX_BASE_URL, KNOX_KEYS_FILE, KNOX_CLIENT_IDENTIFIER, … and %s=%s)\n\n", cmdLine, EnvConfigFile, configFile)

	start := time.Now()
	cmdCtx, stopCmd := context.WithCancelCause(ctx)
	go watchFlood(cmdCtx, srv, cfg.MaxRequests, stopCmd)
	res := runCommand(cmdCtx, cfg.Command, environ(os.Environ(), s, configFile), cfg.Timeout, stdout, stderr)
	stopCmd(nil)
	if errors.Is(context.Cause(cmdCtx), errFlood) {
		res.report.Note = fmt.Sprintf("stopped by knoxconform: it sent more than %d requests (a retry loop?); the requests so far are judged", cfg.MaxRequests)
	}
	journal := srv.Journal()

	rerun := "knoxconform observe --plan " + shellQuote([]string{planPath}) + " --report-dir " + shellQuote([]string{cfg.ReportDir}) + " -- " + cmdLine
	cases := Judge(journal, plan, s.Credentials, expected)
	for i := range cases {
		cases[i].Rerun = rerun
	}
	run := reports.Run{Knoxconform: cfg.Version, Adapter: reports.Software{Name: "(none: observe)", Version: ""},
		Client: reports.Software{Name: cfg.Command[0]}, Target: cmdLine, Seed: plan.Seed,
		Start: start.UTC().Format(time.RFC3339), DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		Strict: cfg.Strict, Procs: 1, Args: cfg.Args, Command: &res.report}
	switch {
	case res.startErr != nil:
		run.HarnessError = fmt.Sprintf("COMMAND did not start: %v", res.startErr)
	case ctx.Err() != nil:
		run.Interrupted = true
	}
	sum := &reports.Summary{Run: run, Cases: cases}
	werr := reports.WriteAllWith(cfg.ReportDir, sum, types.Report{}, reports.Options{Secrets: secretsOf(s)})
	printSummary(stdout, sum, res.report, cfg.ReportDir, plan)
	if werr != nil {
		fmt.Fprintf(stderr, "knoxconform observe: %v\n", werr)
		return runner.ExitError
	}
	return reports.ExitCode(sum)
}

// watchFlood stops the command (stop with errFlood) once the server has seen
// more than max requests, until ctx ends.
func watchFlood(ctx context.Context, srv *knoxtest.Server, max int, stop context.CancelCauseFunc) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if srv.JournalLen() > max {
				stop(errFlood)
				return
			}
		}
	}
}

// choosePlan is the plan from --plan, or one chosen by seed from --faults.
func choosePlan(cfg Config) (Plan, error) {
	if cfg.PlanFile != "" {
		if cfg.Seed != 0 || len(cfg.Faults) > 0 {
			return Plan{}, errors.New("--plan names the faults and their places; leave out --seed and --faults")
		}
		return LoadPlan(cfg.PlanFile)
	}
	classes := Classes()
	if len(cfg.Faults) > 0 {
		var err error
		if classes, err = ParseClasses(cfg.Faults); err != nil {
			return Plan{}, err
		}
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = time.Now().UnixNano() % 1_000_000_000
		if seed == 0 {
			seed = 1
		}
	}
	return NewPlan(seed, classes), nil
}

func loadExpected(path string, plan Plan) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--expected-failures: %w", err)
	}
	defer f.Close()
	known := map[string]bool{}
	for _, id := range CaseIDs(plan) {
		known[id] = true
	}
	return runner.ParseExpectedFailures(f, path, known)
}

// CaseIDs lists the case IDs an observed run with plan reports.
func CaseIDs(plan Plan) []string {
	var ids []string
	for _, f := range plan.Faults {
		ids = append(ids, f.ID())
	}
	for _, w := range runWide(knoxtest.Credentials{}) {
		ids = append(ids, w.id)
	}
	return ids
}

// startServer starts the simulated Knox Cloud, turning knoxtest's panic on a
// set-up failure into an error.
func startServer(tls bool) (srv *knoxtest.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	var opts []knoxtest.Option
	if tls {
		opts = append(opts, knoxtest.WithTLS())
	}
	return knoxtest.NewServer(opts...), nil
}

// secretsOf are the values that must never reach a report.
func secretsOf(s settings) []string {
	out := []string{s.Credentials.SAClientSecret, s.SAAuthCode}
	if b, err := os.ReadFile(s.Credentials.KeysFile); err == nil {
		var k struct{ Private string }
		if json.Unmarshal(b, &k) == nil && k.Private != "" {
			out = append(out, k.Private)
		}
	}
	return out
}

// commandResult is how COMMAND ended.
type commandResult struct {
	report   reports.CommandRun
	startErr error
}

// outputTail bounds what is kept of COMMAND's output for the reports.
const outputTail = 4 << 10

// runCommand runs argv in its own process group, with its output going to
// ours as it comes, and ends the whole group when it exits, on timeout or on
// ctx: nothing it started outlives the observation.
func runCommand(ctx context.Context, argv, env []string, timeout time.Duration, stdout, stderr io.Writer) commandResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	tail := &tailBuffer{max: outputTail}
	cmd.Stdout = io.MultiWriter(stdout, tail)
	cmd.Stderr = io.MultiWriter(stderr, tail)
	ownProcessGroup(cmd)
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	cmd.WaitDelay = time.Second
	start := time.Now()
	var res commandResult
	if err := cmd.Start(); err != nil {
		res.startErr = err
		res.report = reports.CommandRun{Line: shellQuote(argv), ExitStatus: -1, Note: "did not start: " + err.Error()}
		return res
	}
	err := cmd.Wait()
	_ = killProcessGroup(cmd) // background children of a command that already exited
	res.report = reports.CommandRun{Line: shellQuote(argv), ExitStatus: cmd.ProcessState.ExitCode(),
		DurationMs: float64(time.Since(start).Microseconds()) / 1000, OutputTail: tail.String()}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.report.Note = fmt.Sprintf("stopped by knoxconform after --timeout %s", timeout)
	case ctx.Err() != nil:
		res.report.Note = "stopped by knoxconform: the observation was interrupted"
	case err != nil && res.report.ExitStatus < 0:
		res.report.Note = err.Error()
	}
	return res
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.ToValidUTF8(t.buf, []byte("?")))
}

// shellQuote renders argv as one line a POSIX shell reads back as argv.
func shellQuote(argv []string) string {
	var parts []string
	for _, a := range argv {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}

// printSummary is the console's account of the run: one line per case, then
// how the command ended, the verdict and where the reports are.
func printSummary(w io.Writer, s *reports.Summary, cmd reports.CommandRun, dir string, plan Plan) {
	fmt.Fprintln(w)
	for _, c := range s.Cases {
		line := fmt.Sprintf("%-11s %s", c.Class, c.ID)
		switch {
		case c.Reason != "":
			line += "  (" + c.Reason + ")"
		default:
			for _, ch := range c.Checks {
				if !ch.Passed {
					line += fmt.Sprintf("\n              [%s] %s\n                Expected: %s\n                Actual:   %s", ch.Level, ch.Name, ch.Expected, ch.Actual)
				}
			}
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "\nCOMMAND %s exited with status %d", cmd.Line, cmd.ExitStatus)
	if cmd.Note != "" {
		fmt.Fprintf(w, " (%s)", cmd.Note)
	}
	fmt.Fprintf(w, "\n%s — reports in %s; repeat this plan with --plan %s (seed %d)\n",
		s.Verdict, dir, filepath.Join(dir, PlanFile), plan.Seed)
}
