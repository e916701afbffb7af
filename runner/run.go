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
	if err := prepareReportDir(cfg.ReportDir); err != nil {
		fmt.Fprintf(stderr, "knoxconform: %v\n", err)
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
		warnUnmatched(stderr, g)
	}

	start := time.Now()
	// --cases that matches nothing: answer "no case ran" without starting
	// anything. (A --label-filter that matches nothing ends the same way,
	// through Ginkgo: ReportAfterSuite runs even when no spec did.)
	if cfg.selectsNothing() {
		if err := writeNoCases(cfg, "", time.Since(start)); err != nil {
			fmt.Fprintf(stderr, "knoxconform: %v\n", err)
			return ExitError
		}
		fmt.Fprintln(stderr, "knoxconform: the selection (--cases, --label-filter) matches no case; nothing ran.")
		return finish(cfg, summaryPath, false, time.Since(start), nil, stdout, stderr)
	}

	// The simulated Knox Clouds' key pairs are made once for the run (every
	// worker would otherwise make its own), while the probe runs.
	shared := make(chan error, 1)
	go func() { shared <- knoxtest.ShareKeys(tmpRoot) }()
	// One probe of the target before any case: an adapter that cannot start
	// is reported once, not as an ERROR per case and per worker.
	// A run in this process goes on with the probe's session rather than
	// starting the adapter a second time; worker processes start their own.
	session, err := probeTarget(cfg, trace, cfg.Procs <= 1)
	if serr := <-shared; serr != nil && trace != nil {
		fmt.Fprintf(trace, "%v (each process makes its own)\n", serr)
	}
	if err != nil {
		// A --label-filter that selects nothing is exit 3 whatever the
		// target; ask Ginkgo's dry preview only now, when the suite will not
		// run in this process (one process cannot preview and then run).
		if cfg.LabelFilter != "" {
			if sel, serr := SelectCases(cfg.Cases, cfg.LabelFilter); serr == nil && len(sel) == 0 {
				if werr := writeNoCases(cfg, "", time.Since(start)); werr != nil {
					fmt.Fprintf(stderr, "knoxconform: %v\n", werr)
					return ExitError
				}
				fmt.Fprintln(stderr, "knoxconform: the selection (--cases, --label-filter) matches no case; nothing ran.")
				return finish(cfg, summaryPath, false, time.Since(start), nil, stdout, stderr)
			}
		}
		if werr := writeNoCases(cfg, err.Error(), time.Since(start)); werr != nil {
			fmt.Fprintf(stderr, "knoxconform: %v\n%v\n", err, werr)
			return ExitError
		}
		return finish(cfg, summaryPath, false, time.Since(start), nil, stdout, stderr)
	}

	reporter, restore := silenceGinkgoReporter()
	defer restore()
	var interrupted bool
	var orchestrator []byte
	if cfg.Procs > 1 {
		// The tree is built only in the workers.
		stop := captureStdout()
		interrupted, err = runParallel(cfg, stdout, stderr, trace)
		orchestrator = stop()
		if err != nil {
			fmt.Fprintf(stderr, "knoxconform: %v\n", err)
			return ExitError
		}
	} else {
		interrupted = runSerial(cfg, session, stdout, trace)
	}
	captured := append(reporter.bytes(), orchestrator...)
	return finish(cfg, summaryPath, interrupted, time.Since(start), captured, stdout, stderr)
}

// prepareReportDir creates the report directory and proves, before anything
// runs, that the reports can be written there: a directory that exists but
// is read-only (or full) would otherwise be found only after every case ran.
func prepareReportDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--report-dir: cannot create the report directory: %v", err)
	}
	f, err := os.CreateTemp(dir, ".knoxconform-write-check-*")
	if err != nil {
		return fmt.Errorf("--report-dir %s: the reports cannot be written there (%v); make it writable or choose another directory with --report-dir", dir, plainPathErr(err))
	}
	name := f.Name()
	_, werr := f.WriteString("knoxconform checks that its reports can be written here\n")
	cerr := f.Close()
	rerr := os.Remove(name)
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return fmt.Errorf("--report-dir %s: the reports cannot be written there (%v); free space or choose another directory with --report-dir", dir, err)
	}
	return nil
}

