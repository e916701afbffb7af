package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// Timing of a case. Small advised client delays keep a run short; the grace
// window catches retries a client makes in the background after returning.
const (
	graceWindow = 300 * time.Millisecond
	// giveUpSlack is how long past its operation timeout the suite waits for a
	// client before judging that it did not give up.
	giveUpSlack = target.GiveUpSlack
	// closeTimeout bounds closeClient, so that a client still stuck in a hung
	// request cannot stall the next case.
	closeTimeout = target.CloseClientTimeout
)

// defaultConfig is the advice every client gets unless a case tunes it.
func defaultConfig() target.ClientConfig {
	return target.ClientConfig{MaxAttempts: 4, BaseDelayMs: 25, MaxDelayMs: 250, TimeoutMs: 3000, MaxRetryAfterMs: 5000}
}

// judgedBackoff is the advice of the cases that judge whether a client waited
// before a retry: a base delay well above what a client needs to send a
// request, so that even full jitter (a delay drawn from [0, base]) rarely
// draws one that looks like none; and a timeout long enough that a client
// without an attempt bound shows it (more than attemptBound attempts) before
// its timeout ends the call.
func judgedBackoff(c *target.ClientConfig) {
	c.BaseDelayMs, c.MaxDelayMs, c.TimeoutMs = target.JudgedBaseDelayMs, target.JudgedMaxDelayMs, 10000
}

// retryAfterTimeoutMs is the operation timeout advised where a case answers
// with a 1 s Retry-After and expects the client to succeed after it: room for
// the wait and for a machine that delays the client by seconds.
const retryAfterTimeoutMs = 10000

// transientFaults is how many times the cases that judge a retry's delay
// and then expect recovery fault before the server recovers: three delays
// to judge, so that full jitter (a delay drawn from [0, cap]) draws three
// small ones, which is what a hot loop on a starved machine looks like, only
// rarely (under 4 % of runs against the 100 ms floor with the advised 250 ms
// base and 1 s cap; about 16 % with two). With the advised four attempts a
// client gets through; one whose own bound is fewer gives up, which
// HaveRecovered accepts.
const transientFaults = 3

// noRetryAdvice advises no attempt bound, no delays and no Retry-After budget
// (absent: the client's own defaults), only the operation timeout, which binds
// (docs/protocol.md) and is long enough for a client whose own delays are long.
func noRetryAdvice(c *target.ClientConfig) {
	c.MaxAttempts, c.BaseDelayMs, c.MaxDelayMs, c.MaxRetryAfterMs, c.TimeoutMs = 0, 0, 0, 0, 10000
}

// resignTime is the advice of the cases that answer 4002250 until the client
// stops: three re-signs, each of whose JWTs must carry a later iat than the
// one rejected (jwt/resigned-fresh). A client whose JWT library stamps iat in
// whole seconds waits for the next second before each, up to 3 s in all, so
// the operation timeout leaves room for that; at the default 3 s a correct
// client ran out of time before its last re-sign, depending only on where in
// a second the case began, and reported a timeout instead of the code.
func resignTime(c *target.ClientConfig) { c.TimeoutMs = 6000 }

// caseRun is one execution of a case: its server, its client and the record
// of what happened. Scenario code calls its methods from the spec goroutine.
type caseRun struct {
	ctx context.Context
	def *caseDef
	s   *suite
	tgt target.Target
	srv *knoxtest.Server

	clientID  string
	creds     target.Credentials
	endpoints target.Endpoints
	caFile    string
	config    target.ClientConfig
	opened    bool
	hung      bool

	invokes []invokeRecord
	settled bool

	res            *reports.CaseResult
	mustFailures   []string
	shouldFailures []string
	// firmFailures counts failed MUST/SHOULD checks that are not Noisy: a case
	// with any of them is not rerun.
	firmFailures int
	// narrow names the Noisy checks that passed by less than the noise
	// measured during the run could explain: passes reruns must confirm.
	narrow []string
	// narrowWaits are the wait checks among them, with their delays.
	narrowWaits []narrowWait
	lag         *lagMonitor
	// superseded is set on a run that a confirming rerun replaced: its
	// resources are released, its evidence is not reported.
	superseded bool
	cleaned    bool
}

