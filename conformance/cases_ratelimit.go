package conformance

import (
	"net/http"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// jitterCalls is how many calls meet the same 429 at once in ratelimit/jitter.
const jitterCalls = 8

// rateLimitCases: BEHAVIOURS.md §2, the Retry-After forms real clients get wrong.
func rateLimitCases() []*caseDef {
	list := knoxtest.RouteListDevices
	src := sourceRetryAfter + "; " + sourceBehaviours
	longer := func(c *target.ClientConfig) { c.TimeoutMs = 8000 }
	return []*caseDef{
		newCase("ratelimit/retry-after-date", knoxerr.MUST, "wait until a Retry-After HTTP-date",
			"MUST NOT send the next attempt before the time a Retry-After HTTP-date names (an HTTP-date parsed as 0 is a classic hot-loop bug).",
			src, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).tune(longer).scenario(func(r *caseRun) {
			// HTTP-dates have whole seconds: 2 s ahead, rounded up, is 2 to 3 s ahead.
			at := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: at.UTC().Format(http.TimeFormat)})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveRetriedNotBefore(list, at, "Retry-After: "+at.UTC().Format(http.TimeFormat)))
			r.must(ev, HaveMadeAtMost(list, 2, "one retry once the time has come"))
			r.should(ev, HaveRetriedBy(list, at.Add(1500*time.Millisecond), "not much later than the time named"))
			r.should(ev, HaveSucceeded("the server recovered after one 429"))
		}),

		// docs/protocol.md: absent advice means the client's own defaults; a
		// Retry-After of one second is within any sensible budget.
		newCase("ratelimit/client-defaults", knoxerr.MUST, "wait out Retry-After on its own defaults when nothing is advised",
			"With no attempt bound, delays or Retry-After budget advised (the client's own defaults), a client MUST NOT send the next attempt before Retry-After: 1 has elapsed and MUST bound attempts; SHOULD succeed once the server recovers (a one-second wait is within any sensible budget).",
			src, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).tune(noRetryAdvice).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "1"})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveWaitedAtLeast(list, time.Second, "Retry-After: 1"))
			r.must(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded, advised or not"))
			r.should(ev, HaveSucceeded("the server recovered after one 429"))
		}),

		newCase("ratelimit/natural-429", knoxerr.MUST, "wait out a real rate limit",
			"MUST NOT send the next attempt before Retry-After has elapsed; SHOULD succeed once the server's rate limit lets it through.",
			src, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).
			with(knoxtest.WithRateLimit(2, 2), knoxtest.WithRetryAfterOnRateLimit("1")).
			limit(45 * time.Second).
			scenario(func(r *caseRun) {
				// Burst 2: the third call in a row meets a real 429 with Retry-After: 1.
				for range 4 {
					r.invoke(target.OpListDevices, firstPage)
				}
				ev := r.ev()
				r.must(ev, HaveWaitedAtLeast(list, time.Second, "Retry-After: 1"))
				r.must(ev, HaveMadeAtMost(list, 4+attemptBound, "attempts are bounded"))
				r.should(ev, HaveAllSucceeded("the limit lets every call through after a wait"))
			}),

		newCase("ratelimit/retry-after-garbage", knoxerr.MUST, "back off when Retry-After is unparseable",
			"MUST fall back to a backoff > 0 when Retry-After cannot be parsed (\"soon\"); a 0 ms retry is a hot loop.",
			src, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).tune(judgedBackoff).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "soon", Times: transientFaults})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveBackedOff(list, "Retry-After: soon"))
			r.must(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded"))
			r.should(ev, HaveRecovered(list, "the 429s ended after three", false))
		}),

		newCase("ratelimit/retry-after-huge", knoxerr.MUST, "give up on a Retry-After beyond the budget",
			"MUST NOT retry before Retry-After: 86400 has elapsed; SHOULD give up at once and report rate_limited instead of sleeping a day.",
			src, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "86400", Times: knoxtest.Forever})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveMadeNoSecondRequest(list, "429 with Retry-After: 86400"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveReturnedWithin(time.Second, "no point waiting for a day"))
			r.should(ev, HaveSurfacedKind(knoxerr.KindRateLimited))
		}),

		newCase("ratelimit/retry-after-persisting", knoxerr.MUST, "honour every Retry-After while 429 persists, and stop",
			"MUST honour EVERY Retry-After, not only the first; MUST bound the attempts while 429 persists; SHOULD give up and report rate_limited.",
			src, knoxerr.HTTPTooManyRequests).
			needs(target.OpListDevices).
			// A long timeout, so that a client that does not bound its attempts has
			// room to show it; three attempts advised, so that a bounded one is done
			// after two waits.
			tune(func(c *target.ClientConfig) { c.TimeoutMs, c.MaxAttempts = 12000, 3 }).limit(40 * time.Second).
			scenario(func(r *caseRun) {
				r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "1", Times: knoxtest.Forever})
				r.invoke(target.OpListDevices, firstPage)
				ev := r.ev()
				r.must(ev, HaveWaitedAtLeast(list, time.Second, "every 429 says Retry-After: 1"))
				r.must(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded while 429 persists; the advised maxAttempts is 3"))
				r.must(ev, HaveFailed())
				r.should(ev, HaveSurfacedKind(knoxerr.KindRateLimited))
			}),

		newCase("ratelimit/jitter", knoxerr.SHOULD, "no lockstep retries across calls",
			"Clients that meet the same 429 at the same moment SHOULD NOT retry in lockstep: the backoff is randomised (full, equal or decorrelated jitter).",
			src).
			needs(target.OpListDevices).requires("concurrency").
			// A 2 s base delay: equal jitter then spreads eight retries over about
			// 800 ms, so that a client starved of CPU (its timers fire in bunches
			// when it runs again) still shows its jitter, while the load spreads a
			// fixed delay by at most a few hundred (234 ms measured with both CPUs
			// saturated, at a 1 s base, which left too little room between the
			// two). The timeout leaves room for decorrelated jitter's longest
			// draw (the 4 s cap) on a loaded machine.
			tune(func(c *target.ClientConfig) {
				c.BaseDelayMs, c.MaxDelayMs, c.TimeoutMs = target.JitterBaseDelayMs, target.JitterMaxDelayMs, 10000
			}).
			scenario(func(r *caseRun) {
				// The token first, so that the eight calls reach the resource together.
				r.invoke(target.OpListDevices, firstPage)
				from := r.mark()
				r.script(list, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, Times: jitterCalls})
				r.invokeConcurrently(jitterCalls, target.OpListDevices, firstPage)
				ev := r.since(from)
				r.precondition(ev, HaveMadeAtLeast(list, jitterCalls, "the concurrent calls reached the server"))
				r.should(ev, HaveSpreadRetries(list, jitterCalls))
			}),

		newCase("ratelimit/503-retry-after", knoxerr.SHOULD, "503 with Retry-After treated like 429",
			"A gateway's 503 with Retry-After SHOULD be handled as 429: wait the advised delay, then retry.",
			src).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Status: http.StatusServiceUnavailable, RetryAfter: "1"})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.should(ev, HaveWaitedAtLeast(list, time.Second, "Retry-After: 1"))
			r.should(ev, HaveSucceeded("the gateway recovered"))
		}),
	}
}
