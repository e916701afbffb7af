package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
)

// SuiteDescription is the name Ginkgo prints for the run.
const SuiteDescription = "Knox client conformance"

// failT is the GinkgoTestingT RunSpecs needs; only Fail is ever called.
type failT struct{ failed bool }

func (t *failT) Fail() { t.failed = true }

// Run validates cfg, runs the suite (in this process, or over cfg.Procs
// worker processes), prints the summary to stdout and returns the exit code
// read from the summary.json the run wrote. Problems are printed to stderr.
// Call it at most once per process: Ginkgo runs one suite per process.
func Run(cfg *Config, stdout, stderr io.Writer) int {
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "knoxconform: %v\n", err)
		if IsUsage(err) {
			fmt.Fprintln(stderr, "Run 'knoxconform run --help' for usage.")
		}
		return ExitError
	}
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "knoxconform: cannot create the report directory: %v\n", err)
		return ExitError
	}
	// The exit code comes from the summary this run writes: a stale one from
	// an earlier run must never decide it.
	summaryPath := filepath.Join(cfg.ReportDir, reports.SummaryJSONFile)
	if err := os.Remove(summaryPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "knoxconform: cannot remove the previous %s: %v\n", summaryPath, err)
		return ExitError
	}

	// Every simulated Knox Cloud of the run, here and in the workers, keeps its
	// keys.json (a private key) under this one directory, removed when the run
	// ends however it ends: an interrupt can skip the servers' own cleanup.
	tmpRoot, err := os.MkdirTemp("", "knoxconform-run-")
	if err != nil {
		fmt.Fprintf(stderr, "knoxconform: cannot create a temporary directory: %v\n", err)
		return ExitError
	}
	defer os.RemoveAll(tmpRoot)
	defer restoreEnv(knoxtest.TempDirEnv)()
	os.Setenv(knoxtest.TempDirEnv, tmpRoot)

	trace, closeTrace, err := openTrace(cfg.Trace, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "knoxconform: --trace: %v\n", err)
		return ExitError
	}
	defer closeTrace()

	for _, g := range cfg.unmatched {
		fmt.Fprintf(stderr, "knoxconform: warning: --cases %q matches no case ID (run `knoxconform list` to see them)\n", g)
	}

	start := time.Now()
	// --cases that matches nothing: answer "no case ran" without starting
	// anything. (A --label-filter that matches nothing ends the same way,
	// through Ginkgo: ReportAfterSuite runs even when no spec did.)
	if cfg.selectsNothing() {
		if err := writeNoCases(cfg); err != nil {
			fmt.Fprintf(stderr, "knoxconform: %v\n", err)
			return ExitError
		}
		fmt.Fprintln(stderr, "knoxconform: the selection (--cases, --label-filter) matches no case; nothing ran.")
		return finish(cfg, summaryPath, false, time.Since(start), stdout, stderr)
	}

	var interrupted bool
	if cfg.Procs > 1 {
		// The tree is built only in the workers.
		interrupted, err = runParallel(cfg, stdout, stderr, trace)
		if err != nil {
			fmt.Fprintf(stderr, "knoxconform: %v\n", err)
			return ExitError
		}
	} else {
		interrupted = runSerial(cfg, stdout, trace)
	}
	return finish(cfg, summaryPath, interrupted, time.Since(start), stdout, stderr)
}

// writeNoCases writes the reports of a run whose selection was empty.
func writeNoCases(cfg *Config) error {
	s := &reports.Summary{Run: cfg.suiteOptions(nil).Run}
	if err := reports.WriteAll(cfg.ReportDir, s, types.Report{}); err != nil {
		return fmt.Errorf("cannot write the reports: %v", err)
	}
	return nil
}

// runSerial runs every case in this process.
func runSerial(cfg *Config, stdout, trace io.Writer) (interrupted bool) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	gomega.RegisterFailHandler(ginkgo.Fail)
	registerProgress(consoleProgress(stdout), cfg.expected, cfg.Verbose)
	suiteRegister(cfg.suiteOptions(trace))
	suiteConfig, reporterConfig := ginkgoConfig(cfg)
	ginkgo.RunSpecs(&failT{}, SuiteDescription, suiteConfig, reporterConfig)

	select {
	case <-sigs:
		return true
	default:
		return false
	}
}

// suiteOptions builds the options every process passes to the suite.
func (c *Config) suiteOptions(trace io.Writer) suiteOptions {
	return suiteOptions{
		Target:           c.Target,
		TargetAddr:       c.TargetAddr,
		Strict:           c.Strict,
		Trace:            trace,
		ReportDir:        c.ReportDir,
		ExpectedFailures: c.expected,
		Run: reports.Run{
			Knoxconform: c.Version,
			Target:      c.targetString(),
			Seed:        c.Seed,
			Start:       time.Now().UTC().Format(time.RFC3339),
			Strict:      c.Strict,
			Procs:       c.Procs,
			Args:        c.Args,
		},
		RerunCommand: c.RerunCommand,
	}
}

func (c *Config) targetString() string {
	if c.Target != "" {
		return c.Target
	}
	return c.TargetAddr
}