// harness ends the case as ERROR: a failure of the adapter or the suite, never
// a verdict on the client.
func (r *caseRun) harness(err error) {
	r.res.Class = reports.Error
	r.res.Reason = err.Error()
	var h *target.HarnessError
	if errors.As(err, &h) {
		r.res.Stderr = h.Stderr
		r.s.markBroken(r.tgt)
	}
	r.s.hooks.fail("ERROR (a harness problem, not a verdict on the client): " + err.Error())
}

// skip ends the case as UNSUPPORTED.
func (r *caseRun) skip(reason string) {
	r.res.Class = reports.Unsupported
	r.res.Reason = reason
	r.s.hooks.skip("UNSUPPORTED: " + reason)
}

// script adds fault steps to a route of the case's server.
func (r *caseRun) script(route knoxtest.Route, steps ...knoxtest.Step) { r.srv.Script(route, steps...) }

// open creates the client on first use, with the credentials and config the
// scenario may have adjusted. When the adapter declares that its client keeps
// its own operation timeout, that timeout replaces the advised one in
// r.config: the invoke deadline and the checks (ev.Config) use it.
func (r *caseRun) open() {
	if r.opened {
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, target.NewClientTimeout)
	defer cancel()
	res, err := r.tgt.OpenClient(ctx, target.NewClientParams{Client: r.clientID, Endpoints: r.endpoints,
		Credentials: r.creds, CAFile: r.caFile, Config: r.config})
	if err != nil && ctx.Err() != nil && r.ctx.Err() == nil && !target.IsHarness(err) {
		// Building a client does no network work: no answer in time is the
		// adapter's fault whether or not it is wedged.
		reason := fmt.Sprintf("no answer within %s", target.NewClientTimeout)
		if werr := r.unanswered("newClient", reason); werr != nil {
			err = werr
		} else {
			err = &target.HarnessError{Op: "newClient", Reason: reason + " (the adapter still answers a liveness probe: its newClient is stuck)", Stderr: r.tgt.Stderr()}
			r.s.markBroken(r.tgt)
		}
	}
	if err != nil {
		r.fromError("newClient", err)
	}
	if res.TimeoutMs > 0 {
		r.config.TimeoutMs = res.TimeoutMs
		r.s.tracef("case %s: the adapter declares its client's own operation timeout, %d ms (advised %d ms)", r.def.ID, res.TimeoutMs, r.def.clientConfig().TimeoutMs)
	}
	r.opened = true
}

// unanswered is called when the adapter did not answer what in time (reason
// says how long was waited). It sends the liveness probe: nil when the adapter
// answers it (it is alive: the client or the adapter's handling of what is
// stuck), else the ERROR of a wedged adapter, whose session is replaced.
func (r *caseRun) unanswered(what, reason string) error {
	probe := target.TypeHello
	if r.s.declares(target.FeaturePing) {
		probe = target.TypePing
	} else if r.srv != nil {
		// An adapter that runs invokes one at a time cannot answer a hello
		// while its client is stuck on the hung server: closing the server
		// releases the client (cleanup would close it anyway).
		r.srv.Close()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), target.LivenessTimeout+time.Second)
	defer cancel()
	err := r.tgt.Alive(ctx)
	if err == nil {
		return nil
	}
	r.s.wedged(r.tgt)
	return &target.HarnessError{Op: what, Stderr: r.tgt.Stderr(), Reason: fmt.Sprintf(
		"%s, and no answer to a liveness %s within %s either: the adapter is wedged (it answers nothing at all), so this is not a verdict on the client; its session is ended and its process group killed",
		reason, probe, target.LivenessTimeout)}
}

