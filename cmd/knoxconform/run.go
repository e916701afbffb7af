package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/knoxconform/knoxconform/runner"
)

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	cfg := &runner.Config{}
	cmd := &cobra.Command{
		Use:   "run (--target '<command>' | --target-addr host:port) [flags]",
		Short: "Run the conformance suite against a client adapter",
		Long: `Run the conformance suite against a client adapter and write the reports.

The adapter is either a command that knoxconform starts (--target; it speaks the
adapter protocol, JSON lines, on stdin/stdout, and its stderr is its log) or an
adapter already listening on TCP (--target-addr). Each case gets its own
simulated Knox Cloud on 127.0.0.1 and a fresh client from the adapter.

Before any case, knoxconform checks that the report directory takes files and
starts the target once to hear its hello: an adapter that cannot start is
reported once, and nothing runs. Then one line is printed per case as it
finishes (class, case ID, duration; with --verbose, its attempts), then each
failure once in full (the requirement, Expected/Actual per failed check, what
the client reported, its attempts and the command that reruns it alone), and
last the verdict, the counts, the run's wall time (the one in the reports) and
where the reports are.

Classes: PASS; NON-STRICT (only SHOULD checks failed; fails the run with
--strict); FAIL (a MUST check failed); XFAIL (a failure listed in
--expected-failures); UNSUPPORTED (the adapter skipped the case); ERROR (the
adapter crashed, hung or spoke garbage: a harness problem, not a verdict).

Selection: --cases matches case IDs ('knoxconform list' shows them);
--label-filter matches labels. Every case is labelled with its level (MUST,
SHOULD or INFO), its area (area:ratelimit) and the Knox codes it exercises
(code:4002250); combine them with &&, ||, ! and parentheses.

The cases run in an order shuffled with --seed; the seed is printed and kept
in the report, so a run's order can be reproduced.

Exit status: 0 conformant, 1 not conformant, 2 harness or usage error, 3 no
case ran (a selection that matches nothing never passes a CI job).`,
		Example: `  # the whole suite against an adapter command
  knoxconform run --target './my-adapter --log-level debug'

  # one area, strict grading, reports somewhere else
  knoxconform run --target 'python3 adapter.py' --cases 'knox/*' --strict --report-dir out/

  # MUST cases only, two worker processes, known failures tolerated
  knoxconform run --target ./my-adapter --label-filter MUST --procs 2 --expected-failures known-failures.txt

  # an adapter you started yourself (e.g. in a debugger), every message traced to a file
  knoxconform run --target-addr 127.0.0.1:7000 --trace=trace.log`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			hint := ""
			if cmd.Flags().Changed("trace") && cfg.Trace == "-" {
				hint = fmt.Sprintf(" (to trace into a file write --trace=%s)", args[0])
			} else if !cmd.Flags().Changed("target") {
				hint = fmt.Sprintf(" (the adapter command goes in --target, quoted: --target '%s')", strings.Join(args, " "))
			}
			return fmt.Errorf("unexpected argument %q%s", args[0], hint)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("NO_COLOR") != "" || !isTerminal(os.Stdout) { // https://no-color.org: set and non-empty
				cfg.NoColor = true // a CI log or a pipe shows escape codes as noise
			}
			cfg.Args = append([]string{"knoxconform"}, os.Args[1:]...)
			cfg.Version = version()
			if code := runner.Run(cfg, stdout, stderr); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVar(&cfg.Target, "target", "", "adapter `command` to start, as one shell-quoted string (e.g. './my-adapter --flag')")
	f.StringVar(&cfg.TargetAddr, "target-addr", "", "`host:port` of an adapter already listening (instead of --target)")
	f.StringSliceVar(&cfg.Cases, "cases", nil, "run only cases whose ID matches this `glob` (\"*\" spans slashes, e.g. 'knox/*'); repeatable or comma-separated")
	f.StringVar(&cfg.LabelFilter, "label-filter", "", "run only cases whose labels match this Ginkgo label filter `expression`, e.g. 'MUST && !area:network'")
	f.BoolVar(&cfg.Strict, "strict", false, "treat failed SHOULD checks (NON-STRICT) as failures of the run")
	f.StringVar(&cfg.ExpectedFailuresFile, "expected-failures", "", "`file` of known failures: one 'case-id  reason' per line, # comments; listed failures are XFAIL and do not fail the run")
	f.IntVar(&cfg.Parallel, "parallel", 0, "run `n` cases at once in one process, each on its own adapter session (0: 24 per CPU, 2 to 64; 1: one at a time)")
	f.IntVar(&cfg.Procs, "procs", 0, "spread the cases over `n` worker processes instead, each running one case at a time with its own adapter (1: serial, in one process)")
	f.StringVar(&cfg.ReportDir, "report-dir", runner.DefaultReportDir, "`directory` for junit.xml, report.json, summary.json, report.html and summary.md")
	f.StringVar(&cfg.Trace, "trace", "", "log every adapter message and HTTP exchange: --trace alone to stderr, --trace=`FILE` into a file")
	f.Lookup("trace").NoOptDefVal = "-"
	f.Int64Var(&cfg.Seed, "seed", 0, "shuffle the case order with seed `n` (default: from the clock; printed and recorded in the report)")
	f.DurationVar(&cfg.Timeout, "timeout", runner.DefaultTimeout, "stop the whole run after this `duration` (the reports are still written)")
	f.BoolVar(&cfg.NoColor, "no-color", false, "no colour in the console output (also when NO_COLOR is set)")
	f.BoolVarP(&cfg.Verbose, "verbose", "v", false, "show every case's timeline, not only the failures'")
	return cmd
}

// isTerminal reports whether f is a character device (a terminal), not a pipe or file.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