// openTrace opens the --trace sink: stderr for "-", a file otherwise.
func openTrace(spec string, stderr io.Writer) (io.Writer, func(), error) {
	switch spec {
	case "":
		return nil, func() {}, nil
	case "-":
		return &lockedWriter{w: stderr}, func() {}, nil
	}
	f, err := os.Create(spec)
	if err != nil {
		return nil, nil, err
	}
	return &lockedWriter{w: f}, func() { f.Close() }, nil
}

// finish reads the summary the run wrote, prints it and picks the exit code.
func finish(cfg *Config, summaryPath string, interrupted bool, took time.Duration, stdout, stderr io.Writer) int {
	s, err := reports.Load(summaryPath)
	if err != nil {
		fmt.Fprintf(stderr, "\nknoxconform: the run ended without a usable summary (%v).\n", err)
		fmt.Fprintf(stderr, "The suite did not finish writing its reports; the output above says why. Exit status 2 (harness error).\n")
		return ExitError
	}
	fmt.Fprintln(stdout)
	printSummary(stdout, cfg, s, summaryPath, took)
	code := reports.ExitCode(s)
	if code == ExitConformant || code == ExitNoCases {
		// A run cut short proves nothing, whatever had finished by then.
		switch {
		case interrupted:
			fmt.Fprintln(stderr, "knoxconform: the run was interrupted; exit status 2.")
			return ExitError
		case took >= cfg.Timeout:
			fmt.Fprintf(stderr, "knoxconform: the run reached --timeout %s before every case ran; exit status 2. Raise --timeout or select fewer cases.\n", cfg.Timeout)
			return ExitError
		}
	}
	return code
}

func printSummary(w io.Writer, cfg *Config, s *reports.Summary, summaryPath string, took time.Duration) {
	var counts []string
	total := 0
	for _, c := range reports.Classes() {
		counts = append(counts, fmt.Sprintf("%d %s", s.Counts[c], c))
		total += s.Counts[c]
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "knoxconform: %s: %d cases: %s\n", s.Verdict, total, strings.Join(counts, ", "))
	fmt.Fprintf(w, "  target %s, seed %d, %d process(es), %s\n", s.Run.Target, s.Run.Seed, max(cfg.Procs, 1), took.Round(10*time.Millisecond))
	if s.Run.HarnessError != "" {
		fmt.Fprintf(w, "  harness error: %s\n", s.Run.HarnessError)
	}
	if s.Run.Interrupted {
		fmt.Fprintln(w, "  interrupted: not every case ran")
	}
	dir := filepath.Dir(summaryPath)
	var files []string
	for _, f := range []string{reports.SummaryJSONFile, reports.MarkdownFile, reports.HTMLFile, reports.JUnitFile, reports.GinkgoJSONFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			files = append(files, f)
		}
	}
	fmt.Fprintf(w, "  reports: %s (%s)\n", dir, strings.Join(files, ", "))

	var failed, unexpected, lenient []reports.CaseResult
	for _, c := range s.Cases {
		switch {
		case c.Class == reports.Fail || c.Class == reports.Error || (c.Class == reports.NonStrict && s.Run.Strict):
			failed = append(failed, c)
		case c.Class == reports.NonStrict:
			lenient = append(lenient, c)
		case c.UnexpectedPass:
			unexpected = append(unexpected, c)
		}
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].ID < failed[j].ID })
	switch {
	case len(failed) > 0 && len(failed) == len(s.Cases) && s.Run.HarnessError != "":
		// Every case failed for one reason outside the client: one command, not N.
		fmt.Fprintln(w, "\nEvery case was an ERROR because of the harness error above; fix it, then run again:")
		fmt.Fprintf(w, "  %s\n", quoteArgs(cfg.Args))
	case len(failed) > 0:
		fmt.Fprintln(w, "\nRerun a failed case alone:")
		for i, c := range failed {
			if i == maxRerunLines {
				fmt.Fprintf(w, "  … and %d more (every case's command is in %s, field \"rerun\")\n", len(failed)-i, reports.SummaryJSONFile)
				break
			}
			cmd := c.Rerun
			if cmd == "" {
				cmd = cfg.RerunCommand(c.ID)
			}
			fmt.Fprintf(w, "  %-11s %s\n      %s\n", c.Class, c.ID, cmd)
		}
	}
	if len(lenient) > 0 {
		fmt.Fprintln(w, "\nOnly SHOULD checks failed (these fail the run under --strict):")
		for i, c := range lenient {
			if i == maxRerunLines {
				fmt.Fprintf(w, "  … and %d more\n", len(lenient)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", c.ID)
		}
	}
	if len(unexpected) > 0 {
		fmt.Fprintln(w, "\nListed in --expected-failures but passed (remove them from the list):")
		for _, c := range unexpected {
			fmt.Fprintf(w, "  %s\n", c.ID)
		}
	}
}

// maxRerunLines caps the rerun commands printed; summary.json has them all.
const maxRerunLines = 20

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = ShellQuote(a)
	}
	return strings.Join(q, " ")
}

// wireConfig is what the parent hands its workers (as JSON in workerEnv's
// sibling variable): everything a worker needs to build the identical tree.
type wireConfig struct {
	Config
	Expected map[string]string
	// Dir is the parent's working directory.
	Dir string
}

// restoreEnv returns a function that puts the variable k back as it is now.
func restoreEnv(k string) func() {
	old, had := os.LookupEnv(k)
	return func() {
		if had {
			os.Setenv(k, old)
		} else {
			os.Unsetenv(k)
		}
	}
}
