package runner

// This file is the only place that knows the conformance package's API.
//
// TEMPORARY: package conformance has not landed yet, so this is a stand-in
// with three toy cases that exercises the runner's machinery (serial,
// parallel, interrupts, exit codes). It is replaced by the real binding as
// soon as conformance exists.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/reports"
)

type suiteOptions struct {
	Target, TargetAddr string
	Strict             bool
	Trace              io.Writer
	ReportDir          string
	ExpectedFailures   map[string]string
	RequestTimeout     time.Duration
	Run                reports.Run
	RerunCommand       func(id string) string
}

var shimCases = []reports.Case{
	{ID: "shim/one", Title: "one", Level: "MUST", Area: "shim", Requirement: "one works"},
	{ID: "shim/two", Title: "two", Level: "MUST", Area: "shim", Requirement: "two works"},
	{ID: "shim/three", Title: "three", Level: "SHOULD", Area: "shim", Requirement: "three works"},
}

func suiteCases() []reports.Case { return shimCases }

func suiteFocusForGlob(glob string) (string, error) {
	if _, err := path.Match(glob, ""); err != nil {
		return "", fmt.Errorf("bad glob: %v", err)
	}
	q := regexp.QuoteMeta(glob)
	q = strings.ReplaceAll(q, `\*`, `[^ ]*`)
	return `\[case:` + q + `\]`, nil
}

func suiteRegister(o suiteOptions) {
	var results []reports.CaseResult
	Describe("knoxconform", func() {
		for _, c := range shimCases {
			c := c
			It(fmt.Sprintf("[case:%s]", c.ID), Label(c.Level), func(ctx SpecContext) {
				start := time.Now()
				res := reports.CaseResult{Case: c, Class: reports.Pass, Rerun: o.RerunCommand(c.ID)}
				cmd := exec.CommandContext(ctx, "sh", "-c", o.Target)
				cmd.WaitDelay = 500 * time.Millisecond
				out, err := cmd.CombinedOutput()
				if o.Trace != nil {
					fmt.Fprintf(o.Trace, "shim %s: %q\n", c.ID, out)
				}
				if err != nil {
					res.Class = reports.Error
					res.Reason = err.Error()
				}
				res.DurationMs = float64(time.Since(start).Milliseconds())
				AddReportEntry(reports.EntryName, res, ReportEntryVisibilityNever)
				if err != nil {
					Fail(err.Error())
				}
			})
		}
	})
	_ = results
	ReportAfterSuite("knoxconform reports", func(r Report) {
		s := &reports.Summary{Run: o.Run}
		for _, sr := range r.SpecReports {
			if sr.LeafNodeType != types.NodeTypeIt || sr.State == types.SpecStateSkipped {
				continue
			}
			if cr, ok := caseEntry(sr); ok {
				s.Cases = append(s.Cases, cr)
			}
			if sr.State.Is(types.SpecStateInterrupted) {
				s.Run.Interrupted = true
			}
		}
		reports.Finalize(s)
		if err := os.MkdirAll(o.ReportDir, 0o755); err == nil {
			_ = reports.WriteAll(o.ReportDir, s, r)
		}
	})
}

var shimIDRe = regexp.MustCompile(`\[case:([^\]]+)\]`)

func suiteCaseIDOf(sr types.SpecReport) string {
	if m := shimIDRe.FindStringSubmatch(sr.LeafNodeText); m != nil {
		return m[1]
	}
	return ""
}
