package conformance

import (
	"fmt"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// invokeRecord is one operation the suite asked the client to perform.
type invokeRecord struct {
	Op      target.Op
	Outcome target.Outcome
	Started time.Time
	Elapsed time.Duration
	// GaveUp is set when the suite stopped waiting: the client did not return
	// within its advised timeout plus the suite's slack.
	GaveUp bool
}

// Evidence is what the checks judge: the simulated server's journal (the
// truth about requests and their timing) and what the client reported.
type Evidence struct {
	// Journal is every exchange of the case, in arrival order.
	Journal []knoxtest.Exchange
	// From is the index of the first exchange the checks consider (a mark set
	// between invokes, e.g. "after the tokens were expired").
	From int
	// Invokes are the operations performed, in order; the checks on the outcome
	// judge the last one.
	Invokes []invokeRecord
	Config  target.ClientConfig
	// Lag is the longest the suite's own process was kept from running during
	// the case (a timer's overshoot, sampled): the load on the machine, which
	// delays a client just as much. Upper bounds on time allow it.
	Lag time.Duration
	// narrow is set by a timing check that passed by less than the noise
	// measured during the case could explain (see waited); the case is then
	// run again to confirm it (caseRun.check, suite.runCase).
	narrow bool
	// narrowGaps are the delays of a wait check that passed narrowly: when no
	// run of the case shows a clear wait, suite.runCase pools them over the
	// runs and judges their mean against minJudgedWait.
	narrowGaps []time.Duration
	// narrowSpread is the spread of a lockstep check that passed narrowly.
	narrowSpread time.Duration
}

// lagNote says, for a failed upper bound, how loaded the machine was.
func (ev *Evidence) lagNote() string {
	if ev.Lag < time.Millisecond {
		return ""
	}
	return fmt.Sprintf(" (allowing %d ms of scheduling lag measured during the case)", ms(ev.Lag))
}

// callOf is the index of the invoke during which x arrived, -1 when none or
// when invokes overlapped (concurrent calls cannot be told apart by time).
func (ev *Evidence) callOf(x knoxtest.Exchange) int {
	found := -1
	for i, rec := range ev.Invokes {
		if rec.Started.IsZero() {
			continue
		}
		end := rec.Started.Add(rec.Elapsed)
		if x.Time.Before(rec.Started) || x.Time.After(end) {
			continue
		}
		if found >= 0 {
			return -1
		}
		found = i
	}
	return found
}

// sameCall is whether a and b may belong to one call of the client: true unless
// each arrived during a different invoke. Waits are owed within a call; the gap
// between two calls is the suite's timing.
func (ev *Evidence) sameCall(a, b knoxtest.Exchange) bool {
	ca, cb := ev.callOf(a), ev.callOf(b)
	return ca < 0 || cb < 0 || ca == cb
}

// retryGaps are, for consecutive requests of xs that belong to the same call,
// the time from the end of the server's reply to the next request's arrival:
// how long the client took to send the next attempt.
func (ev *Evidence) retryGaps(xs []knoxtest.Exchange) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(xs); i++ {
		if ev.sameCall(xs[i-1], xs[i]) {
			out = append(out, max(0, xs[i].At-replied(xs[i-1])))
		}
	}
	return out
}

// turnaround is the longest the client took, anywhere in the case, to send a
// request it had no reason to wait for: from being asked (an invoke) to its
// first request reaching the server, and from a successful reply to the next
// request of the same call on another route (a token, then the call it was
// for). That is the client's own work for a request (the adapter's dispatch,
// signing a JWT, connecting) on this machine under its present load; a retry
// sent that fast after a reply was sent without waiting. Zero when unknown.
func (ev *Evidence) turnaround() time.Duration {
	var longest time.Duration
	for _, rec := range ev.Invokes {
		if rec.Started.IsZero() {
			continue
		}
		for _, y := range ev.Journal {
			if !y.Time.Before(rec.Started) {
				longest = max(longest, y.Time.Sub(rec.Started))
				break
			}
		}
	}
	for i := 1; i < len(ev.Journal); i++ {
		prev, next := ev.Journal[i-1], ev.Journal[i]
		if prev.Route != next.Route && prev.Status >= 200 && prev.Status < 300 && prev.Fault == knoxtest.FaultNone && ev.sameCall(prev, next) {
			longest = max(longest, next.At-replied(prev))
		}
	}
	return longest
}

