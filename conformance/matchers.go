package conformance

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/gomega/gcustom"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// Requirement is a Gomega matcher over *Evidence named for what it checks.
// Its failure message is h2spec style, "Expected: … Actual: …", in words a
// client developer understands; Expected and Actual are also kept for the
// report's Check rows.
type Requirement struct {
	gcustom.CustomGomegaMatcher
	Name     string
	Expected string
	Actual   string
	// Noisy marks a check that the machine's load can fail for a correct client:
	// an upper bound on time, or a judgement over a few random backoff draws. A
	// case whose only failures are noisy is run again to confirm them (see
	// confirmRuns); a client that really breaks the rule fails every run.
	Noisy bool
}

// noisy marks q as load- or draw-sensitive and returns it.
func noisy(q *Requirement) *Requirement { q.Noisy = true; return q }

// requirement builds a Requirement; judge returns whether the evidence meets it
// and what was actually seen.
func requirement(name, expected string, judge func(ev *Evidence) (bool, string)) *Requirement {
	q := &Requirement{Name: name, Expected: expected}
	q.CustomGomegaMatcher = gcustom.MakeMatcher(func(ev *Evidence) (bool, error) {
		ok, actual := judge(ev)
		q.Actual = actual
		return ok, nil
	}).WithTemplate("Expected: {{.Data.Expected}}\nActual: {{.Data.Actual}}", q)
	return q
}

// Timing allowances. Lower bounds (waited at least X) are measured by the server
// on one monotonic clock, from the moment it finished its reply to the arrival
// of the next request, and allow only timer resolution. Upper bounds allow the
// harness's own scheduling lag measured during the case (Evidence.Lag), and are
// noisy: confirmed by a rerun before they fail a case.
const (
	// earlySlack is the timer resolution a client may lose against a lower
	// bound: JavaScript's setTimeout and other millisecond timers can fire up to
	// 1 ms before the nominal time. Nothing else is forgiven: the server's clock
	// is monotonic and nanosecond-resolution, and a loaded machine only makes a
	// client later, never earlier.
	earlySlack = time.Millisecond
	// hotLoopGap is how much longer than its own no-wait turnaround a client
	// must take, on average, to send a retry for it to count as having waited.
	// Full jitter (a delay drawn from [0, cap]) may draw one tiny delay, rarely
	// several, and reruns confirm the verdict (Noisy); the cases that judge
	// backoff advise a 250 ms base delay and fault three times, so that such
	// draws stay rare.
	hotLoopGap = 2 * time.Millisecond
	// hotLoopFloor is the mean delay below which a backoff pass is always
	// confirmed by a rerun (docs/protocol.md states it from target).
	hotLoopFloor = target.HotLoopFloor
	// minJudgedWait is the pooled mean delay under which a wait that no run
	// showed clearly fails (suite.runCase; docs/protocol.md).
	minJudgedWait = target.MinJudgedWait
	// minPooledSpread is the widest lockstep spread that no run showed
	// clearly must reach in one of the runs (suite.runCase).
	minPooledSpread = target.MinPooledSpread
	// attemptBound is the most requests one failing call may make before the
	// suite calls it unbounded (the advised maxAttempts is 4).
	attemptBound = 8
)

// HaveMadeRequests: exactly n requests to route.
func HaveMadeRequests(route knoxtest.Route, n int) *Requirement {
	return requirement(fmt.Sprintf("%d request(s) to %s", n, route),
		fmt.Sprintf("exactly %d request(s) to %s", n, route),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			return len(xs) == n, requests(route, xs)
		})
}

// HaveMadeNoSecondRequest: the call was not retried after the reply named in why.
func HaveMadeNoSecondRequest(route knoxtest.Route, why string) *Requirement {
	return requirement("no retry after "+why,
		fmt.Sprintf("no second request to %s after %s", route, why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			return len(xs) == 1, requests(route, xs)
		})
}

// HaveMadeAtMost: no more than n requests to route.
func HaveMadeAtMost(route knoxtest.Route, n int, why string) *Requirement {
	return requirement(fmt.Sprintf("at most %d request(s) to %s", n, route),
		fmt.Sprintf("at most %d request(s) to %s (%s)", n, route, why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			return len(xs) <= n, requests(route, xs)
		})
}

// HaveMadeAtLeast: n requests or more to route.
func HaveMadeAtLeast(route knoxtest.Route, n int, why string) *Requirement {
	return requirement(fmt.Sprintf("at least %d request(s) to %s", n, route),
		fmt.Sprintf("at least %d request(s) to %s (%s)", n, route, why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			return len(xs) >= n, requests(route, xs)
		})
}

// HaveReachedNoServer: not one request reached the simulated server.
func HaveReachedNoServer(why string) *Requirement {
	return requirement("no request reached the server",
		"no request reaches the server ("+why+")",
		func(ev *Evidence) (bool, string) {
			xs := ev.window()
			if len(xs) == 0 {
				return true, "no request reached the server"
			}
			return false, fmt.Sprintf("%d request(s) reached the server, the first %s", len(xs), xs[0].Route)
		})
}

// HaveSucceeded: the last invoke reported success.
func HaveSucceeded(why string) *Requirement {
	return requirement("succeeded", "the call succeeds ("+why+")",
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			return !rec.GaveUp && rec.Outcome.OK, outcomeText(rec)
		})
}