// plainPathErr drops the temporary file name from an *os.PathError.
func plainPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writeNoCases writes the reports of a run in which no case ran: the
// selection was empty, or (harnessError) the target could not be started.
func writeNoCases(cfg *Config, harnessError string, took time.Duration) error {
	s := &reports.Summary{Run: cfg.suiteOptions(nil).Run}
	s.Run.HarnessError = harnessError
	s.Run.DurationMs = float64(took.Microseconds()) / 1000
	if err := reports.WriteAll(cfg.ReportDir, s, types.Report{}); err != nil {
		return fmt.Errorf("cannot write the reports: %v", err)
	}
	return nil
}

// runSerial runs every case in this process.
func runSerial(cfg *Config, session *suiteSession, stdout, trace io.Writer) (interrupted bool) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	gomega.RegisterFailHandler(ginkgo.Fail)
	registerProgress(consoleProgress(stdout), cfg.expected, cfg.Verbose)
	opts := cfg.suiteOptions(trace)
	opts.Session = session
	if session != nil {
		// The suite closes it when it is done with it; this covers a run
		// in which Ginkgo starts no case (closing twice is harmless).
		defer session.Target.Close()
	}
	suiteRegister(opts)
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
			Parallel:    c.pool(),
			Args:        c.Args,
		},
		RerunCommand: c.RerunCommand,
		Pool:         c.pool(),
		PoolCases:    c.poolCases(),
	}
}

// pool is how many cases this process runs at once: 0 (one at a time, each in
// its spec) in a worker of --procs and in a run of --parallel 1.
func (c *Config) pool() int {
	if c.Procs != 1 || c.Parallel <= 1 {
		return 0
	}
	return c.Parallel
}