// fromError turns an adapter error into UNSUPPORTED or ERROR.
func (r *caseRun) fromError(what string, err error) {
	var sk *target.SkipError
	if errors.As(err, &sk) {
		r.skip(sk.Reason)
	}
	// A HarnessError names what failed already: say it once.
	if h := (*target.HarnessError)(nil); !errors.As(err, &h) || h.Op != what {
		err = fmt.Errorf("%s: %w", what, err)
	}
	r.harness(err)
}

// invoke asks the client to perform op and waits at most its advised timeout
// plus giveUpSlack. When a client takes longer the suite stops waiting, records
// GaveUp ("client did not give up") and goes on to judge it; the adapter's late
// answer is ignored.
func (r *caseRun) invoke(op target.Op, params any) target.Outcome {
	r.open()
	rec := r.call(op, params)
	r.record(rec)
	return rec.Outcome
}

// invokeConcurrently performs n invokes of op at once.
func (r *caseRun) invokeConcurrently(n int, op target.Op, params any) []target.Outcome {
	r.open()
	recs := make([]callResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i] = r.call(op, params)
		}()
	}
	wg.Wait()
	out := make([]target.Outcome, n)
	for i, rec := range recs {
		r.record(rec)
		out[i] = rec.Outcome
	}
	return out
}

type callResult struct {
	invokeRecord
	err error
}

// call performs one invoke; safe to run concurrently (it touches no run state).
func (r *caseRun) call(op target.Op, params any) callResult {
	var raw json.RawMessage
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return callResult{err: fmt.Errorf("encoding %s params: %w", op, err)}
		}
		raw = b
	}
	deadline := time.Duration(r.config.TimeoutMs)*time.Millisecond + giveUpSlack
	ctx, cancel := context.WithTimeout(r.ctx, deadline)
	defer cancel()
	start := time.Now()
	out, err := r.tgt.Invoke(ctx, target.InvokeParams{Client: r.clientID, Op: op, Params: raw})
	rec := callResult{invokeRecord: invokeRecord{Op: op, Outcome: out, Started: start, Elapsed: time.Since(start)}}
	if err != nil && ctx.Err() != nil && r.ctx.Err() == nil && !target.IsHarness(err) {
		// No answer in time: a client that did not give up (a verdict), or
		// an adapter that answers nothing at all (ERROR). The liveness probe
		// tells which.
		what := "invoke " + string(op)
		if werr := r.unanswered(what, fmt.Sprintf("no answer within %s (the client's operation timeout, %d ms, + %s)", deadline, r.config.TimeoutMs, giveUpSlack)); werr != nil {
			rec.err = werr
			return rec
		}
		rec.GaveUp = true
		return rec
	}
	rec.err = err
	return rec
}

func (r *caseRun) record(rec callResult) {
	if rec.err != nil {
		r.fromError("invoke "+string(rec.Op), rec.err)
	}
	if rec.GaveUp {
		r.hung = true
	}
	r.invokes = append(r.invokes, rec.invokeRecord)
	r.settled = false
}

// mark returns the journal position now, for checks on what follows.
func (r *caseRun) mark() int { return len(r.srv.Journal()) }

// settle waits out the grace window once after the last invoke, so that
// retries a client sends in the background are in the journal.
func (r *caseRun) settle() {
	if r.settled {
		return
	}
	r.settled = true
	if r.hung {
		return // the suite already waited past the client's timeout
	}
	select {
	case <-time.After(graceWindow):
	case <-r.ctx.Done():
	}
}

// ev is the evidence of the whole case.
func (r *caseRun) ev() *Evidence { return r.since(0) }

// evNow is the evidence of the whole case without the grace window, for a
// check that requests sent after the client returned cannot change: the
// run-wide jti check, which runs last of all, alone, so that every other
// worker has finished and whose grace window would only lengthen the run.
func (r *caseRun) evNow() *Evidence {
	r.settled = true
	return r.ev()
}