// HaveRecovered: the last invoke reported success once the fault on route had
// ended. A client may keep its own retry policy (docs/protocol.md), so one
// that gave up on its own attempt bound while the fault still lasted (every
// request it made from the first fault on met an injected fault) is not
// judged on recovering: it never saw the server recover, and reporting that
// failure is correct. mayNotRetry says whether retrying is only MAY here: then
// a client that did not retry at all and reported the failure passes too;
// otherwise it must have retried at least once.
func HaveRecovered(route knoxtest.Route, why string, mayNotRetry bool) *Requirement {
	text := "the call succeeds (" + why + "), unless the client gave up on its own attempt bound before the fault ended"
	if mayNotRetry {
		text += ", or did not retry at all"
	}
	return requirement("recovered", text+", and reports the failure",
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if !rec.GaveUp && rec.Outcome.OK {
				return true, outcomeText(rec)
			}
			xs := ev.on(route)
			first := slices.IndexFunc(xs, func(x knoxtest.Exchange) bool { return x.Injected })
			desc := fmt.Sprintf("%s; %s", requests(route, xs), outcomeText(rec))
			if rec.GaveUp || first < 0 {
				return false, desc
			}
			faulted := xs[first:]
			if !ev.gaveUpDuringFault(route) {
				return false, desc + "; the server had recovered"
			}
			if len(faulted) == 1 && !mayNotRetry {
				return false, desc + "; the client did not retry"
			}
			return true, desc
		})
}

// gaveUpDuringFault is whether the last invoke returned a failure while the
// fault on route still lasted: the route's last answer was an injected one (a
// client that stopped on its own attempt bound before the server recovered).
func (ev *Evidence) gaveUpDuringFault(route knoxtest.Route) bool {
	rec, xs := ev.last(), ev.on(route)
	return !rec.GaveUp && !rec.Outcome.OK && len(xs) > 0 && xs[len(xs)-1].Injected
}

// HaveFailed: the last invoke reported failure (and returned).
func HaveFailed() *Requirement {
	return requirement("reported the failure", "the call reports failure to its caller",
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			return !rec.GaveUp && !rec.Outcome.OK, outcomeText(rec)
		})
}

// HaveSurfacedCode: the last invoke failed carrying code; aliases compare equal
// (4012250 is 40122050), as do AUT/LIC codes in any letter case.
func HaveSurfacedCode(code knoxerr.Code) *Requirement {
	return requirement("surfaced code "+string(code),
		fmt.Sprintf("the failure carries the Knox code %s to the caller", code),
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if rec.GaveUp || rec.Outcome.OK || rec.Outcome.Error == nil {
				return false, outcomeText(rec)
			}
			got := knoxerr.Code(strings.ToUpper(strings.TrimSpace(rec.Outcome.Error.Code)))
			return got != "" && got.Canonical() == code.Canonical(), outcomeText(rec)
		})
}

// HaveSurfacedStatus: the last invoke failed carrying the HTTP status.
func HaveSurfacedStatus(status int) *Requirement {
	return requirement(fmt.Sprintf("surfaced HTTP %d", status),
		fmt.Sprintf("the failure carries HTTP status %d to the caller", status),
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if rec.GaveUp || rec.Outcome.OK || rec.Outcome.Error == nil {
				return false, outcomeText(rec)
			}
			e := rec.Outcome.Error
			return e.HTTPStatus == status || (e.HTTPStatus == 0 && e.Code == fmt.Sprint(status)), outcomeText(rec)
		})
}

// HaveSurfacedStatusAndCode: the last invoke failed carrying the HTTP status
// and, in its own field, the Knox code: one is not a stand-in for the other.
func HaveSurfacedStatusAndCode(status int, code knoxerr.Code) *Requirement {
	return requirement(fmt.Sprintf("surfaced HTTP %d and code %s", status, code),
		fmt.Sprintf("the failure carries HTTP status %d and, separately, the Knox code %s", status, code),
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if rec.GaveUp || rec.Outcome.OK || rec.Outcome.Error == nil {
				return false, outcomeText(rec)
			}
			e := rec.Outcome.Error
			got := knoxerr.Code(strings.ToUpper(strings.TrimSpace(e.Code)))
			return e.HTTPStatus == status && got.Canonical() == code.Canonical(), outcomeText(rec)
		})
}

// HaveReturnedWithinTimeout: the last invoke returned within the client's
// operation timeout (the one advised, or the one its adapter declared) plus
// slack and the harness lag measured during the case.
func HaveReturnedWithinTimeout(slack time.Duration) *Requirement {
	return noisy(requirement("returned within its timeout",
		fmt.Sprintf("the call gives up within its configured timeout plus %d ms", ms(slack)),
		func(ev *Evidence) (bool, string) {
			return ev.returnedWithinTimeout(ev.last(), slack)
		}))
}

// HaveAllReturnedWithinTimeout: every invoke of the evidence (concurrent calls)
// returned within the client's operation timeout, as HaveReturnedWithinTimeout
// judges one.
func HaveAllReturnedWithinTimeout(slack time.Duration) *Requirement {
	return noisy(requirement("all returned within the timeout",
		fmt.Sprintf("every call gives up within its configured timeout plus %d ms", ms(slack)),
		func(ev *Evidence) (bool, string) {
			for i, rec := range ev.Invokes {
				if ok, desc := ev.returnedWithinTimeout(rec, slack); !ok {
					return false, fmt.Sprintf("call %d of %d: %s", i+1, len(ev.Invokes), desc)
				}
			}
			return true, fmt.Sprintf("%d call(s), all returned within the timeout", len(ev.Invokes))
		}))
}

