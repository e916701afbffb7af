package conformance

import (
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// authorizeTokenCases: BEHAVIOURS.md §1.4, the authorizeToken codes.
func authorizeTokenCases() []*caseDef {
	src := knoxerr.TroubleshootingURL
	auth := knoxtest.RouteSAAuthorize
	prepare := func(r *caseRun) {
		r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()})
	}
	return []*caseDef{
		naturalNoRetry("lic/LIC_4101/no-retry", knoxerr.LIC4101, src, " (Produced for real: no app id, so no x-osp-appId header.)"),
		naturalNoRetry("lic/LIC_4102/no-retry", knoxerr.LIC4102, src, " (Produced for real: an authToken that was never issued.)"),
		naturalNoRetry("lic/LIC_4103/no-retry", knoxerr.LIC4103, src, " (Produced for real: x-osp-appId is not the client the token was issued to.)"),

		newCase("lic/LIC_5101/bounded-backoff", knoxerr.MUST, "bounded backoff while LIC_5101 persists",
			behaviour(knoxerr.LIC5101)+" If it retries: MUST wait > 0 between attempts.", src, knoxerr.LIC5101).
			needs(target.OpExchangeCode, target.OpAuthorizeToken).tune(judgedBackoff).scenario(func(r *caseRun) {
			prepare(r)
			r.script(auth, always(knoxerr.LIC5101))
			r.invoke(target.OpAuthorizeToken, target.AuthorizeTokenParams{})
			ev := r.ev()
			r.must(ev, HaveBackedOff(auth, "retrying LIC_5101"))
			r.must(ev, HaveMadeAtMost(auth, attemptBound, "attempts are bounded; the advised maxAttempts is 4"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedCode(knoxerr.LIC5101))
			r.info(ev, RecordRetrySchedule(auth))
		}),

		newCase("lic/LIC_5101/transient", knoxerr.MUST, "recover from a one-off LIC_5101",
			"The request \"may need to be sent again\": SHOULD succeed when LIC_5101 was transient; MUST wait > 0 before the retry.", src, knoxerr.LIC5101).
			needs(target.OpExchangeCode, target.OpAuthorizeToken).tune(judgedBackoff).scenario(func(r *caseRun) {
			prepare(r)
			r.script(auth, knoxtest.Step{Code: knoxerr.LIC5101, Times: transientFaults})
			r.invoke(target.OpAuthorizeToken, target.AuthorizeTokenParams{})
			ev := r.ev()
			r.must(ev, HaveBackedOff(auth, "retrying LIC_5101"))
			r.should(ev, HaveRecovered(auth, "LIC_5101 ended after three", true))
		}),
	}
}