// since is the evidence from journal position from on.
func (r *caseRun) since(from int) *Evidence {
	r.settle()
	return &Evidence{Journal: r.srv.Journal(), From: from, Invokes: append([]invokeRecord(nil), r.invokes...), Config: r.config,
		Lag: r.lag.max()}
}

// lastCalls is the evidence since from, with only the last n invokes: the
// calls a case just made concurrently, judged apart from the ones before.
func (r *caseRun) lastCalls(from, n int) *Evidence {
	ev := r.since(from)
	ev.Invokes = ev.Invokes[max(0, len(ev.Invokes)-n):]
	return ev
}

func (r *caseRun) must(ev *Evidence, q *Requirement)   { r.check(knoxerr.MUST, ev, q) }
func (r *caseRun) should(ev *Evidence, q *Requirement) { r.check(knoxerr.SHOULD, ev, q) }
func (r *caseRun) info(ev *Evidence, q *Requirement)   { r.check(knoxerr.INFO, ev, q) }

// check judges q (Judge) and records the result; failures are collected so
// that every check of the case is reported, then verdict fails the spec.
func (r *caseRun) check(level knoxerr.Level, ev *Evidence, q *Requirement) {
	ev.narrow, ev.narrowGaps, ev.narrowSpread = false, nil, 0
	c := Judge(level, ev, q)
	r.res.Checks = append(r.res.Checks, c)
	if c.Passed {
		if ev.narrow && q.Noisy && level != knoxerr.INFO {
			r.narrow = append(r.narrow, q.Name)
			if ev.narrowGaps != nil || ev.narrowSpread > 0 {
				r.narrowWaits = append(r.narrowWaits, narrowWait{check: len(r.res.Checks) - 1, level: level, gaps: ev.narrowGaps, spread: ev.narrowSpread})
			}
		}
		return
	}
	if r.recordFailure(level, c) && !q.Noisy {
		r.firmFailures++
	}
}

// recordFailure adds the failed check c to the failures its level counts in
// (MUST or SHOULD; INFO counts in none) and reports whether it did.
func (r *caseRun) recordFailure(level knoxerr.Level, c reports.Check) bool {
	msg := fmt.Sprintf("[%s] %s\nExpected: %s\nActual: %s", level, c.Name, c.Expected, c.Actual)
	switch level {
	case knoxerr.MUST:
		r.mustFailures = append(r.mustFailures, msg)
	case knoxerr.SHOULD:
		r.shouldFailures = append(r.shouldFailures, msg)
	default:
		return false
	}
	return true
}

// narrowWait is a timing check that passed narrowly and that the runs of a
// case judge together: a wait (HaveBackedOff, HaveBackedOffAfter) with the
// delays it judged, or a lockstep check (HaveSpreadRetries) with its spread.
// check is its place in the run's checks.
type narrowWait struct {
	check  int
	level  knoxerr.Level
	gaps   []time.Duration
	spread time.Duration
}