// returnedWithinTimeout is the one judgement of "gave up within its timeout".
func (ev *Evidence) returnedWithinTimeout(rec invokeRecord, slack time.Duration) (bool, string) {
	limit := time.Duration(ev.Config.TimeoutMs)*time.Millisecond + slack
	if rec.GaveUp {
		return false, fmt.Sprintf("client did not give up: no answer after %d ms (its timeout is %d ms)", ms(rec.Elapsed), ev.Config.TimeoutMs)
	}
	return rec.Elapsed <= limit+ev.Lag, fmt.Sprintf("the call returned after %d ms (its timeout is %d ms): %s%s", ms(rec.Elapsed), ev.Config.TimeoutMs, outcomeText(rec), ev.lagNote())
}

// lockstepSpread is how far apart retries must fall, in either measure
// HaveSpreadRetries takes, for them to count as randomised. The case advises a
// 2 s base delay, so that any jitter spreads eight retries over hundreds of
// milliseconds, while a client that waits one fixed delay keeps them within its
// own scheduling noise (6-22 ms measured on a quiet machine; up to 234 ms with
// both CPUs saturated, which only a narrow pass can show, and then the runs
// together must reach minPooledSpread).
const lockstepSpread = target.LockstepSpread

// HaveSpreadRetries: n calls that met a fault on route together did not retry
// in lockstep. The first n requests are the fault's wave and the next n the
// retries. The retries are in lockstep when they arrive together (all within
// lockstepSpread), or when they are the wave again, shifted: paired in order of
// arrival, the k-th retry minus the k-th call gives a delay per call, and those
// delays spread less than lockstepSpread. The pairing in order is the one that
// fits a shifted copy best, so it is the fairest test of "the same delay"; it
// needs nothing of the wave itself, whose own spread grows on a loaded machine
// and says nothing about the delays (a client slow to send its calls is not
// the less randomised for it).
func HaveSpreadRetries(route knoxtest.Route, n int) *Requirement {
	return noisy(requirement("retries not in lockstep",
		fmt.Sprintf("%d calls that met the same fault at once retry neither together nor after one same delay: the retries, and the delays pairing the k-th retry with the k-th call, each spread over at least %d ms (randomised backoff)", n, ms(lockstepSpread)),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			if len(xs) < n+2 {
				return true, requests(route, xs) + "; fewer than two retries, so no lockstep"
			}
			retries := min(n, len(xs)-n)
			lo, hi := time.Duration(1<<62), time.Duration(0)
			for i := range retries {
				d := xs[n+i].At - xs[i].At
				lo, hi = min(lo, d), max(hi, d)
			}
			together, spread, noise := xs[n+retries-1].At-xs[n].At, hi-lo, xs[n-1].At-xs[0].At
			desc := fmt.Sprintf("%d retries arrived within %.1f ms, after delays from %.1f to %.1f ms (spread %.1f ms; the calls themselves arrived within %.1f ms)",
				retries, msf(together), msf(lo), msf(hi), msf(spread), msf(noise))
			if spread < lockstepSpread || together < lockstepSpread {
				return false, desc
			}
			// A client starved of CPU while its retries were due sends them
			// late by different amounts, which spreads a lockstep wave: by up
			// to 234 ms measured on two saturated cores, while the calls
			// themselves had arrived within 20 ms, so neither the calls'
			// spread nor the suite's own lag shows that load. A pass under
			// minPooledSpread (or the calls' spread plus lockstepSpread, if
			// more) is not trusted: the case runs again, and the runs
			// together must reach minPooledSpread once (suite.runCase).
			if narrowBelow := max(noise+lockstepSpread, minPooledSpread); spread < narrowBelow || together < narrowBelow {
				ev.narrow = true
				ev.narrowSpread = min(spread, together)
			}
			return true, desc
		}))
}

// HaveSurfacedKind: the last invoke failed with one of the kinds.
func HaveSurfacedKind(kinds ...knoxerr.Kind) *Requirement {
	names := kindNames(kinds)
	return requirement("surfaced kind "+strings.Join(names, "|"),
		"the failure is reported as kind "+strings.Join(names, " or "),
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			return surfacedKind(rec, kinds), outcomeText(rec)
		})
}

// HaveAllSurfacedKind: every invoke of the evidence (concurrent calls) failed
// with one of the kinds, as HaveSurfacedKind judges one.
func HaveAllSurfacedKind(kinds ...knoxerr.Kind) *Requirement {
	names := kindNames(kinds)
	return requirement("all surfaced kind "+strings.Join(names, "|"),
		"every call's failure is reported as kind "+strings.Join(names, " or "),
		func(ev *Evidence) (bool, string) {
			for i, rec := range ev.Invokes {
				if !surfacedKind(rec, kinds) {
					return false, fmt.Sprintf("call %d of %d: %s", i+1, len(ev.Invokes), outcomeText(rec))
				}
			}
			return true, fmt.Sprintf("%d call(s), all reported as kind %s", len(ev.Invokes), strings.Join(names, " or "))
		})
}

