package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/reports"
)

// An interrupted pooled run reports every case that ran to its end, though
// Ginkgo never reached its spec, and none that the interrupt cut short.
func TestPoolReportKeepsFinishedCases(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := func(whole bool, end caseEnd) *pooledResult {
		r := &pooledResult{done: make(chan struct{}), whole: whole, end: end, took: 420 * time.Millisecond, started: time.Now()}
		d := catalogueByIDs()["http/400/no-retry"]
		r.entries = []caseEvidence{{reports.CaseResult{Case: d.Case}}}
		close(r.done)
		return r
	}
	p := &pool{ctx: ctx, cancel: cancel, results: map[string]*pooledResult{
		"http/400/no-retry": done(true, caseEnd{}),                                     // finished, never reached
		"http/403/no-retry": done(false, caseEnd{msg: "the run was stopped"}),          // cut short
		"http/404/no-retry": {done: make(chan struct{})},                               // still running
		"http/406/no-retry": done(true, caseEnd{skipped: true, msg: "UNSUPPORTED: x"}), // finished, not in the report at all
		"http/422/no-retry": done(true, caseEnd{}),                                     // reported by its spec
	}}
	notRun := func(id string) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: id, State: types.SpecStateSkipped}
	}
	reported := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "http/422/no-retry", State: types.SpecStatePassed, RunTime: time.Second,
		ReportEntries: types.ReportEntries{{Name: reports.EntryName, Value: types.WrapEntryValue(caseEvidence{reports.CaseResult{Case: catalogueByIDs()["http/422/no-retry"].Case}})}}}
	r := types.Report{SpecReports: types.SpecReports{notRun("http/400/no-retry"), notRun("http/403/no-retry"), notRun("http/404/no-retry"), reported}}
	p.completeReport(&r)

	got := map[string]types.SpecReport{}
	for _, sr := range r.SpecReports {
		got[sr.LeafNodeText] = sr
	}
	if len(r.SpecReports) != 5 {
		t.Fatalf("%d spec reports, want the 4 given plus the finished case Ginkgo never listed", len(r.SpecReports))
	}
	if sr := got["http/400/no-retry"]; sr.State != types.SpecStatePassed || sr.RunTime != 420*time.Millisecond {
		t.Errorf("finished case: state %v, run time %v; want passed in 420ms", sr.State, sr.RunTime)
	} else if res, ok := DecodeCase(sr); !ok || res.DurationMs != 420 {
		t.Errorf("finished case: evidence %v (found %v), want its own duration", res.DurationMs, ok)
	}
	for _, id := range []string{"http/403/no-retry", "http/404/no-retry"} {
		if sr := got[id]; sr.State != types.SpecStateSkipped || len(sr.ReportEntries) != 0 {
			t.Errorf("%s: state %v with %d entries; a case the interrupt cut short or that still runs stays not run", id, sr.State, len(sr.ReportEntries))
		}
	}
	if sr := got["http/406/no-retry"]; sr.State != types.SpecStateSkipped || sr.Failure.Message != "UNSUPPORTED: x" {
		t.Errorf("finished UNSUPPORTED case: state %v, message %q", sr.State, sr.Failure.Message)
	}
	if sr := got["http/422/no-retry"]; sr.RunTime != time.Second {
		t.Errorf("a case its spec reported was replaced")
	}
}
