package conformance

import (
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// slowToken is how long the single-flight cases hold back the token server's
// answer: long enough that every concurrent call meets its 4032251 while the
// first call's refresh is under way, even on a loaded machine.
const slowToken = 300

// tokenCases: BEHAVIOURS.md §2, access token reuse.
func tokenCases() []*caseDef {
	tok := knoxtest.RouteAccessToken
	return []*caseDef{
		newCase("token/reuse", knoxerr.SHOULD, "one access token for several calls",
			"SHOULD reuse a valid access token across calls instead of minting one per call.", sourceBehaviours).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.invoke(target.OpListDevices, firstPage)
			r.invoke(target.OpListDevices, firstPage)
			r.should(r.ev(), HaveMadeRequests(tok, 1))
		}),

		newCase("token/single-flight", knoxerr.MUST, "one refresh for concurrent calls on an expired token",
			"SHOULD obtain one new token for all concurrent calls that meet 4032251 (single-flight); MUST NOT refresh more than once per failing call.",
			sourceBehaviours, knoxerr.AccessTokenExpired).
			needs(target.OpListDevices).requires("concurrency").scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.srv.ExpireTokens()
			// The new token comes slowly, so that the other calls meet
			// 4032251 while the first call's refresh is under way.
			r.script(tok, knoxtest.Step{Pass: true, DelayMs: slowToken})
			from := r.mark()
			const n = 4
			r.invokeConcurrently(n, target.OpListDevices, firstPage)
			ev := r.lastCalls(from, n)
			r.precondition(ev, HaveMetTogether(knoxtest.RouteListDevices, tok))
			r.must(ev, HaveAllReturnedWithinTimeout(time.Second))
			r.must(ev, HaveMadeAtMost(tok, n, "at most one refresh per failing call"))
			r.should(ev, HaveMadeRequests(tok, 1))
			r.should(ev, HaveAllSucceeded("every call can use the one new token"))
		}),

		newCase("token/single-flight-failing", knoxerr.MUST, "concurrent calls report a shared refresh that failed",
			"When the one refresh that concurrent calls wait on fails (the token server answers 500 until the end), every call MUST return within its timeout and report the failure, and SHOULD report it as the token server's (kind server): a call that waited on the refresh does not go on without a token.",
			sourceBehaviours, knoxerr.AccessTokenExpired, knoxerr.HTTPInternalServerError).
			needs(target.OpListDevices).requires("concurrency").scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.srv.ExpireTokens()
			r.script(tok, knoxtest.Step{Code: knoxerr.HTTPInternalServerError, DelayMs: slowToken, Times: knoxtest.Forever})
			from := r.mark()
			const n = 4
			r.invokeConcurrently(n, target.OpListDevices, firstPage)
			ev := r.lastCalls(from, n)
			r.precondition(ev, HaveMetTogether(knoxtest.RouteListDevices, tok))
			r.must(ev, HaveAllReturnedWithinTimeout(time.Second))
			r.must(ev, HaveAllFailed("the token server never recovered"))
			r.should(ev, HaveAllSurfacedKind(knoxerr.KindServer))
			r.must(ev, HaveMadeAtMost(tok, n*attemptBound, "attempts are bounded"))
		}),

		newCase("token/single-flight-hang", knoxerr.MUST, "concurrent calls give up on a token server that never answers",
			"When the token server never answers the refresh that concurrent calls share, every call MUST give up within its own timeout and report the failure, never a token it did not get; SHOULD as kind timeout.",
			sourceBehaviours).
			needs(target.OpAccessToken).requires("concurrency").
			tune(func(c *target.ClientConfig) { c.TimeoutMs = int(hangTimeout / time.Millisecond) }).
			scenario(func(r *caseRun) {
				r.script(tok, knoxtest.Step{Fault: knoxtest.FaultHang, Times: knoxtest.Forever})
				from := r.mark()
				const n = 4
				r.invokeConcurrently(n, target.OpAccessToken, nil)
				ev := r.lastCalls(from, n)
				r.precondition(ev, HaveMadeAtLeast(tok, 1, "a token request reached the server"))
				r.must(ev, HaveAllReturnedWithinTimeout(time.Second))
				r.must(ev, HaveAllFailed("the token server never answered"))
				r.should(ev, HaveAllSurfacedKind(knoxerr.KindTimeout))
			}),
	}
}