func kindNames(kinds []knoxerr.Kind) []string {
	var names []string
	for _, k := range kinds {
		names = append(names, string(k))
	}
	return names
}

// surfacedKind is whether rec returned a failure of one of the kinds.
func surfacedKind(rec invokeRecord, kinds []knoxerr.Kind) bool {
	if rec.GaveUp || rec.Outcome.OK || rec.Outcome.Error == nil {
		return false
	}
	return slices.Contains(kinds, rec.Outcome.Error.Kind)
}

// HaveReturnedWithin: the last invoke returned within d (plus the harness lag
// measured during the case) of being started.
func HaveReturnedWithin(d time.Duration, why string) *Requirement {
	return noisy(requirement(fmt.Sprintf("returned within %d ms", ms(d)),
		fmt.Sprintf("the call returns within %d ms (%s)", ms(d), why),
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if rec.GaveUp {
				return false, fmt.Sprintf("client did not give up: no answer after %d ms", ms(rec.Elapsed))
			}
			return rec.Elapsed <= d+ev.Lag, fmt.Sprintf("the call returned after %d ms: %s%s", ms(rec.Elapsed), outcomeText(rec), ev.lagNote())
		}))
}

// HaveWaitedAtLeast: every request to route that followed, within the same
// call, a reply carrying Retry-After came at least d after that reply was sent
// (server-observed, earlySlack allowed). A gap between two calls the suite made
// is the suite's timing, not the client's, and is not judged.
func HaveWaitedAtLeast(route knoxtest.Route, d time.Duration, why string) *Requirement {
	return requirement(fmt.Sprintf("waited at least %d ms", ms(d)),
		fmt.Sprintf("no retry to %s earlier than %d ms after the reply that asked to wait (%s)", route, ms(d), why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			for i := 1; i < len(xs); i++ {
				if xs[i-1].RetryAfter == "" || !ev.sameCall(xs[i-1], xs[i]) {
					continue
				}
				if waited := xs[i].At - replied(xs[i-1]); waited < d-earlySlack {
					return false, fmt.Sprintf("%s; request #%d came %.1f ms after the reply to #%d", requests(route, xs), xs[i].Seq, msf(waited), xs[i-1].Seq)
				}
			}
			return true, requests(route, xs)
		})
}

// replied is when the server finished the reply to x, on the journal's clock.
func replied(x knoxtest.Exchange) time.Duration { return x.At + x.Duration }

// HaveWaitedAtMost: every request to route that followed, within the same
// call, a reply carrying Retry-After came within d (plus the measured harness
// lag) of it.
func HaveWaitedAtMost(route knoxtest.Route, d time.Duration, why string) *Requirement {
	return noisy(requirement(fmt.Sprintf("waited at most %d ms", ms(d)),
		fmt.Sprintf("the retry to %s comes no later than %d ms after the previous attempt (%s)", route, ms(d), why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			for i := 1; i < len(xs); i++ {
				if xs[i-1].RetryAfter != "" && ev.sameCall(xs[i-1], xs[i]) && xs[i].At-xs[i-1].At > d+ev.Lag {
					return false, requests(route, xs) + ev.lagNote()
				}
			}
			return true, requests(route, xs)
		}))
}

// HaveRetriedNotBefore: the second request to route arrived no earlier than at
// (wall clock), minus earlySlack.
func HaveRetriedNotBefore(route knoxtest.Route, at time.Time, why string) *Requirement {
	return requirement("retried not before "+at.UTC().Format(time.RFC1123),
		fmt.Sprintf("no retry to %s before %s (%s)", route, at.UTC().Format(http.TimeFormat), why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			if len(xs) < 2 {
				return true, requests(route, xs)
			}
			early := at.Sub(xs[1].Time)
			desc := fmt.Sprintf("%s; the retry came %.1f ms before that time", requests(route, xs), msf(early))
			if early <= 0 {
				desc = fmt.Sprintf("%s; the retry came %d ms after that time", requests(route, xs), -ms(early))
			}
			return early <= earlySlack, desc
		})
}

// HaveRetriedBy: the second request to route arrived by at (wall clock), plus
// the measured harness lag.
func HaveRetriedBy(route knoxtest.Route, at time.Time, why string) *Requirement {
	return noisy(requirement("retried by "+at.UTC().Format(time.RFC1123),
		fmt.Sprintf("a retry to %s by %s (%s)", route, at.UTC().Format("15:04:05.000"), why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			if len(xs) < 2 {
				return false, requests(route, xs)
			}
			return !xs[1].Time.After(at.Add(ev.Lag)), fmt.Sprintf("%s; the retry came at %s%s", requests(route, xs), xs[1].Time.UTC().Format("15:04:05.000"), ev.lagNote())
		}))
}

// HaveBackedOff: the client waited before retrying route. A hot loop sends its
// next attempt as fast as it can do the work of a request: no slower than the
// slowest request it sent in the case without a reason to wait
// (Evidence.turnaround, which the machine's load stretches just as much). A
// retry is judged to have waited when the mean time from a reply to the next
// attempt, within the call, exceeds that turnaround by hotLoopGap. Full jitter
// may draw delays that small, rarely: the check is Noisy, and reruns confirm
// it.
func HaveBackedOff(route knoxtest.Route, why string) *Requirement {
	return noisy(requirement("backed off",
		fmt.Sprintf("a delay before retrying %s (%s), not a 0 ms hot loop", route, why),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			return ev.waited(ev.retryGaps(xs), requests(route, xs))
		}))
}

