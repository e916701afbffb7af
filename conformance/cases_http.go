package conformance

import (
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// httpCases: BEHAVIOURS.md §1.1, the standard HTTP codes any Knox endpoint may answer.
func httpCases() []*caseDef {
	src := knoxerr.TroubleshootingURL
	list := knoxtest.RouteListDevices
	return []*caseDef{
		noRetryInjected("http/400/no-retry", knoxerr.HTTPBadRequest, target.OpListDevices, src),

		newCase("http/401/refresh", knoxerr.MUST, "one new token and one retry after 401 Unauthorized",
			behaviour(knoxerr.HTTPUnauthorized), src, knoxerr.HTTPUnauthorized).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			from := r.mark()
			r.script(list, once(knoxerr.HTTPUnauthorized))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.since(from)
			after := ev.afterRejection(list)
			r.must(after, HaveMadeAtMost(list, 2, "at most two attempts of the call, counting the one answered 401"))
			r.must(after, HaveMadeAtMost(knoxtest.RouteAccessToken, 1, "at most one new token after 401"))
			r.should(after, HaveRefreshedOnce())
			r.should(after, HaveUsedNewToken(list))
			r.should(ev, HaveSucceeded("a fresh token cures a one-off 401"))
		}),

		newCase("http/401/bounded", knoxerr.MUST, "no loop when 401 Unauthorized persists",
			behaviour(knoxerr.HTTPUnauthorized), src, knoxerr.HTTPUnauthorized).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, always(knoxerr.HTTPUnauthorized))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveMadeAtMost(list, 2, "at most two attempts of the call"))
			r.must(ev, HaveMadeAtMost(knoxtest.RouteAccessToken, 2, "the first token and at most one new one"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedStatus(401))
		}),

		tokenRoute401("http/401/token-route-bounded", knoxerr.MUST, "no loop when the accesstoken request meets 401 Unauthorized",
			always(knoxerr.HTTPUnauthorized), src, func(r *caseRun, ev *Evidence) {
				r.must(ev, HaveFailed())
				r.should(ev, HaveSurfacedStatus(401))
			}),
		tokenRoute401("http/401/token-route-once", knoxerr.SHOULD, "a one-off 401 on the accesstoken request cured by a newly signed JWT",
			once(knoxerr.HTTPUnauthorized), src, func(r *caseRun, ev *Evidence) {
				r.should(ev, HaveSucceeded("a newly signed JWT cures a one-off 401"))
			}),

		newCase("http/403/no-retry", knoxerr.MUST, "no retry after 403 Forbidden",
			behaviour(knoxerr.HTTPForbidden)+" (Produced for real: a client identifier not entitled to KME.)", src, knoxerr.HTTPForbidden).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			if m, ok := r.mistake(knoxerr.HTTPForbidden); ok {
				r.useCredentials(m.Credentials)
			} else {
				r.script(list, once(knoxerr.HTTPForbidden))
			}
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.precondition(ev, HaveMadeAtLeast(list, 1, "the call reached the server"))
			r.must(ev, HaveMadeNoSecondRequest(list, named(knoxerr.HTTPForbidden)))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedStatus(403))
			r.should(ev, HaveSurfacedKind(knoxerr.KindForbidden))
		}),

		noRetryInjected("http/404/no-retry", knoxerr.HTTPNotFound, target.OpListDevices, src),
		noRetryInjected("http/406/no-retry", knoxerr.HTTPNotAcceptable, target.OpListDevices, src),

		newCase("http/406/accept-header", knoxerr.SHOULD, "Accept: application/json on every call",
			"SHOULD send Accept: application/json on every call (a server that cannot honour Accept answers 406).", src, knoxerr.HTTPNotAcceptable).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.should(r.ev(), HaveSentHeaderOnEvery("Accept", "application/json"))
		}),

		newCase("http/406/accept-everywhere", knoxerr.SHOULD, "Accept: application/json on retries, token and Samsung Account requests too",
			"SHOULD send Accept: application/json on every request: retries, token requests and Samsung Account calls, not only the first call.", src, knoxerr.HTTPNotAcceptable).
			needs(target.OpListDevices, target.OpExchangeCode, target.OpAuthorizeToken).scenario(func(r *caseRun) {
			// Each route answers once with a reply every client retries.
			r.script(knoxtest.RouteAccessToken, once(knoxerr.APIKeyNonUniqueJWTID))
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests})
			r.invoke(target.OpListDevices, firstPage)
			r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()})
			r.script(knoxtest.RouteSAAuthorize, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests})
			r.invoke(target.OpAuthorizeToken, target.AuthorizeTokenParams{})
			r.should(r.ev(), HaveSentHeaderOnEvery("Accept", "application/json"))
		}),

		newCase("http/422/no-retry", knoxerr.MUST, "no automatic retry after 422 Unprocessable Entity",
			behaviour(knoxerr.HTTPUnprocessableEntity)+" (Produced for real: more devices in one delete call than the limit.)", src, knoxerr.HTTPUnprocessableEntity).
			needs(target.OpDeleteDevices).with(knoxtest.WithMaxDevicesPerCall(2)).scenario(func(r *caseRun) {
			r.invoke(target.OpDeleteDevices, target.DeleteDevicesParams{Devices: []string{"354000000000001", "354000000000002", "354000000000003"}})
			ev := r.ev()
			r.must(ev, HaveMadeNoSecondRequest(knoxtest.RouteDeleteDevices, named(knoxerr.HTTPUnprocessableEntity)))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedStatus(422))
		}),

		newCase("http/429/retry-after-seconds", knoxerr.MUST, "wait Retry-After (delay-seconds) after 429",
			"MUST NOT send the next attempt before Retry-After has elapsed. SHOULD succeed once the server recovers.",
			src+"; "+sourceRetryAfter, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "1"})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveWaitedAtLeast(list, time.Second, "Retry-After: 1"))
			r.must(ev, HaveMadeAtMost(list, 2, "one retry once the window has passed"))
			r.should(ev, HaveWaitedAtMost(list, 1500*time.Millisecond, "not much later than the 1 s asked"))
			r.should(ev, HaveSucceeded("the server recovered after one 429"))
		}),

		newCase("http/429/backoff", knoxerr.MUST, "bounded backoff when 429 has no Retry-After",
			"MUST back off (delay > 0, SHOULD grow) when Retry-After is absent — a 0 ms retry is a hot loop. MUST bound attempts.",
			src+"; "+sourceRetryAfter, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).tune(judgedBackoff).scenario(func(r *caseRun) {
			r.script(list, always(knoxerr.HTTPTooManyRequests))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveBackedOff(list, "429 without Retry-After"))
			r.must(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded; the advised maxAttempts is 4"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedKind(knoxerr.KindRateLimited))
			r.should(ev, HaveGrownDelays(list))
			r.info(ev, RecordRetrySchedule(list))
		}),

		newCase("http/500/bounded-backoff", knoxerr.MUST, "bounded, growing backoff on 500",
			behaviour(knoxerr.HTTPInternalServerError), src, knoxerr.HTTPInternalServerError).
			needs(target.OpListDevices).tune(judgedBackoff).scenario(func(r *caseRun) {
			r.script(list, always(knoxerr.HTTPInternalServerError))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveBackedOff(list, "retrying 500"))
			r.must(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded; the advised maxAttempts is 4"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedKind(knoxerr.KindServer))
			r.should(ev, HaveGrownDelays(list))
			r.info(ev, RecordRetrySchedule(list))
		}),

		newCase("http/500/transient", knoxerr.MUST, "recover from a one-off 500",
			"SHOULD succeed when the fault was transient (three 500s here); MUST wait > 0 before each retry.", src, knoxerr.HTTPInternalServerError).
			needs(target.OpListDevices).tune(judgedBackoff).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPInternalServerError, Times: transientFaults})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveBackedOff(list, "retrying 500"))
			r.should(ev, HaveRecovered(list, "the 500 ended after three", true))
		}),

		// docs/protocol.md: an advice field that is absent or 0 means "your
		// default". The rules hold on a client's own defaults as on the advice.
		newCase("http/500/client-defaults", knoxerr.MUST, "back off on its own defaults when no delay is advised",
			"With no delays and no attempt bound advised (absent advice means the client's own defaults), a client MUST still wait > 0 before retrying a 500 and bound its attempts; SHOULD succeed when the fault was transient.",
			src, knoxerr.HTTPInternalServerError).
			needs(target.OpListDevices).tune(noRetryAdvice).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPInternalServerError, Times: transientFaults})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveBackedOff(list, "retrying 500 on the client's own delays"))
			r.must(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded, advised or not"))
			r.should(ev, HaveRecovered(list, "the 500 ended after three", true))
		}),

		noRetryInjected("http/501/no-retry", knoxerr.HTTPNotImplemented, target.OpListDevices, src),
	}
}

// tokenRoute401 is a case on the accesstoken request's own 401, which step
// scripts: "a fresh access token" there is a newly signed client-identifier
// JWT, once, so the route sees at most two requests; judge adds the case's
// checks on the outcome.
func tokenRoute401(id string, level knoxerr.Level, title string, step knoxtest.Step, src string, judge func(r *caseRun, ev *Evidence)) *caseDef {
	return newCase(id, level, title,
		behaviour(knoxerr.HTTPUnauthorized)+" On the accesstoken route, the retry is one request with a newly signed JWT.", src, knoxerr.HTTPUnauthorized).
		needs(target.OpAccessToken).scenario(func(r *caseRun) {
		tok := knoxtest.RouteAccessToken
		r.script(tok, step)
		r.invoke(target.OpAccessToken, nil)
		ev := r.ev()
		r.must(ev, HaveMadeAtMost(tok, 2, "the first request and at most one with a newly signed JWT"))
		judge(r, ev)
	})
}
