package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/knoxconform/knoxconform/observe"
	"github.com/knoxconform/knoxconform/runner"
)

func newObserveCmd(stdout, stderr io.Writer) *cobra.Command {
	cfg := observe.Config{}
	cmd := &cobra.Command{
		Use:   "observe [flags] -- COMMAND [ARGS...]",
		Short: "Judge a client by its own command (tests, scripts), no adapter needed",
		Long: `Judge a Knox client without an adapter: start the simulated Knox Cloud with
fresh credentials, run COMMAND (the client's own integration tests, a script, a
CLI) with them in environment variables (KNOX_BASE_URL, KNOX_KEYS_FILE,
KNOX_CLIENT_IDENTIFIER, ...; KNOX_CONFIG_FILE names a JSON file with the same
values), inject a plan of documented faults into the traffic COMMAND makes, and
judge what the client did after each fault with the suite's own rules.

Fault classes (--faults): ` + strings.Join(classNames(), ", ") + `.
The plan is chosen by --seed (printed; the same seed gives the same plan) and
written to the report directory as ` + observe.PlanFile + `, which --plan reads
back to repeat a run exactly.

Each injected fault is a case, and so is each run-wide rule (fresh jti, JWT
form, Accept, secret placement, validity as a number, token reuse). A fault
COMMAND made too few requests to meet is UNSUPPORTED (not exercised), never
PASS. COMMAND's own exit status is recorded and shown, not judged. The reports
are those of 'run': junit.xml, summary.json, report.html, summary.md.

Exit status: 0 conformant, 1 not conformant, 2 harness or usage error, 3
nothing was judged (COMMAND met no fault and sent nothing a rule could judge).`,
		Example: `  knoxconform observe -- npm test
  knoxconform observe --faults ratelimit,resign --seed 42 -- ./integration-test.sh
  knoxconform observe --plan knoxconform-report/observe-plan.json -- python3 -m pytest tests/knox`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("no COMMAND to observe; put it after --, e.g. knoxconform observe -- npm test")
			}
			if cmd.ArgsLenAtDash() != 0 {
				return usageErr("put COMMAND after --, so its own flags are not read as knoxconform's: knoxconform observe [flags] -- " + strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg.Command = args
			cfg.Args = append([]string{"knoxconform"}, os.Args[1:]...)
			cfg.Version = version()
			if code := observe.Run(ctx, cfg, stdout, stderr); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.Int64Var(&cfg.Seed, "seed", 0, "choose the fault plan with seed `n` (default: from the clock; printed and recorded in the report)")
	f.StringSliceVar(&cfg.Faults, "faults", nil, "inject only these fault `classes`, comma-separated or repeated (default: all)")
	f.StringVar(&cfg.PlanFile, "plan", "", "use the fault plan in this JSON `file` (e.g. an earlier run's "+observe.PlanFile+") instead of one chosen by --seed")
	f.StringVar(&cfg.ReportDir, "report-dir", runner.DefaultReportDir, "`directory` for junit.xml, summary.json, report.html, summary.md and "+observe.PlanFile)
	f.BoolVar(&cfg.Strict, "strict", false, "treat failed SHOULD checks (NON-STRICT) as failures of the run")
	f.StringVar(&cfg.ExpectedFailuresFile, "expected-failures", "", "`file` of known failures: one 'case-id  reason' per line; listed failures are XFAIL")
	f.DurationVar(&cfg.Timeout, "timeout", observe.DefaultTimeout, "stop COMMAND and everything it started after this `duration`; the reports are still written")
	f.BoolVar(&cfg.TLS, "tls", false, "serve HTTPS with a generated CA; COMMAND gets its PEM in KNOX_CA_FILE")
	f.IntVar(&cfg.MaxRequests, "max-requests", observe.DefaultMaxRequests, "stop COMMAND once it has sent more than `n` requests (a retry loop); what it sent is judged")
	f.StringVar(&cfg.ConfigFile, "config-file", "", "write the JSON config file here (default: a temporary file, removed after the run); its path is in KNOX_CONFIG_FILE")
	return cmd
}

func classNames() []string {
	var out []string
	for _, c := range observe.Classes() {
		out = append(out, string(c))
	}
	return out
}