// waited is the one judgement of "waited before retrying" (HaveBackedOff,
// HaveBackedOffAfter): the mean of the gaps, each from a reply to the next
// attempt, exceeds the client's own no-wait turnaround by hotLoopGap. No gap,
// no retry: nothing to judge. desc describes the requests for the message.
func (ev *Evidence) waited(gs []time.Duration, desc string) (bool, string) {
	if len(gs) == 0 {
		return true, desc
	}
	var sum time.Duration
	for _, g := range gs {
		sum += g
	}
	mean := sum / time.Duration(len(gs))
	turn := ev.turnaround()
	if mean < turn+hotLoopGap {
		return false, fmt.Sprintf("%s (mean delay %.2f ms after a reply; the client takes %.2f ms to send a request without waiting)", desc, msf(mean), msf(turn))
	}
	// On a loaded machine every step of an immediate retry waits for a CPU
	// (a client signing a JWT gets a fair share of two cores among dozens
	// of processes), so a hot loop can show gaps of tens of milliseconds
	// while the turnaround, measured a moment before or after, was shorter;
	// a timer's overshoot (Lag) does not show that kind of load. A pass by
	// less than twice the turnaround plus the lag is therefore not trusted:
	// the case runs again to confirm it (the kill matrix's no-backoff
	// mutants passed with gaps of 10-57 ms against an 18 ms turnaround while
	// the default 32 workers were starting). A narrow pass never fails a
	// client; it only costs a rerun, which a correct client, whose backoff
	// is a multiple of its turnaround, rarely needs. Below hotLoopFloor
	// every pass is confirmed, however short the turnaround was.
	if mean < max(3*turn+hotLoopGap+ev.Lag, hotLoopFloor) {
		ev.narrow = true
		ev.narrowGaps = gs
	}
	return true, fmt.Sprintf("%s (mean delay %.2f ms after a reply; the client takes %.2f ms to send a request without waiting)", desc, msf(mean), msf(turn))
}

// HaveGrownDelays: with three or more attempts in one call, the delays between
// them are not flat: a later delay exceeds the first (exponential backoff,
// any jitter), or the delays vary as a randomised backoff's do. Decorrelated
// jitter (each delay drawn from [base, 3 × the previous one], capped) grows
// its range rather than every draw, so a later draw may well be shorter than
// the first; what no legitimate strategy does is retry on the same fixed
// delay, every delay within flatSpread of the first and none longer. The first
// delay is compared less the harness lag measured during the case, so that
// one stall that stretched it cannot invert the comparison. Fewer attempts
// pass: nothing to grow.
func HaveGrownDelays(route knoxtest.Route) *Requirement {
	return noisy(requirement("grew the delay",
		fmt.Sprintf("the delays between retries to %s grow (exponential backoff) or vary (jitter), not one fixed delay", route),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			gs := ev.retryGaps(xs)
			if len(gs) < 2 {
				return true, requests(route, xs)
			}
			first := gs[0]
			for _, g := range gs[1:] {
				if g > first-ev.Lag || absDuration(g-first) > time.Duration(float64(first)*flatSpread) {
					return true, requests(route, xs)
				}
			}
			return false, requests(route, xs) + ev.lagNote()
		}))
}

// flatSpread is how far (a fraction of the first delay) later delays may stray
// from it and still count as one fixed delay.
const flatSpread = 0.1

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// jwts are the exchanges that carried a signed JWT.
func jwts(xs []knoxtest.Exchange) []knoxtest.Exchange {
	var out []knoxtest.Exchange
	for _, x := range xs {
		if x.JWT != nil {
			out = append(out, x)
		}
	}
	return out
}

func short(s string) string {
	if len(s) > 14 {
		return s[:14] + "…"
	}
	return s
}

// NeverResentSameJWT: no two requests carried the same JWT: neither the same
// bytes nor, re-signed, the same jti. A jti is the JWT's identifier (RFC 7519
// §4.1.7), so a JWT signed again with the jti of one already sent is that JWT
// sent again, and Knox answers it as one (4002250 API_KEY_NON_UNIQUE_JWTID).
// Judging bytes alone let the verdict hang on the clock: a re-sign within the
// same second as the first signature copies its iat and exp, and so its bytes.
func NeverResentSameJWT() *Requirement {
	return requirement("never resent the same JWT",
		"every request carries a newly signed JWT with a jti of its own, never the bytes or the jti of one already sent",
		func(ev *Evidence) (bool, string) {
			seen := map[string]int{}
			byJTI := map[string]int{}
			for _, x := range jwts(ev.window()) {
				if prev, dup := seen[x.JWT.Fingerprint]; dup {
					return false, fmt.Sprintf("request #%d to %s resent the JWT of request #%d (same bytes, jti %s)", x.Seq, x.Route, prev, short(x.JWT.JTI))
				}
				if prev, dup := byJTI[x.JWT.JTI]; dup && x.JWT.JTI != "" {
					return false, fmt.Sprintf("request #%d to %s resent the JWT of request #%d signed again with its jti %s", x.Seq, x.Route, prev, short(x.JWT.JTI))
				}
				seen[x.JWT.Fingerprint] = x.Seq
				byJTI[x.JWT.JTI] = x.Seq
			}
			return true, fmt.Sprintf("%d JWT(s), all distinct", len(seen))
		})
}

