// Package runner runs the conformance suite the way the knoxconform binary
// does: it turns knoxconform's own flags into Ginkgo configuration, runs the
// suite in this process (serial) or spreads it over worker processes that are
// copies of this binary (--procs N), forwards interrupts to them, and maps the
// summary.json the suite writes to knoxconform's exit code.
//
// Ginkgo must never end the process behind our back: everything Ginkgo would
// reject with os.Exit (a bad label filter, programmatic focus, a second
// RunSpecs) is validated or avoided here first. The runner never judges cases;
// the verdict is the one written in summary.json.
package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// Exit codes of knoxconform run, mirrored from reports.ExitCode so usage
// errors (which never reach a summary) use the same numbering.
const (
	ExitConformant    = 0
	ExitNotConformant = 1
	ExitError         = 2 // harness error or usage error
	ExitNoCases       = 3
)

// DefaultReportDir is where reports go when --report-dir is not given.
const DefaultReportDir = "knoxconform-report"

// DefaultTimeout bounds a whole run unless --timeout says otherwise. Ginkgo's
// own default (1h) is never used silently.
const DefaultTimeout = 30 * time.Minute

// Config is one `knoxconform run`, as given on the command line.
type Config struct {
	// Target is the adapter command line (--target); TargetAddr a running
	// adapter's host:port (--target-addr). Exactly one is set.
	Target     string
	TargetAddr string
	// Cases are case-ID globs (--cases); a case runs if it matches any.
	Cases []string
	// LabelFilter is a Ginkgo label filter expression (--label-filter).
	LabelFilter string
	Strict      bool
	// ExpectedFailuresFile lists known failures (--expected-failures).
	ExpectedFailuresFile string
	// Procs is the number of worker processes (each runs its cases one at a
	// time); 1 runs in this process and 0 means 1 with Parallel cases at once.
	Procs int
	// Parallel is how many cases run at once in this process, each on its own
	// adapter session (--parallel); 0 with Procs 0 means DefaultParallel(),
	// and 0 or 1 otherwise runs one case at a time.
	Parallel int
	// ReportDir receives every artifact; made absolute by Validate.
	ReportDir string
	// Trace is "" (off), "-" (stderr) or a file that receives every adapter
	// message and HTTP exchange; a file is made absolute by Validate.
	Trace string
	// Seed orders the specs; 0 picks one from the clock (recorded in the report).
	Seed    int64
	Timeout time.Duration
	NoColor bool
	Verbose bool
	// Args is the command line as typed, for the report (no secrets are taken
	// as flags, so it is recorded as is).
	Args []string
	// Version is knoxconform's version, for the report.
	Version string

	// expected is the parsed ExpectedFailuresFile, filled by Validate.
	expected map[string]string
	// focus holds the Ginkgo focus regexps for Cases, filled by Validate.
	focus []string
	// unmatched are the --cases globs that match no case ID.
	unmatched []string
}

