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

		newCase("success/oauth-revoke", knoxerr.MUST, "a revoke reported done has ended the token the client used",
			"A call that succeeds MUST be reported as success with its answer, and only a call that did succeed: an OAuth 2.0 revoke the client reports done has ended, on the server, the access token the client was using.",
			sourceBehaviours+"; "+sourceOAuthUEM+"; RFC 7009 §2").
			needs(target.OpKCListDevices, target.OpOAuthRevoke).with(knoxtest.WithDevices(5)).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, kcAll)
			r.invoke(target.OpOAuthRevoke, nil)
			ev := r.ev()
			r.must(ev, HaveSucceeded("the revoke was reported done"))
			r.must(ev, HaveRevokedBearer(knoxtest.RouteKCDevices))
		}),

		newCase("success/oauth-revoke-not-done", knoxerr.MUST, "a revoke the server did not carry out is not reported done",
			"Success is success, and only success: a revoke the server refused (401 invalid_client: no retry of the same request) or never carried out (500 to every attempt, until the client gives up) is reported as the failure it is, never as done; the token is still valid.",
			sourceBehaviours+"; "+sourceOAuthUEM+"; RFC 7009 §2.2.1", knoxerr.OAuthInvalidClient, knoxerr.HTTPInternalServerError).
			needs(target.OpOAuthToken, target.OpOAuthRevoke).scenario(func(r *caseRun) {
			revoke := knoxtest.RouteOAuthRevoke
			// Refused: the server does not accept the client's credentials.
			from := r.mark()
			r.invoke(target.OpOAuthToken, target.OAuthTokenParams{})
			r.script(revoke, knoxtest.Step{Code: knoxerr.OAuthInvalidClient, Shape: knoxerr.ShapeOAuth})
			r.invoke(target.OpOAuthRevoke, nil)
			ev := r.since(from)
			r.precondition(ev, HaveMadeAtLeast(revoke, 1, "the revoke reached the server"))
			r.must(ev, HaveMadeNoSecondRequest(revoke, "401 invalid_client"))
			r.must(ev, HaveFailed())
			r.must(ev, HaveRevokedIfDone())
			// Never carried out: 500 until the client gives up. A client may
			// have forgotten its tokens with the refused revoke: it obtains
			// one again first.
			from = r.mark()
			r.invoke(target.OpOAuthToken, target.OAuthTokenParams{})
			r.script(revoke, always(knoxerr.HTTPInternalServerError))
			r.invoke(target.OpOAuthRevoke, nil)
			ev = r.since(from)
			r.must(ev, HaveMadeAtMost(revoke, attemptBound, "attempts are bounded"))
			r.must(ev, HaveFailed())
			r.must(ev, HaveRevokedIfDone())
		}),
	}
}

// HaveRevokedBearer: the access token of the last Bearer call to route that
// the server accepted was ended by a revoke call of the client (the server
// records which live token each revoke ended). A revoke of an unknown or
// already ended token is answered 200 (RFC 7009), so the status alone proves
// nothing.
func HaveRevokedBearer(route knoxtest.Route) *Requirement {
	return requirement("revoked its token",
		fmt.Sprintf("a revoke call that ended the access token the client last used on %s", route),
		func(ev *Evidence) (bool, string) {
			var held string
			for _, x := range ev.on(route) {
				if x.BearerToken != "" && x.Status >= 200 && x.Status < 300 {
					held = x.BearerToken
				}
			}
			if held == "" {
				return false, fmt.Sprintf("no Bearer call to %s was accepted, so no token was held", route)
			}
			revokes := ev.on(knoxtest.RouteOAuthRevoke)
			for _, x := range revokes {
				if x.Revoked == held {
					return true, fmt.Sprintf("%s; it ended %s", requests(knoxtest.RouteOAuthRevoke, revokes), held)
				}
			}
			if len(revokes) == 0 {
				return false, fmt.Sprintf("no request to %s: the token %s is still valid on the server", knoxtest.RouteOAuthRevoke, held)
			}
			return false, fmt.Sprintf("%s, none of which ended %s, the token the client used", requests(knoxtest.RouteOAuthRevoke, revokes), held)
		})
}

// HaveRevokedIfDone: a revoke the client reports done has ended, on the
// server, the access token the client obtained in the same scenario (the last
// one the OAuth 2.0 token route issued in the evidence); a revoke reported
// failed claims nothing. A client that gives up on a 429 or a 500 and reports
// the revoke done anyway leaves a live token behind.
func HaveRevokedIfDone() *Requirement {
	return requirement("revoke reported done only when done",
		"a revoke the client reports done has ended, on the server, the access token the client obtained",
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if rec.GaveUp || !rec.Outcome.OK {
				return true, "the revoke was not reported done: " + outcomeText(rec)
			}
			var issued string
			for _, x := range ev.on(knoxtest.RouteOAuthToken) {
				if x.IssuedToken != "" {
					issued = x.IssuedToken
				}
			}
			revokes := ev.on(knoxtest.RouteOAuthRevoke)
			if issued == "" {
				return false, fmt.Sprintf("the client reported the revoke done, but no access token was issued to it here (%s)", requests(knoxtest.RouteOAuthRevoke, revokes))
			}
			for _, x := range revokes {
				if x.Revoked == issued {
					return true, fmt.Sprintf("%s; it ended %s", requests(knoxtest.RouteOAuthRevoke, revokes), issued)
				}
			}
			return false, fmt.Sprintf("the client reported the revoke done; %s, none of which ended %s, the token it obtained", requests(knoxtest.RouteOAuthRevoke, revokes), issued)
		})
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