// HaveUniqueJTIs: every JWT the client signed in the case carries a jti that
// no other JWT carries, and no client-identifier JWT reached the token endpoint
// twice. The same access-token JWT (x-knox-apitoken) sent again on a later
// resource call while it is valid is one signed JWT, not a reused jti: Samsung's
// token library signs it with a 30-minute exp, and the server accepts it.
func HaveUniqueJTIs() *Requirement {
	return requirement("fresh jti on every JWT",
		"every signed JWT carries a jti no other JWT carries; a client-identifier JWT is never sent to the token endpoint twice",
		func(ev *Evidence) (bool, string) {
			byJTI := map[string]knoxtest.Exchange{}    // jti → the first exchange of the JWT that carried it
			tokenJWT := map[string]knoxtest.Exchange{} // fingerprint → first accesstoken exchange with it
			xs := jwts(ev.window())
			for _, x := range xs {
				j := x.JWT
				if j.JTI == "" {
					return false, fmt.Sprintf("request #%d to %s carried a JWT with no jti", x.Seq, x.Route)
				}
				if isTokenRoute(x.Route) {
					if prev, dup := tokenJWT[j.Fingerprint]; dup {
						return false, fmt.Sprintf("request #%d to %s resent the client-identifier JWT of request #%d", x.Seq, x.Route, prev.Seq)
					}
					tokenJWT[j.Fingerprint] = x
				}
				if prev, dup := byJTI[j.JTI]; dup && prev.JWT.Fingerprint != j.Fingerprint {
					return false, fmt.Sprintf("request #%d to %s carried a newly signed JWT with jti %s, already used by request #%d", x.Seq, x.Route, short(j.JTI), prev.Seq)
				} else if !dup {
					byJTI[j.JTI] = x
				}
			}
			if len(xs) == 0 {
				return false, "no signed JWT was sent"
			}
			return true, fmt.Sprintf("%d request(s) with a JWT, %d distinct jti", len(xs), len(byJTI))
		})
}

// isTokenRoute is whether route is an accesstoken endpoint (a client-identifier JWT).
func isTokenRoute(r knoxtest.Route) bool {
	return r == knoxtest.RouteAccessToken || r == knoxtest.RouteAccessTokenV0
}

// HaveResignedWithFreshJTI: after the first rejected accesstoken request, the
// next one carries a different jti, different bytes, a valid signature and an
// iat no older than the rejected one's.
func HaveResignedWithFreshJTI() *Requirement {
	route := knoxtest.RouteAccessToken
	return requirement("re-signed with a fresh jti",
		"after the rejection, a new accesstoken request with a newly signed JWT: new jti, fresh iat/exp, valid RS512 signature",
		func(ev *Evidence) (bool, string) {
			a, b, ok := resignedPair(ev.on(route))
			if !ok {
				return false, requests(route, ev.on(route)) + "; no re-signed request followed the rejection"
			}
			switch {
			case b.JWT.Fingerprint == a.JWT.Fingerprint:
				return false, fmt.Sprintf("request #%d resent the exact JWT of request #%d", b.Seq, a.Seq)
			case b.JWT.JTI == a.JWT.JTI:
				return false, fmt.Sprintf("request #%d re-signed but kept jti %s", b.Seq, short(a.JWT.JTI))
			case !b.JWT.SignatureValid:
				return false, fmt.Sprintf("request #%d carried a JWT whose signature does not verify (%s)", b.Seq, b.JWT.Problem)
			case b.JWT.IAT < a.JWT.IAT:
				return false, fmt.Sprintf("request #%d carried an iat older than the rejected JWT's", b.Seq)
			}
			return true, fmt.Sprintf("request #%d re-signed with jti %s after %s", b.Seq, short(b.JWT.JTI), answer(a))
		})
}

// HaveResignedFresh: the JWT re-signed after a rejection is signed anew in
// time too: its iat is no earlier than the second in which the rejection was
// sent (the client signs after reading it) and its exp is later than the
// rejected JWT's. iat and exp are whole seconds, so the bound is exact; the
// case holds its rejection back for more than a second so that a copied iat
// cannot fall in the same second as a fresh one.
func HaveResignedFresh() *Requirement {
	route := knoxtest.RouteAccessToken
	return requirement("re-signed JWT is fresh",
		"the re-signed JWT has an iat of the time of signing (not the rejected JWT's) and an exp later than the rejected JWT's",
		func(ev *Evidence) (bool, string) {
			a, b, ok := resignedPair(ev.on(route))
			if !ok {
				return false, requests(route, ev.on(route)) + "; no re-signed request followed the rejection"
			}
			rejectedAt := a.Time.Add(a.Duration).Unix()
			switch {
			case b.JWT.IAT < rejectedAt:
				return false, fmt.Sprintf("request #%d carried iat %d, before the rejection it answers was sent (%d): the rejected JWT had iat %d", b.Seq, b.JWT.IAT, rejectedAt, a.JWT.IAT)
			case b.JWT.EXP <= a.JWT.EXP:
				return false, fmt.Sprintf("request #%d carried exp %d, not later than the rejected JWT's %d", b.Seq, b.JWT.EXP, a.JWT.EXP)
			}
			return true, fmt.Sprintf("request #%d: iat %d (rejection sent at %d), exp %d (rejected JWT: %d)", b.Seq, b.JWT.IAT, rejectedAt, b.JWT.EXP, a.JWT.EXP)
		})
}