// UsageError is a mistake on the command line or in a file it names. The run
// never starts; knoxconform prints the message and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// IsUsage reports whether err is a *UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// Validate checks everything Ginkgo or the suite would otherwise reject
// later (or, worse, with os.Exit), fills defaults and makes paths absolute.
// It reads the expected-failures file. All its errors are *UsageError.
func (c *Config) Validate() error {
	c.Target = strings.TrimSpace(c.Target)
	c.TargetAddr = strings.TrimSpace(c.TargetAddr)
	switch {
	case c.Target == "" && c.TargetAddr == "":
		return usagef("no target: give the adapter command with --target '<command>' (e.g. --target './my-adapter --verbose') or a running adapter with --target-addr host:port")
	case c.Target != "" && c.TargetAddr != "":
		return usagef("both --target and --target-addr given: use exactly one (--target starts the adapter, --target-addr connects to one already running)")
	}
	if c.TargetAddr != "" {
		if err := checkHostPort(c.TargetAddr); err != nil {
			return usagef("--target-addr %q: %v", c.TargetAddr, err)
		}
	}
	if c.Procs < 0 {
		return usagef("--procs %d: the number of worker processes must be 1 or more (0: one process, with --parallel cases at once)", c.Procs)
	}
	if c.Parallel < 0 {
		return usagef("--parallel %d: the number of cases at once must be 1 or more (0 picks one for this machine)", c.Parallel)
	}
	if c.Procs > 1 && c.Parallel > 1 {
		return usagef("--procs %d with --parallel %d: use one of them: --parallel N runs N cases at once in one process (the default, %d here), --procs N spreads the cases over N worker processes that each run one at a time", c.Procs, c.Parallel, DefaultParallel())
	}
	if c.Procs > 1 && !parallelSupported {
		return usagef("--procs %d: worker processes are not supported on this system yet; use --parallel", c.Procs)
	}
	defaulted := c.Procs == 0 && c.Parallel == 0
	if c.Procs == 0 {
		c.Procs = 1
	}
	if defaulted {
		c.Parallel = DefaultParallel()
	}
	if c.Procs > 1 {
		c.Parallel = 1
	}
	c.Parallel = max(c.Parallel, 1)
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		return usagef("--timeout %s: the run timeout must be positive (e.g. 30m)", c.Timeout)
	}
	if c.Seed == 0 {
		c.Seed = time.Now().UnixNano() % 1_000_000_000
		if c.Seed == 0 {
			c.Seed = 1
		}
	}
	if c.LabelFilter != "" {
		// Ginkgo prints "configuration issues" and calls os.Exit(1) on a bad
		// filter inside RunSpecs; reject it here with our own exit code.
		if _, err := types.ParseLabelFilter(c.LabelFilter); err != nil {
			return usagef("--label-filter %q is not a valid label filter: %v\nLabels combine with &&, ||, ! and parentheses, e.g. --label-filter 'MUST && !area:network'", c.LabelFilter, plain(err.Error()))
		}
	}
	focus, unmatched, err := focusFor(c.Cases)
	if err != nil {
		return err
	}
	c.focus, c.unmatched = focus, unmatched
	if n := suiteCountCases(c.Cases); defaulted && c.LabelFilter == "" && n > 0 && n < c.Parallel {
		// No more sessions than cases: a rerun of one case starts one
		// adapter, not dozens that would find nothing to do.
		c.Parallel = n
	}
	if _, err := regexp.Compile(strings.Join(focus, "|")); err != nil {
		// Ginkgo would exit on it; it is a bug in the glob translation.
		return usagef("--cases %q: cannot be turned into a focus expression: %v", strings.Join(c.Cases, ","), err)
	}
	if c.ReportDir == "" {
		c.ReportDir = DefaultReportDir
	}
	// Workers run with the cwd Ginkgo gives them, so every path is absolute.
	abs, err := filepath.Abs(c.ReportDir)
	if err != nil {
		return usagef("--report-dir %q: %v", c.ReportDir, err)
	}
	c.ReportDir = abs
	if c.Trace != "" && c.Trace != "-" {
		abs, err := filepath.Abs(c.Trace)
		if err != nil {
			return usagef("--trace %q: %v", c.Trace, err)
		}
		c.Trace = abs
	}
	if c.ExpectedFailuresFile != "" {
		f, err := os.Open(c.ExpectedFailuresFile)
		if err != nil {
			return usagef("--expected-failures: %v", err)
		}
		defer f.Close()
		known := map[string]bool{}
		for _, cs := range suiteCases() {
			known[cs.ID] = true
		}
		c.expected, err = ParseExpectedFailures(f, c.ExpectedFailuresFile, known)
		if err != nil {
			return err
		}
		abs, err := filepath.Abs(c.ExpectedFailuresFile)
		if err == nil {
			c.ExpectedFailuresFile = abs
		}
	}
	return nil
}

// focusFor turns --cases globs into Ginkgo focus regexps. A glob that matches
// no case ID is not a usage error but an empty selection (exit 3, "no case
// ran", so a typo in a CI job's filter never passes); it is returned in
// unmatched for a warning.
func focusFor(globs []string) (focus, unmatched []string, err error) {
	for _, g := range splitList(globs) {
		if !suiteGlobMatchesCase(g) {
			unmatched = append(unmatched, g)
			continue
		}
		f, err := suiteFocusForGlob(g)
		if err != nil {
			return nil, nil, err
		}
		focus = append(focus, f)
	}
	return focus, unmatched, nil
}

// selectsNothing reports whether --cases was given but none of its globs
// matches a case.
func (c *Config) selectsNothing() bool {
	return len(c.focus) == 0 && len(c.unmatched) > 0
}

// splitList flattens repeated and comma-separated flag values, dropping blanks.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func checkHostPort(s string) error {
	i := strings.LastIndex(s, ":")
	if i <= 0 || i == len(s)-1 {
		return errors.New("want host:port, e.g. 127.0.0.1:7000")
	}
	for _, r := range s[i+1:] {
		if r < '0' || r > '9' {
			return errors.New("the port must be a number, e.g. 127.0.0.1:7000")
		}
	}
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

var ansiRe = regexp.MustCompile("\x1b\\[[0-9;]*m")

// plain strips terminal colour codes (Ginkgo's errors carry them) and folds
// the text onto one line.
func plain(s string) string { return oneLine(ansiRe.ReplaceAllString(s, "")) }

// Bounds of DefaultParallel.
const (
	parallelPerCPU = 24
	minParallel    = 2
	maxParallel    = 64
)

// DefaultParallel is how many cases a run runs at once when neither --procs
// nor --parallel is given. A case spends nearly all of its time waiting (the
// grace window that catches background retries, Retry-After, backoff), not
// computing, so cases at once outnumber CPUs: parallelPerCPU per CPU, at
// least minParallel and at most maxParallel. They run in one process, each on
// its own adapter session (an adapter process), which costs far less CPU than
// a worker process per case at once did (--procs): on 2 CPUs a whole run took
// about 4.5 CPU-seconds this way against 12 with 32 workers. More at once is
// not faster on a small machine: the start of every session and the cases'
// bursts load the CPUs, and the noise they make sends timing checks to
// confirming reruns (24 per CPU was the fastest of 16, 24, 32 and 48 on 2
// CPUs; see scripts/bench-suite.sh).
func DefaultParallel() int {
	return min(max(parallelPerCPU*runtime.NumCPU(), minParallel), maxParallel)
}
