package conformance

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// writeReports runs once (on process 1 in parallel runs, with the aggregated
// report): it classifies every case that ran and writes the artifacts.
//
// No artifact may hold a credential. Every process redacts what its adapter
// writes as it arrives (target: protocol lines, stderr, the trace), so nothing
// raw enters a worker's Ginkgo report; here the writers redact once more, with
// the credentials this process handed out and by shape (JWTs, PEM and base64
// keys, bearer and opaque tokens), which also covers what other processes
// captured.
func (s *suite) writeReports(r types.Report) {
	if s.opts.ReportDir == "" {
		return
	}
	if s.pool != nil {
		s.pool.completeReport(&r)
	}
	sum := s.summary(r)
	opt := reports.Options{Secrets: target.HandedSecrets()}
	if err := reports.WriteAllWith(s.opts.ReportDir, sum, r, opt); err != nil {
		ginkgo.Fail(fmt.Sprintf("writing the reports to %s: %v (check that the directory is writable)", s.opts.ReportDir, err))
	}
}

// summary builds the run summary from a Ginkgo report.
func (s *suite) summary(r types.Report) *reports.Summary {
	run := s.opts.Run
	s.mu.Lock()
	if s.hello.Adapter.Name != "" {
		run.Adapter = reports.Software{Name: s.hello.Adapter.Name, Version: s.hello.Adapter.Version}
		run.Client = reports.Software{Name: s.hello.Client.Name, Version: s.hello.Client.Version}
	}
	if s.hello.Protocol != 0 {
		run.AuthSchemes, run.Services = s.hello.DeclaredSchemes(), s.hello.DeclaredServices()
	}
	if s.startErr != nil && run.HarnessError == "" {
		run.HarnessError = s.startErr.Error()
	}
	s.mu.Unlock()
	run.Strict = s.opts.Strict
	if run.Start == "" && !r.StartTime.IsZero() {
		run.Start = r.StartTime.UTC().Format(time.RFC3339)
	}
	if run.DurationMs == 0 {
		run.DurationMs = msf(r.RunTime)
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		if strings.Contains(strings.ToLower(reason), "interrupt") {
			run.Interrupted = true
		}
	}
	sum := &reports.Summary{Run: run, Cases: caseResults(r, s.opts)}
	reports.Finalize(sum)
	return sum
}

// caseResults classifies every case that ran, in ID order. Specs that never ran
// (filtered out, or not reached before an interrupt) are left out.
func caseResults(r types.Report, opts Options) []reports.CaseResult {
	var out []reports.CaseResult
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		res, ok := DecodeCase(sr)
		if !ok {
			if sr.State.Is(types.SpecStateInterrupted | types.SpecStateTimedout | types.SpecStateAborted | types.SpecStatePanicked) {
				// The spec started but ended before its cleanup attached evidence.
				d, known := catalogueByID[sr.LeafNodeText]
				if !known {
					continue
				}
				res = reports.CaseResult{Case: d.Case}
			} else {
				continue
			}
		}
		Classify(&res, sr, opts.ExpectedFailures)
		if res.DurationMs == 0 { // a pooled case carries its own
			res.DurationMs = msf(sr.RunTime)
		}
		if opts.RerunCommand != nil {
			res.Rerun = opts.RerunCommand(res.ID)
		}
		out = append(out, res)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// DecodeCase finds the case's evidence among the spec's report entries: a
// caseEvidence in a serial run, JSON in a parallel one (or when the report
// came from another process).
func DecodeCase(sr types.SpecReport) (reports.CaseResult, bool) {
	for _, e := range sr.ReportEntries {
		if e.Name != reports.EntryName {
			continue
		}
		if v, ok := e.Value.GetRawValue().(caseEvidence); ok {
			return v.CaseResult, true
		}
		raw := e.Value.AsJSON
		if raw == "" {
			b, err := json.Marshal(e.Value.GetRawValue())
			if err != nil {
				return reports.CaseResult{}, false
			}
			raw = string(b)
		}
		var res reports.CaseResult
		if json.Unmarshal([]byte(raw), &res) == nil && res.ID != "" {
			return res, true
		}
	}
	return reports.CaseResult{}, false
}

// Classify sets res.Class (and res.Reason when the spec's state explains it)
// from a finished spec and res's checks, then applies the --expected-failures
// list. These are the one set of rules: the summary uses them, and so does the
// runner's progress line while the run is under way.
func Classify(res *reports.CaseResult, sr types.SpecReport, expected map[string]string) {
	classify(res, sr.State, sr.Failure.Message)
	applyExpected(res, expected)
}

// classify sets res.Class from the spec state and the recorded checks. The
// Class the case itself recorded (ERROR, UNSUPPORTED) is a hint that wins.
// NON-STRICT stays NON-STRICT under --strict: the verdict counts it as a
// failure then (reports.Finalize), and the report still says why.
func classify(res *reports.CaseResult, state types.SpecState, failure string) {
	hint := res.Class
	mustFailed, shouldFailed := false, false
	for _, c := range res.Checks {
		if c.Passed {
			continue
		}
		switch knoxerr.Level(c.Level) {
		case knoxerr.MUST:
			mustFailed = true
		case knoxerr.SHOULD:
			shouldFailed = true
		}
	}
	switch {
	case state.Is(types.SpecStateTimedout):
		res.Class = reports.Error
		res.Reason = "the case exceeded its time limit (the adapter or the suite hung): " + firstLine(failure)
	case state.Is(types.SpecStateInterrupted | types.SpecStateAborted):
		res.Class = reports.Error
		res.Reason = "the run was interrupted during this case"
	case hint == reports.Error:
		res.Class = reports.Error
	case hint == reports.Unsupported:
		res.Class = reports.Unsupported
	case state.Is(types.SpecStatePanicked):
		res.Class = reports.Error
		res.Reason = "the suite panicked (a bug in knoxconform, please report it): " + firstLine(failure)
	case state.Is(types.SpecStateSkipped | types.SpecStatePending):
		res.Class = reports.Unsupported
		if res.Reason == "" {
			res.Reason = "skipped: " + firstLine(failure)
		}
	case mustFailed:
		res.Class = reports.Fail
	case shouldFailed:
		res.Class = reports.NonStrict
	case state.Is(types.SpecStateFailed):
		res.Class = reports.Error
		res.Reason = "the spec failed outside any check: " + firstLine(failure)
	default:
		res.Class = reports.Pass
	}
}

// applyExpected turns a listed FAIL or NON-STRICT into XFAIL, and flags a
// listed case that passed.
func applyExpected(res *reports.CaseResult, expected map[string]string) {
	reason, listed := expected[res.ID]
	if !listed {
		return
	}
	res.ExpectedFailure = reason
	if reason == "" {
		res.ExpectedFailure = "listed in --expected-failures"
	}
	switch res.Class {
	case reports.Fail, reports.NonStrict:
		res.Class = reports.ExpectedFail
	case reports.Pass:
		res.UnexpectedPass = true
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