// resignedPair is the first rejected JWT request of xs and the JWT request
// that followed it.
func resignedPair(xs []knoxtest.Exchange) (rejected, next knoxtest.Exchange, ok bool) {
	xs = jwts(xs)
	for i := 0; i+1 < len(xs); i++ {
		if xs[i].Status >= 400 {
			return xs[i], xs[i+1], true
		}
	}
	return rejected, next, false
}

// HaveSentValidJWTs: every JWT is RS512, for audience KnoxWSM, verifies, and was
// not expired when it arrived.
func HaveSentValidJWTs() *Requirement {
	return requirement("well-formed JWTs",
		"every JWT is RS512, aud KnoxWSM, carries the registered public key, verifies, and has exp in the future",
		func(ev *Evidence) (bool, string) {
			xs := jwts(ev.window())
			if len(xs) == 0 {
				return false, "no signed JWT was sent"
			}
			for _, x := range xs {
				j := x.JWT
				switch {
				case j.Alg != "RS512":
					return false, fmt.Sprintf("request #%d to %s: alg %q", x.Seq, x.Route, j.Alg)
				case j.Aud != "KnoxWSM":
					return false, fmt.Sprintf("request #%d to %s: aud %q", x.Seq, x.Route, j.Aud)
				case !j.SignatureValid:
					return false, fmt.Sprintf("request #%d to %s: signature does not verify (%s)", x.Seq, x.Route, j.Problem)
				case j.Problem != "":
					return false, fmt.Sprintf("request #%d to %s: %s", x.Seq, x.Route, j.Problem)
				case j.EXP == 0:
					return false, fmt.Sprintf("request #%d to %s: no exp claim", x.Seq, x.Route)
				case j.EXP <= x.Time.Unix():
					return false, fmt.Sprintf("request #%d to %s: exp %d is not after arrival %d", x.Seq, x.Route, j.EXP, x.Time.Unix())
				}
			}
			return true, fmt.Sprintf("%d JWT(s), all valid", len(xs))
		})
}

// HaveRefreshedOnce: exactly one successful new accesstoken request in the window.
func HaveRefreshedOnce() *Requirement {
	route := knoxtest.RouteAccessToken
	return requirement("refreshed the access token once",
		"exactly one new accesstoken request (new jti) to replace the rejected token",
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			return len(xs) == 1 && xs[0].IssuedToken != "", requests(route, xs)
		})
}

// HaveUsedNewToken: the last resource call on route carried the token issued
// by the last successful accesstoken request in the window.
func HaveUsedNewToken(route knoxtest.Route) *Requirement {
	return requirement("retried with the new token",
		fmt.Sprintf("the retried %s carries the newly issued access token", route),
		func(ev *Evidence) (bool, string) {
			issued := ""
			for _, x := range ev.on(knoxtest.RouteAccessToken) {
				if x.IssuedToken != "" {
					issued = x.IssuedToken
				}
			}
			if issued == "" {
				return false, "no new access token was obtained"
			}
			calls := ev.on(route)
			if len(calls) == 0 || calls[len(calls)-1].JWT == nil {
				return false, requests(route, calls) + "; no call followed with a new token"
			}
			lastCall := calls[len(calls)-1]
			if lastCall.JWT.TokenFingerprint != issued {
				return false, fmt.Sprintf("the last request to %s carried token %s, not the new token %s", route, short(lastCall.JWT.TokenFingerprint), short(issued))
			}
			return true, fmt.Sprintf("request #%d carried the new token", lastCall.Seq)
		})
}

// NeverReusedRejectedToken: once a call on route was rejected, no later call
// carried the same access token.
func NeverReusedRejectedToken(route knoxtest.Route) *Requirement {
	return requirement("never reused the rejected token",
		fmt.Sprintf("no request to %s carries an access token the server already rejected", route),
		func(ev *Evidence) (bool, string) {
			rejected := map[string]int{}
			for _, x := range ev.on(route) {
				if x.JWT == nil || x.JWT.TokenFingerprint == "" {
					continue
				}
				if seq, bad := rejected[x.JWT.TokenFingerprint]; bad {
					return false, fmt.Sprintf("request #%d resent the token rejected at request #%d", x.Seq, seq)
				}
				if x.Status == 401 || x.Status == 403 {
					rejected[x.JWT.TokenFingerprint] = x.Seq
				}
			}
			return true, requests(route, ev.on(route))
		})
}

// HaveSentHeaderOnEvery: every request carried header with a value containing want.
func HaveSentHeaderOnEvery(header, want string) *Requirement {
	return requirement(header+" on every request",
		fmt.Sprintf("every request carries %s: %s", header, want),
		func(ev *Evidence) (bool, string) {
			xs := ev.window()
			if len(xs) == 0 {
				return false, "no request was sent"
			}
			for _, x := range xs {
				v := x.Header[header]
				if !strings.Contains(strings.ToLower(v), strings.ToLower(want)) {
					if v == "" {
						v = "no " + header + " header"
					}
					return false, fmt.Sprintf("request #%d to %s had %s", x.Seq, x.Route, v)
				}
			}
			return true, fmt.Sprintf("%d request(s), all with %s", len(xs), header)
		})
}

