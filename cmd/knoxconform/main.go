// Command knoxconform runs the Knox client conformance suite against a client
// adapter and writes CI reports; it also lists the cases, prints the Knox
// error catalogue, serves the simulated Knox Cloud as a sandbox and compares
// two runs.
//
// Exit codes of `run`: 0 conformant, 1 not conformant, 2 harness or usage
// error, 3 no case ran.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	buildversion "github.com/knoxconform/knoxconform/internal/version"
	"github.com/knoxconform/knoxconform/runner"
)

func main() {
	if runner.IsWorker() {
		// A copy of this binary started by a parallel run (--procs N).
		os.Exit(runner.WorkerMain())
	}
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// exitError carries a command's exit status out of cobra.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// execute runs the command line args and returns the exit status.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	// Flag and argument errors from cobra: usage errors.
	fmt.Fprintf(stderr, "knoxconform: %v\n", err)
	path := root.CommandPath()
	if cmd, _, ferr := root.Find(args); ferr == nil && cmd != nil {
		path = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", path)
	return runner.ExitError
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "knoxconform",
		Short: "Conformance suite for Samsung Knox cloud client integrations",
		Long: `knoxconform drives a Knox client integration, through a small adapter, against a
simulated Knox Cloud: every documented Knox error condition, each judged on what
the client did (no retry on a validation error, re-sign after a reused jti, back
off on 429, refresh an expired token, ...). It writes CI reports: junit.xml,
report.json, summary.json, report.html and summary.md.

Exit codes of 'run': 0 conformant, 1 not conformant, 2 harness or usage error,
3 no case ran.`,
		Example: `  knoxconform run --target './my-adapter'
  knoxconform list --cases 'knox/*'
  knoxconform catalog --format markdown`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newRunCmd(stdout, stderr), newListCmd(stdout, stderr), newCatalogCmd(stdout),
		newServeCmd(stdout, stderr), newObserveCmd(stdout, stderr), newReportCmd(stdout, stderr), newVersionCmd(stdout))
	return root
}

// version is knoxconform's version (see package internal/version).
func version() string { return buildversion.String() }

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print knoxconform's version",
		Long:    "Print knoxconform's version: the module version, or the VCS revision of a development build.",
		Example: "  knoxconform version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(stdout, "knoxconform %s\n", version())
			return nil
		},
	}
}

// formatFlag checks a --format value against the accepted ones.
func formatFlag(f string, accepted []string) error {
	for _, a := range accepted {
		if f == a {
			return nil
		}
	}
	return usageErr(fmt.Sprintf("--format %q: want one of %s", f, strings.Join(accepted, ", ")))
}

// usageErr is a plain usage error reported by execute with exit status 2.
func usageErr(msg string) error { return errors.New(msg) }
