package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// successCases: BEHAVIOURS.md §2 "Success is success" (a call that succeeds is
// reported with its answer; a 2xx whose body is not the documented JSON is an
// error) and the success half of "Rejected state is dropped" (a refreshed
// token serves every later call).
func successCases() []*caseDef {
	list, tok := knoxtest.RouteListDevices, knoxtest.RouteAccessToken
	badBody := func(name string, fault knoxtest.Fault) *caseDef {
		return newCase("success/2xx-"+name, knoxerr.MUST, "a 200 with "+name+" body is an error, not an empty success",
			"A 2xx whose body is not the documented JSON ("+name+") MUST be reported as an error, never as success with empty data; attempts are bounded.",
			sourceBehaviours).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Status: http.StatusOK, Fault: fault, Times: knoxtest.Forever})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.precondition(ev, HaveMadeAtLeast(list, 1, "the call reached the server"))
			r.must(ev, HaveFailed())
			r.must(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded"))
		})
	}
	return []*caseDef{
		badBody("html", knoxtest.FaultHTML),
		badBody("empty", knoxtest.FaultEmpty),
		badBody("truncated", knoxtest.FaultTruncated),

		newCase("success/delete", knoxerr.MUST, "a completed delete is reported with its per-device lists",
			"A call that succeeds MUST be reported as success with its answer: a KME delete with how many devices were deleted, failed and not found.",
			sourceBehaviours).
			needs(target.OpDeleteDevices).scenario(func(r *caseRun) {
			// One device of the seed, one the seed keeps locked, one unknown.
			r.invoke(target.OpDeleteDevices, target.DeleteDevicesParams{Devices: []string{"350000000001000", "350000000001006", "353456789012345"}})
			ev := r.ev()
			r.must(ev, HaveSucceeded("the delete was accepted"))
			r.must(ev, HaveReportedDelete(target.DeleteDevicesValue{Success: 1, Failed: 1, NotFound: 1}))
		}),

		newCase("success/token-replaced", knoxerr.MUST, "a refreshed token serves every later call",
			"A token rejected with 4032251 is never sent again: the new token replaces it for every later call, and a valid token is reused rather than replaced again.",
			sourceBehaviours, knoxerr.AccessTokenExpired).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.srv.ExpireTokens()
			from := r.mark()
			r.invoke(target.OpListDevices, firstPage)
			r.invoke(target.OpListDevices, firstPage)
			r.invoke(target.OpListDevices, firstPage)
			ev := r.since(from)
			r.must(ev, NeverReusedRejectedToken(list))
			r.must(ev, HaveAllSucceeded("the new token is valid"))
			r.should(ev, HaveMadeAtMost(tok, 1, "one new token, then reused (token reuse)"))
		}),
	}
}

// HaveReportedDelete: the last invoke succeeded with the delete's per-device
// counts.
func HaveReportedDelete(want target.DeleteDevicesValue) *Requirement {
	return requirement("reported the per-device result",
		fmt.Sprintf("the success carries the devices deleted (%d), failed (%d) and not found (%d)", want.Success, want.Failed, want.NotFound),
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if rec.GaveUp || !rec.Outcome.OK {
				return false, outcomeText(rec)
			}
			var got target.DeleteDevicesValue
			if err := json.Unmarshal(rec.Outcome.Value, &got); err != nil {
				return false, fmt.Sprintf("the client reported success with value %s, not {success, failed, notFound}", truncateValue(rec.Outcome.Value))
			}
			return got == want, fmt.Sprintf("the client reported success with %d deleted, %d failed, %d not found", got.Success, got.Failed, got.NotFound)
		})
}

func truncateValue(v json.RawMessage) string {
	if len(v) == 0 {
		return "(none)"
	}
	if len(v) > 80 {
		return string(v[:80]) + "…"
	}
	return string(v)
}
