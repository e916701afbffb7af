package conformance

import (
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

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
			from := r.mark()
			const n = 4
			r.invokeConcurrently(n, target.OpListDevices, firstPage)
			ev := r.since(from)
			r.must(ev, HaveMadeAtMost(tok, n, "at most one refresh per failing call"))
			r.should(ev, HaveMadeRequests(tok, 1))
			r.should(ev, HaveAllSucceeded("every call can use the one new token"))
		}),
	}
}