// window is the part of the journal the checks consider.
func (ev *Evidence) window() []knoxtest.Exchange {
	if ev.From >= len(ev.Journal) {
		return nil
	}
	return ev.Journal[ev.From:]
}

// on returns the considered exchanges of one route.
func (ev *Evidence) on(route knoxtest.Route) []knoxtest.Exchange {
	var out []knoxtest.Exchange
	for _, x := range ev.window() {
		if x.Route == route {
			out = append(out, x)
		}
	}
	return out
}

// afterRejection narrows the evidence to what followed (and includes) the
// first reply of 400 or more on route in the window: "after the 401" rather
// than "since the invoke began", which may legitimately include a token request.
func (ev *Evidence) afterRejection(route knoxtest.Route) *Evidence {
	out := *ev
	for i := ev.From; i < len(ev.Journal); i++ {
		if x := ev.Journal[i]; x.Route == route && (x.Status >= 400 || x.Fault != knoxtest.FaultNone) {
			out.From = i
			return &out
		}
	}
	out.From = len(ev.Journal)
	return &out
}

// last is the last invoke, zero when there was none.
func (ev *Evidence) last() invokeRecord {
	if len(ev.Invokes) == 0 {
		return invokeRecord{}
	}
	return ev.Invokes[len(ev.Invokes)-1]
}

// requests describes exchanges for a failure message: "3 requests to GET
// /kcs/v1/kme/devices/list at +0 ms (400), +31 ms (400), +77 ms (400)".
func requests(route knoxtest.Route, xs []knoxtest.Exchange) string {
	switch len(xs) {
	case 0:
		return fmt.Sprintf("no request to %s", route)
	case 1:
		return fmt.Sprintf("1 request to %s (%s)", route, answer(xs[0]))
	}
	var parts []string
	for _, x := range xs {
		parts = append(parts, fmt.Sprintf("+%d ms (%s)", ms(x.At-xs[0].At), answer(x)))
	}
	const maxShown = 12
	if len(parts) > maxShown {
		parts = append(parts[:maxShown], fmt.Sprintf("… %d more", len(parts)-maxShown))
	}
	return fmt.Sprintf("%d requests to %s at %s", len(xs), route, strings.Join(parts, ", "))
}

// answer says in a few words what the server replied.
func answer(x knoxtest.Exchange) string {
	switch {
	case x.Fault == knoxtest.FaultReset:
		return "connection reset"
	case x.Fault == knoxtest.FaultHang:
		return "no answer"
	case x.Code != "" && string(x.Code) != fmt.Sprint(x.Status):
		return fmt.Sprintf("%d %s", x.Status, x.Code)
	case x.Status == 0:
		return "no status"
	}
	return fmt.Sprint(x.Status)
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// outcomeText describes what the client reported for an invoke.
func outcomeText(rec invokeRecord) string {
	switch {
	case rec.GaveUp:
		return fmt.Sprintf("the client had not returned after %d ms", ms(rec.Elapsed))
	case rec.Outcome.OK:
		return "the client reported success"
	case rec.Outcome.Error == nil:
		return "the client reported failure with no error details"
	}
	e := rec.Outcome.Error
	var parts []string
	parts = append(parts, "kind "+string(e.Kind))
	if e.HTTPStatus != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", e.HTTPStatus))
	}
	if e.Code != "" {
		parts = append(parts, "code "+e.Code)
	} else {
		parts = append(parts, "no code")
	}
	return "the client reported failure (" + strings.Join(parts, ", ") + ")"
}
