package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/knoxconform/knoxconform/conformance"
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/runner"
)

func newListCmd(stdout, stderr io.Writer) *cobra.Command {
	lc := runner.ListConfig{}
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List the conformance cases: ID, level and requirement",
		Long: `List the conformance cases: ID, level (MUST, SHOULD, INFO) and the requirement
each checks. --cases and --label-filter select exactly as they do for 'run', so
'list' shows what a run with the same flags would run.`,
		Example: `  knoxconform list
  knoxconform list --cases 'knox/*' --label-filter MUST
  knoxconform list --format markdown > docs/cases.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := formatFlag(lc.Format, runner.Formats); err != nil {
				return err
			}
			lc.Warnings = stderr
			return runner.List(stdout, lc)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&lc.Cases, "cases", nil, "only cases whose ID matches this `glob` (\"*\" spans slashes); repeatable or comma-separated")
	f.StringVar(&lc.LabelFilter, "label-filter", "", "only cases whose labels match this Ginkgo label filter `expression`")
	f.StringVar(&lc.Format, "format", "table", "output `format`: table, json or markdown")
	return cmd
}

func newCatalogCmd(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "catalog [flags]",
		Short: "Print the catalogue of documented Knox error codes",
		Long: `Print every documented Knox error code (HTTP, Knox Cloud, Samsung Account AUT_,
authorizeToken LIC_) with its name, HTTP status, meaning and what a correct client
does about it. The Markdown form is docs/codes.md.`,
		Example: `  knoxconform catalog
  knoxconform catalog --format json | jq '.codes[] | select(.retry == "no")'
  knoxconform catalog --format markdown > docs/codes.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := formatFlag(format, knoxerr.Formats()); err != nil {
				return err
			}
			return knoxerr.Render(stdout, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output `format`: table, json or markdown")
	return cmd
}

func newServeCmd(stdout, stderr io.Writer) *cobra.Command {
	var sc knoxtest.SandboxConfig
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve the simulated Knox Cloud as a sandbox for manual work",
		Long: `Serve the simulated Knox Cloud (the one every case runs against) on a local
address, to point a client at by hand while writing an adapter or debugging a
case. It validates requests for real (signatures, jti, token expiry, form
fields), prints what to configure the client with, and offers a JSON control
API under /_knoxtest/ (journal, scripted faults, token expiry), described in
docs/sandbox.md. Stop it with Ctrl-C; without --dir, the credentials it
generated are removed then.`,
		Example: `  knoxconform serve
  knoxconform serve --addr 127.0.0.1:9443 --keys ./keys.json --client-identifier my-client-id
  knoxconform serve --tls --dir ./sandbox   # keys.json and the CA certificate go there, reused next time`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// The journal flags what the suite would say: its own rules, written once.
			sc.Ready = func(s *knoxtest.Server) {
				s.SetJournalRules(conformance.JournalRules(conformance.SecretMarkers(s.Credentials()))...)
			}
			if err := knoxtest.RunSandbox(ctx, sc, stdout); err != nil {
				fmt.Fprintf(stderr, "knoxconform serve: %v\n", err)
				return exitError{runner.ExitError}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sc.Addr, "addr", "127.0.0.1:8443", "`host:port` to listen on")
	f.StringVar(&sc.KeysFile, "keys", "", "existing keys.json `file` to register (default: generate one into --dir)")
	f.StringVar(&sc.ClientIdentifier, "client-identifier", "", "Client Identifier `id` to register, entitled to KME (default: a generated one, printed at start)")
	f.BoolVar(&sc.TLS, "tls", false, "serve HTTPS with a generated CA (its PEM is written next to keys.json)")
	f.StringVar(&sc.Dir, "dir", "", "`directory` that keeps keys.json, the client identifier, the Samsung Account client and the CA across restarts (default: a temporary directory removed on exit)")
	return cmd
}

func newReportCmd(stdout, stderr io.Writer) *cobra.Command {
	report := &cobra.Command{
		Use:     "report",
		Short:   "Work with the reports of earlier runs",
		Long:    "Work with the reports (summary.json) of earlier runs.",
		Example: `  knoxconform report diff last-release/summary.json knoxconform-report/summary.json`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	diff := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two runs case by case and fail on a regression",
		Long: `Compare two runs case by case (by case ID): regressions (a case that got worse
and now fails), fixes, other class changes, and cases only in one run.

OLD and NEW are summary.json files, or report directories containing one.

Exit status: 0 no regression, 1 at least one regression, 2 unreadable input.`,
		Example: `  knoxconform report diff baseline/summary.json knoxconform-report/summary.json
  knoxconform report diff baseline/ knoxconform-report/`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := loadSummary(args[0])
			if err != nil {
				fmt.Fprintf(stderr, "knoxconform report diff: OLD %v\n", err)
				return exitError{runner.ExitError}
			}
			cur, err := loadSummary(args[1])
			if err != nil {
				fmt.Fprintf(stderr, "knoxconform report diff: NEW %v\n", err)
				return exitError{runner.ExitError}
			}
			d := reports.Diff(old, cur)
			if err := d.Write(stdout); err != nil {
				return err
			}
			if d.Regressed() {
				return exitError{1}
			}
			return nil
		},
	}
	report.AddCommand(diff)
	return report
}

// loadSummary reads a summary.json, or the one inside a report directory.
func loadSummary(path string) (*reports.Summary, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = path + string(os.PathSeparator) + reports.SummaryJSONFile
	}
	return reports.Load(path)
}