// poolCases are the IDs of the cases the run selects, for the pool.
func (c *Config) poolCases() []string {
	if c.pool() == 0 {
		return nil
	}
	ids, err := suiteSelectedIDs(splitList(c.Cases), c.LabelFilter)
	if err != nil {
		return nil // Validate rejected a bad filter already
	}
	return ids
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
// captured is what Ginkgo's reporter (and, in a parallel run, its
// orchestrator) printed; it is shown only when the run ended without a
// summary, where it may say why.
func finish(cfg *Config, summaryPath string, interrupted bool, took time.Duration, captured []byte, stdout, stderr io.Writer) int {
	s, err := reports.Load(summaryPath)
	if err != nil {
		if out := strings.TrimSpace(string(captured)); out != "" {
			fmt.Fprintf(stderr, "knoxconform: Ginkgo, which runs the cases, said (last %d KiB at most):\n%s\n", maxCaptured>>10, ansiRe.ReplaceAllString(out, ""))
		}
		fmt.Fprintf(stderr, "\nknoxconform: the run ended without a usable summary (%v).\n", err)
		fmt.Fprintf(stderr, "The suite did not finish writing its reports; the output above says why. Exit status 2 (harness error).\n")
		return ExitError
	}
	printSummary(stdout, cfg, s, summaryPath)
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

// maxDetailed caps the failures printed in full; the rest get one line each
// (with the command that reruns them), and every detail is in the reports.
const maxDetailed = 10

// printSummary prints the end of a run: each failure once, in full (the
// requirement, Expected/Actual per failed check, what the client reported,
// the attempts and the rerun command), then the cases that only failed SHOULD
// checks, unexpected passes, and last the verdict, the counts, the wall time
// (the one in summary.json and report.html) and where the reports are.
func printSummary(w io.Writer, cfg *Config, s *reports.Summary, summaryPath string) {
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
		fmt.Fprintf(w, "\nEvery case was an ERROR because of the harness error below; fix it, then run again:\n  %s\n", quoteArgs(cfg.Args))
	case len(failed) > 0:
		failed = printSharedErrors(w, cfg, failed)
		for i, c := range failed {
			if i == maxDetailed {
				fmt.Fprintf(w, "\n%d more failed (details in %s and %s):\n", len(failed)-i, reports.HTMLFile, reports.SummaryJSONFile)
				for _, c := range failed[i:] {
					fmt.Fprintf(w, "  %-11s %s\n      %s\n", c.Class, c.ID, rerunOf(cfg, c))
				}
				break
			}
			if c.Rerun == "" {
				c.Rerun = cfg.RerunCommand(c.ID)
			}
			// FailureText's first line names the case: it heads the block.
			head, body, _ := strings.Cut(reports.FailureText(c), "\n")
			fmt.Fprintf(w, "\n--- %s\n%s", head, indent(body, "    "))
		}
	}
	if len(lenient) > 0 {
		fmt.Fprintln(w, "\nOnly SHOULD checks failed (these fail the run under --strict; details in the reports):")
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

	var counts []string
	total := 0
	for _, c := range reports.Classes() {
		counts = append(counts, fmt.Sprintf("%d %s", s.Counts[c], c))
		total += s.Counts[c]
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "knoxconform: %s: %d cases: %s\n", s.Verdict, total, strings.Join(counts, ", "))
	spread := fmt.Sprintf("%d process(es)", max(cfg.Procs, 1))
	if s.Run.Parallel > 1 {
		spread = fmt.Sprintf("%d cases at once", s.Run.Parallel)
	}
	fmt.Fprintf(w, "  target %s, seed %d, %s, %s\n", s.Run.Target, s.Run.Seed, spread, reports.RunDuration(s.Run.DurationMs))
	if s.Run.HarnessError != "" {
		fmt.Fprintf(w, "  harness error: %s\n", strings.ReplaceAll(s.Run.HarnessError, "\n", "\n  "))
		if len(s.Cases) == 0 {
			fmt.Fprintf(w, "  fix it, then run again: %s\n", quoteArgs(cfg.Args))
		}
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
}

// minShared is how many ERROR cases with one reason are printed as one block.
const minShared = 3

// printSharedErrors prints once each reason that made minShared or more cases
// ERROR (an adapter that crashes on every newClient would otherwise fill the
// console with one identical block per case) and returns the other failures.
func printSharedErrors(w io.Writer, cfg *Config, failed []reports.CaseResult) []reports.CaseResult {
	byReason := map[string][]reports.CaseResult{}
	for _, c := range failed {
		if c.Class == reports.Error && c.Reason != "" {
			byReason[c.Reason] = append(byReason[c.Reason], c)
		}
	}
	var rest []reports.CaseResult
	printed := map[string]bool{}
	for _, c := range failed {
		group := byReason[c.Reason]
		if c.Class != reports.Error || len(group) < minShared {
			rest = append(rest, c)
			continue
		}
		if printed[c.Reason] {
			continue
		}
		printed[c.Reason] = true
		ids := make([]string, 0, len(group))
		for _, g := range group {
			ids = append(ids, g.ID)
		}
		if len(ids) > maxDetailed {
			ids = append(ids[:maxDetailed], fmt.Sprintf("… and %d more", len(group)-maxDetailed))
		}
		fmt.Fprintf(w, "\n--- ERROR in %d cases, for one reason (a harness problem, not a verdict on the client)\n", len(group))
		fmt.Fprintf(w, "    Reason: %s\n    Cases: %s\n", c.Reason, strings.Join(ids, ", "))
		if tail := logTail(c.Stderr); tail != "" {
			fmt.Fprintf(w, "    The adapter's log (stderr) in %s ended with:\n%s\n", c.ID, indent(tail, "    "))
		}
		fmt.Fprintf(w, "    Rerun one: %s\n", rerunOf(cfg, c))
	}
	return rest
}

func rerunOf(cfg *Config, c reports.CaseResult) string {
	if c.Rerun != "" {
		return c.Rerun
	}
	return cfg.RerunCommand(c.ID)
}

// indent prefixes every non-empty line of s.
func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	return b.String()
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