// HaveSentValidityAsNumber: validityForAccessTokenInMinutes is a JSON number on
// every accesstoken request that sent it.
func HaveSentValidityAsNumber() *Requirement {
	return requirement("validity sent as a JSON number",
		"validityForAccessTokenInMinutes, when sent, is a JSON integer on every accesstoken request",
		func(ev *Evidence) (bool, string) {
			xs := ev.on(knoxtest.RouteAccessToken)
			if len(xs) == 0 {
				return false, "no accesstoken request was sent"
			}
			for _, x := range xs {
				if x.ValidityType != "" && x.ValidityType != "number" && x.ValidityType != "absent" {
					return false, fmt.Sprintf("request #%d sent it as a JSON %s", x.Seq, x.ValidityType)
				}
			}
			return true, fmt.Sprintf("%d accesstoken request(s), validity a number or absent", len(xs))
		})
}

// NeverResentAuthCode: no authorization code reached the token endpoint twice
// more than the suite asked for (asked = how many invokes named it).
func NeverResentAuthCode(asked int) *Requirement {
	route := knoxtest.RouteSAToken
	return requirement("never resent the authorization code",
		fmt.Sprintf("the authorization code is sent once per exchange the caller asked for (%d), never again after AUT_1802", asked),
		func(ev *Evidence) (bool, string) {
			counts := map[string]int{}
			for _, x := range ev.on(route) {
				counts[x.Form["code"]]++
			}
			var keys []string
			for k := range counts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if counts[k] > asked {
					return false, fmt.Sprintf("the same authorization code was sent %d times: %s", counts[k], requests(route, ev.on(route)))
				}
			}
			return true, requests(route, ev.on(route))
		})
}

// HaveKeptSecretsOut: no secret appears in a query string or in a header that
// is not a documented credential header. markers are the secrets' journal
// fingerprints and clear-text prefixes.
func HaveKeptSecretsOut(markers map[string]string) *Requirement {
	return requirement("secrets kept out of URLs and headers",
		"client_secret and the private key never appear in a URL query or in an undocumented header",
		func(ev *Evidence) (bool, string) {
			names := slices.Sorted(maps.Keys(markers))
			for _, x := range ev.window() {
				for _, n := range names {
					m := markers[n]
					if m == "" {
						continue
					}
					if strings.Contains(x.Query, m) {
						return false, fmt.Sprintf("request #%d to %s put the %s in its URL query", x.Seq, x.Route, n)
					}
					for h, v := range x.Header {
						if strings.Contains(v, m) {
							return false, fmt.Sprintf("request #%d to %s put the %s in header %s", x.Seq, x.Route, n, h)
						}
					}
				}
			}
			return true, fmt.Sprintf("%d request(s), no secret in a query or header", len(ev.window()))
		})
}

// HaveAllFailed: every invoke of the evidence returned and reported failure.
func HaveAllFailed(why string) *Requirement {
	return requirement("all calls reported the failure", "every call reports failure to its caller ("+why+")",
		func(ev *Evidence) (bool, string) {
			for i, rec := range ev.Invokes {
				if rec.GaveUp || rec.Outcome.OK {
					return false, fmt.Sprintf("call %d of %d: %s", i+1, len(ev.Invokes), outcomeText(rec))
				}
			}
			return true, fmt.Sprintf("%d call(s), all reported the failure", len(ev.Invokes))
		})
}

// HaveMetTogether: at least two requests to route arrived before the first
// answer from tokenRoute ended, that is, several calls met the rejection of
// the old token before any new one existed: the precondition of a shared
// (single-flight) refresh.
func HaveMetTogether(route, tokenRoute knoxtest.Route) *Requirement {
	return requirement("calls met the old token's rejection together",
		fmt.Sprintf("two or more requests to %s arrived before the first request to %s was answered", route, tokenRoute),
		func(ev *Evidence) (bool, string) {
			toks, xs := ev.on(tokenRoute), ev.on(route)
			desc := fmt.Sprintf("%s; %s", requests(tokenRoute, toks), requests(route, xs))
			if len(toks) == 0 {
				return false, desc
			}
			n := 0
			for _, x := range xs {
				if x.At < replied(toks[0]) {
					n++
				}
			}
			return n >= 2, desc
		})
}

// HaveAllSucceeded: every invoke of the evidence reported success.
func HaveAllSucceeded(why string) *Requirement {
	return requirement("all calls succeeded", "every call succeeds ("+why+")",
		func(ev *Evidence) (bool, string) {
			for i, rec := range ev.Invokes {
				if rec.GaveUp || !rec.Outcome.OK {
					return false, fmt.Sprintf("call %d of %d: %s", i+1, len(ev.Invokes), outcomeText(rec))
				}
			}
			return true, fmt.Sprintf("%d call(s), all succeeded", len(ev.Invokes))
		})
}

// RecordRetrySchedule is an INFO observation, never failing: how many attempts
// the client made on route and with which delays, for the report.
func RecordRetrySchedule(route knoxtest.Route) *Requirement {
	return requirement("retry schedule",
		fmt.Sprintf("(observation) the attempts to %s and the delays between them", route),
		func(ev *Evidence) (bool, string) {
			return true, requests(route, ev.on(route))
		})
}
