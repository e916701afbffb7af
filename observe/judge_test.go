package observe

import (
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
)

// list is a device-list exchange at ms with status and query.
func list(seq, ms, status int, query string, injected bool) knoxtest.Exchange {
	return knoxtest.Exchange{Seq: seq, At: time.Duration(ms) * time.Millisecond, Route: knoxtest.RouteListDevices,
		Method: "GET", Path: "/kcs/v1/kme/devices/list", Query: query, Status: status, Injected: injected,
		Header: map[string]string{"Accept": "application/json"}}
}

func TestFollowUpSeparatesRetriesFromNewCalls(t *testing.T) {
	journal := []knoxtest.Exchange{
		list(1, 0, 400, "pageNum=1", true),
		list(2, 10, 200, "pageNum=2", false), // the test's next call: another page
		list(3, 20, 400, "pageNum=1", false), // the same call again: taken as a retry
		list(4, 30, 200, "pageNum=1", false), // recovered: the follow-up ends here
		list(5, 40, 200, "pageNum=1", false),
	}
	got := followUp(journal, 0, sameCall)
	if len(got) != 3 || got[1].Seq != 3 || got[2].Seq != 4 {
		t.Errorf("follow-up %v; want requests 1, 3 and 4", seqs(got))
	}

	// The next injected fault ends the follow-up: its own case judges what follows.
	journal[2].Injected = true
	if got := followUp(journal, 0, sameCall); len(got) != 1 {
		t.Errorf("follow-up %v reaches past the next injected fault", seqs(got))
	}
}

func TestJudgeValidationFault(t *testing.T) {
	plan := Plan{Faults: []PlannedFault{{Class: ClassValidation, Route: knoxtest.RouteListDevices, Nth: 1}}}
	caseOf := func(journal []knoxtest.Exchange) reports.CaseResult {
		return Judge(journal, plan, knoxtest.Credentials{}, nil)[0]
	}
	if c := caseOf([]knoxtest.Exchange{list(1, 0, 400, "", true), list(2, 50, 200, "pageNum=1", false)}); c.Class != reports.Pass {
		t.Errorf("no retry, then another call: %s %+v", c.Class, c.Checks)
	}
	if c := caseOf([]knoxtest.Exchange{list(1, 0, 400, "", true), list(2, 50, 200, "", false)}); c.Class != reports.Fail {
		t.Errorf("a retry of the 400: %s, want FAIL", c.Class)
	}
	if c := caseOf(nil); c.Class != reports.Unsupported {
		t.Errorf("no request at all: %s, want UNSUPPORTED", c.Class)
	}
	// A fault the server did not inject is our bug, never a verdict on the client.
	if c := caseOf([]knoxtest.Exchange{list(1, 0, 200, "", false)}); c.Class != reports.Error {
		t.Errorf("uninjected fault: %s, want ERROR", c.Class)
	}
	// A request with the wrong method never reaches the fault script.
	wrong := list(1, 0, 405, "", false)
	wrong.Method = "POST"
	if c := caseOf([]knoxtest.Exchange{wrong, list(2, 5, 400, "", true)}); c.Class != reports.Pass {
		t.Errorf("a 405 before the fault: %s (%s), want PASS", c.Class, c.Reason)
	}
	// Listed as an expected failure: XFAIL.
	got := Judge([]knoxtest.Exchange{list(1, 0, 400, "", true), list(2, 50, 200, "", false)}, plan, knoxtest.Credentials{},
		map[string]string{plan.Faults[0].ID(): "known, ticket 7"})
	if got[0].Class != reports.ExpectedFail {
		t.Errorf("listed failure: %s, want XFAIL", got[0].Class)
	}
}

func seqs(xs []knoxtest.Exchange) []int {
	var out []int
	for _, x := range xs {
		out = append(out, x.Seq)
	}
	return out
}