// poolWaits judges the timing checks of the runs of a case none of which
// passed clearly (runs, oldest first; the verdict is the last one's). A check
// that passed narrowly in every run fails when, over all the runs, the mean of
// its delays (target.MinPooledDelays of them at least) is under minJudgedWait, or (a lockstep check) its widest spread is
// under minPooledSpread (docs/protocol.md). One run's few delays may all be
// small under full jitter, one run's draws may bunch; in every run, rarely. It
// returns the note for the reports, "" when every pooled check held.
func poolWaits(runs []*caseRun) string {
	last := runs[len(runs)-1]
	var notes []string
	for _, w := range last.narrowWaits {
		var gaps []time.Duration
		var widest time.Duration
		every := true
		for _, r := range runs {
			i := slices.IndexFunc(r.narrowWaits, func(o narrowWait) bool { return o.check == w.check })
			if i < 0 {
				every = false // a run showed this check clearly (or not at all)
				break
			}
			gaps = append(gaps, r.narrowWaits[i].gaps...)
			widest = max(widest, r.narrowWaits[i].spread)
		}
		var why, note string
		switch {
		case !every:
			continue
		case len(gaps) > 0:
			var sum time.Duration
			for _, g := range gaps {
				sum += g
			}
			mean := sum / time.Duration(len(gaps))
			if mean >= minJudgedWait || len(gaps) < target.MinPooledDelays {
				continue
			}
			why = fmt.Sprintf("the %d delays average %.2f ms, under the %d ms that tells a wait from none on a loaded machine", len(gaps), msf(mean), ms(minJudgedWait))
			note = fmt.Sprintf("%d delays average %.2f ms (under %d ms)", len(gaps), msf(mean), ms(minJudgedWait))
		case w.spread > 0:
			if widest >= minPooledSpread {
				continue
			}
			why = fmt.Sprintf("the widest spread of the retries was %.1f ms, under the %d ms that tells jitter from a loaded machine's noise", msf(widest), ms(minPooledSpread))
			note = fmt.Sprintf("widest spread %.1f ms (under %d ms)", msf(widest), ms(minPooledSpread))
		default:
			continue
		}
		c := &last.res.Checks[w.check]
		c.Passed = false
		c.Actual += fmt.Sprintf("; over the %d runs, none of which showed it clearly, %s", len(runs), why)
		last.recordFailure(w.level, *c)
		notes = append(notes, fmt.Sprintf("%s: over %d runs, %s", c.Name, len(runs), note))
	}
	return strings.Join(notes, "; ")
}

// precondition ends the case as not exercised when q fails: the situation the
// rule is about never happened (e.g. the client returned without sending a
// request), so the case can neither pass nor fail the rule. It is reported
// UNSUPPORTED with the reason, never PASS. A client that never returned is
// judged all the same.
func (r *caseRun) precondition(ev *Evidence, q *Requirement) {
	for _, rec := range ev.Invokes {
		if rec.GaveUp {
			return // the client never returned: that is judged, whatever it sent
		}
	}
	if c := Judge(knoxerr.INFO, ev, q); !c.Passed {
		r.skip(fmt.Sprintf("%sthe case needs %s, but %s; the rule was not judged", reports.NotExercised, q.Expected, q.Actual))
	}
}

// timingSuspect is whether every failure of the run may come from the
// machine's load rather than the client: all failed checks are Noisy, or the
// suite stopped waiting for a call (a client's own timeout that fired late on
// a starved machine looks like a hang).
func (r *caseRun) timingSuspect() bool {
	failed := len(r.mustFailures) + len(r.shouldFailures)
	if failed == 0 {
		return false
	}
	return r.firmFailures == 0 || r.hung
}

// narrowPass is whether the run passed, with a Noisy check passing by less than
// the noise measured during the run could explain.
func (r *caseRun) narrowPass() bool {
	return len(r.mustFailures)+len(r.shouldFailures) == 0 && len(r.narrow) > 0 && r.res.Class != reports.Error && r.res.Class != reports.Unsupported
}

// failureNames lists the failed checks, for the rerun note.
func (r *caseRun) failureNames() string {
	var names []string
	for _, c := range r.res.Checks {
		if !c.Passed && c.Level != string(knoxerr.INFO) {
			names = append(names, fmt.Sprintf("[%s] %s: %s", c.Level, c.Name, c.Actual))
		}
	}
	if r.hung {
		names = append(names, "the suite stopped waiting for a call")
	}
	return strings.Join(names, "; ")
}

// verdict fails the spec when a MUST check failed, or a SHOULD check under Strict.
func (r *caseRun) verdict() {
	failures := r.mustFailures
	if r.s.opts.Strict {
		failures = append(failures, r.shouldFailures...)
	}
	if len(failures) > 0 {
		r.s.hooks.fail(strings.Join(failures, "\n\n"))
	}
}
