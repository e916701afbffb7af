package conformance

import (
	"encoding/json"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/reports"
)

// In a parallel run the evidence reaches ReportAfterSuite as JSON; in a serial
// run as the value itself. Both decode to the same CaseResult.
func TestDecodeCaseSerialAndParallel(t *testing.T) {
	res := reports.CaseResult{Case: reports.Case{ID: "http/400/no-retry", Level: "MUST"},
		Checks:   []reports.Check{{Name: "no retry", Level: "MUST", Passed: false, Expected: "e", Actual: "a"}},
		Timeline: []reports.Attempt{{Seq: 1, Route: "GET /x", Status: 400, GapMs: -1}}}
	serial := types.SpecReport{ReportEntries: types.ReportEntries{{Name: reports.EntryName, Value: types.WrapEntryValue(caseEvidence{res})}}}
	raw, err := json.Marshal(serial)
	if err != nil {
		t.Fatal(err)
	}
	var parallel types.SpecReport
	if err := json.Unmarshal(raw, &parallel); err != nil {
		t.Fatal(err)
	}
	for name, sr := range map[string]types.SpecReport{"serial": serial, "parallel": parallel} {
		got, ok := DecodeCase(sr)
		if !ok {
			t.Errorf("%s: no evidence found", name)
			continue
		}
		if got.ID != res.ID || len(got.Checks) != 1 || got.Checks[0].Actual != "a" || len(got.Timeline) != 1 || got.Timeline[0].Status != 400 {
			t.Errorf("%s: decoded %+v", name, got)
		}
	}
	if _, ok := DecodeCase(types.SpecReport{}); ok {
		t.Error("evidence found in a spec report without entries")
	}
}
