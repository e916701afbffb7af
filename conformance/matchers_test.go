package conformance

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// journal builds exchanges on one route at the given ms offsets with the given statuses.
func journal(route knoxtest.Route, at []int, status []int) []knoxtest.Exchange {
	var out []knoxtest.Exchange
	for i := range at {
		out = append(out, knoxtest.Exchange{Seq: i + 1, At: time.Duration(at[i]) * time.Millisecond, Route: route, Status: status[i]})
	}
	return out
}

func judge(t *testing.T, q *Requirement, ev *Evidence) (bool, string) {
	t.Helper()
	ok, err := q.Match(ev)
	if err != nil {
		t.Fatalf("%s: %v", q.Name, err)
	}
	return ok, q.FailureMessage(ev)
}

func TestNoSecondRequestMessageIsExpectedActual(t *testing.T) {
	list := knoxtest.RouteListDevices
	ev := &Evidence{Journal: journal(list, []int{0, 31, 77}, []int{400, 400, 400})}
	ok, msg := judge(t, HaveMadeNoSecondRequest(list, "400 Bad Request"), ev)
	if ok {
		t.Fatal("three requests judged as no retry")
	}
	want := "Expected: no second request to GET /kcs/v1/kme/devices/list after 400 Bad Request\nActual: 3 requests to GET /kcs/v1/kme/devices/list at +0 ms (400), +31 ms (400), +77 ms (400)"
	if msg != want {
		t.Errorf("message:\n%s\nwant:\n%s", msg, want)
	}
	ev.Journal = ev.Journal[:1]
	if ok, _ := judge(t, HaveMadeNoSecondRequest(list, "400"), ev); !ok {
		t.Error("one request judged as a retry")
	}
}

func TestTimingMatchers(t *testing.T) {
	list := knoxtest.RouteListDevices
	hot := &Evidence{Journal: journal(list, []int{0, 1, 2}, []int{429, 429, 429})}
	paced := &Evidence{Journal: journal(list, []int{0, 30, 90, 210}, []int{500, 500, 500, 500})}
	if ok, _ := judge(t, HaveBackedOff(list, "429"), hot); ok {
		t.Error("1 ms gaps judged as backoff")
	}
	if ok, _ := judge(t, HaveBackedOff(list, "500"), paced); !ok {
		t.Error("30 ms+ gaps judged as a hot loop")
	}
	jittered := &Evidence{Journal: journal(list, []int{0, 3, 30}, []int{500, 500, 500})}
	if ok, _ := judge(t, HaveBackedOff(list, "500"), jittered); !ok {
		t.Error("one short jittered delay (3 ms, then 27 ms) judged as a hot loop")
	}
	// A loaded client that needs 3 ms to turn an invoke into a request, and
	// retries 3 ms after each reply, retries without waiting.
	slow := &Evidence{Journal: journal(list, []int{0, 3, 6, 9}, []int{429, 429, 429, 429})}
	base := time.Now()
	for i := range slow.Journal {
		slow.Journal[i].Time = base.Add(slow.Journal[i].At)
	}
	slow.Invokes = []invokeRecord{{Started: base.Add(-3 * time.Millisecond), Elapsed: time.Second}}
	if ok, msg := judge(t, HaveBackedOff(list, "429"), slow); ok || !strings.Contains(msg, "mean delay 3.00 ms") {
		t.Errorf("retries as fast as the client's own turnaround judged as backoff: %s", msg)
	}
	waited := &Evidence{Journal: journal(list, []int{0, 30, 90}, []int{429, 429, 429}), Invokes: slow.Invokes}
	for i := range waited.Journal {
		waited.Journal[i].Time = base.Add(waited.Journal[i].At)
	}
	if ok, msg := judge(t, HaveBackedOff(list, "429"), waited); !ok {
		t.Errorf("30 ms and 60 ms after a 3 ms turnaround judged as a hot loop: %s", msg)
	}
	if ok, _ := judge(t, HaveGrownDelays(list), paced); !ok {
		t.Error("30, 60, 120 ms judged as not growing")
	}
	decorrelated := &Evidence{Journal: journal(list, []int{0, 632, 1103, 1700}, []int{500, 500, 500, 500})}
	if ok, msg := judge(t, HaveGrownDelays(list), decorrelated); !ok {
		t.Errorf("decorrelated jitter (632, 471, 597 ms) judged a fixed delay: %s", msg)
	}
	flat := &Evidence{Journal: journal(list, []int{0, 50, 100, 150}, []int{500, 500, 500, 500})}
	if ok, _ := judge(t, HaveGrownDelays(list), flat); ok {
		t.Error("constant 50 ms judged as growing")
	}
	early := &Evidence{Journal: journal(list, []int{0, 900}, []int{429, 200})}
	early.Journal[0].RetryAfter = "1"
	if ok, _ := judge(t, HaveWaitedAtLeast(list, time.Second, "Retry-After: 1"), early); ok {
		t.Error("a retry 100 ms early honoured Retry-After: 1")
	}
	// Measured from the end of the reply: 20 ms spent answering, then 999 ms.
	onTime := &Evidence{Journal: journal(list, []int{0, 1019}, []int{429, 200})}
	onTime.Journal[0].RetryAfter, onTime.Journal[0].Duration = "1", 20*time.Millisecond
	if ok, msg := judge(t, HaveWaitedAtLeast(list, time.Second, "Retry-After: 1"), onTime); !ok {
		t.Errorf("a retry within the 1 ms timer resolution failed Retry-After: 1: %s", msg)
	}
	nineEarly := &Evidence{Journal: journal(list, []int{0, 1011}, []int{429, 200})}
	nineEarly.Journal[0].RetryAfter, nineEarly.Journal[0].Duration = "1", 20*time.Millisecond
	if ok, _ := judge(t, HaveWaitedAtLeast(list, time.Second, "Retry-After: 1"), nineEarly); ok {
		t.Error("a retry 9 ms before Retry-After: 1 had elapsed (from the end of the reply) honoured it")
	}
	if ok, _ := judge(t, HaveMadeAtMost(list, attemptBound, "bounded"), &Evidence{Journal: journal(list, make([]int, 9), make([]int, 9))}); ok {
		t.Error("9 attempts judged bounded")
	}
}

func TestJWTMatchers(t *testing.T) {
	tok := knoxtest.RouteAccessToken
	x := func(seq, status int, jti, fp string) knoxtest.Exchange {
		return knoxtest.Exchange{Seq: seq, Route: tok, Status: status, JWT: &knoxtest.JWT{Alg: "RS512", JTI: jti, Fingerprint: fp, SignatureValid: true}}
	}
	resent := &Evidence{Journal: []knoxtest.Exchange{x(1, 400, "a", "f1"), x(2, 400, "a", "f1")}}
	if ok, msg := judge(t, NeverResentSameJWT(), resent); ok || !strings.Contains(msg, "resent the JWT of request #1") {
		t.Errorf("same bytes twice: ok=%v %s", ok, msg)
	}
	if ok, _ := judge(t, HaveResignedWithFreshJTI(), resent); ok {
		t.Error("a resent JWT judged as re-signed")
	}
	sameJTI := &Evidence{Journal: []knoxtest.Exchange{x(1, 400, "a", "f1"), x(2, 200, "a", "f2")}}
	if ok, _ := judge(t, HaveResignedWithFreshJTI(), sameJTI); ok {
		t.Error("a re-sign that kept the jti judged fresh")
	}
	if ok, _ := judge(t, HaveUniqueJTIs(), sameJTI); ok {
		t.Error("a reused jti judged unique")
	}
	if ok, msg := judge(t, NeverResentSameJWT(), sameJTI); ok || !strings.Contains(msg, "signed again with its jti") {
		t.Errorf("a re-sign that kept the jti (new bytes, the iat of a later second) judged a new JWT: ok=%v %s", ok, msg)
	}
	fresh := &Evidence{Journal: []knoxtest.Exchange{x(1, 400, "a", "f1"), x(2, 200, "b", "f2")}}
	if ok, _ := judge(t, HaveResignedWithFreshJTI(), fresh); !ok {
		t.Error("a proper re-sign judged stale")
	}
	if ok, msg := judge(t, NeverResentSameJWT(), fresh); !ok {
		t.Errorf("a re-sign with a new jti judged a resend: %s", msg)
	}
	if ok, _ := judge(t, HaveUniqueJTIs(), fresh); !ok {
		t.Error("distinct jti judged reused")
	}
}

func TestOutcomeMatchers(t *testing.T) {
	failed := func(kind knoxerr.Kind, status int, code string) *Evidence {
		return &Evidence{Invokes: []invokeRecord{{Outcome: target.Outcome{Error: &target.OutcomeError{Kind: kind, HTTPStatus: status, Code: code}}}}}
	}
	if ok, _ := judge(t, HaveSurfacedCode(knoxerr.AccessTokenBadRequest), failed(knoxerr.KindValidation, 401, "4012250")); !ok {
		t.Error("4012250 not accepted as ACCESS_TOKEN_BAD_REQUEST")
	}
	if ok, _ := judge(t, HaveSurfacedCode(knoxerr.AUT1802), failed(knoxerr.KindValidation, 400, "aut_1802")); !ok {
		t.Error("aut_1802 not accepted as AUT_1802")
	}
	if ok, msg := judge(t, HaveSurfacedCode(knoxerr.AUT1802), failed(knoxerr.KindValidation, 400, "")); ok || !strings.Contains(msg, "no code") {
		t.Errorf("a failure without code judged as surfacing AUT_1802: %s", msg)
	}
	if ok, _ := judge(t, HaveSurfacedKind(knoxerr.KindTimeout), failed(knoxerr.KindNetwork, 0, "")); ok {
		t.Error("network judged as timeout")
	}
	hung := &Evidence{Invokes: []invokeRecord{{GaveUp: true, Elapsed: 2800 * time.Millisecond}}}
	if ok, msg := judge(t, HaveReturnedWithin(1800*time.Millisecond, "timeout 800 ms"), hung); ok || !strings.Contains(msg, "client did not give up") {
		t.Errorf("a hung call judged as returned: %s", msg)
	}
	if ok, _ := judge(t, HaveFailed(), hung); ok {
		t.Error("a hung call judged as a reported failure")
	}
}

func TestTimelineNotes(t *testing.T) {
	tok, list := knoxtest.RouteAccessToken, knoxtest.RouteListDevices
	j := func(jti, fp, token string) *knoxtest.JWT {
		return &knoxtest.JWT{JTI: jti, Fingerprint: fp, TokenFingerprint: token}
	}
	tl := timeline([]knoxtest.Exchange{
		{Seq: 1, Route: tok, Status: 400, JWT: j("a", "f1", "")},
		{Seq: 2, Route: tok, Status: 200, At: 10 * time.Millisecond, JWT: j("b", "f2", "")},
		{Seq: 3, Route: list, Status: 403, At: 20 * time.Millisecond, JWT: j("c", "f3", "t1")},
		{Seq: 4, Route: list, Status: 403, At: 25 * time.Millisecond, JWT: j("c", "f3", "t1")},
		{Seq: 5, Route: list, Status: 200, At: 40 * time.Millisecond, JWT: j("d", "f4", "t2")},
		{Seq: 6, Route: tok, Status: 200, At: 50 * time.Millisecond, JWT: j("b", "f5", "")},
	})
	want := []string{"", "re-sign", "", "same-jwt", "refresh", "same-jti"}
	for i, a := range tl {
		if a.Note != want[i] {
			t.Errorf("attempt %d: note %q, want %q", a.Seq, a.Note, want[i])
		}
	}
	if tl[0].GapMs != -1 || tl[1].GapMs != 10 || tl[3].GapMs != 5 {
		t.Errorf("gaps: %v %v %v", tl[0].GapMs, tl[1].GapMs, tl[3].GapMs)
	}
}

func TestAfterRejection(t *testing.T) {
	tok, list := knoxtest.RouteAccessToken, knoxtest.RouteListDevices
	ev := &Evidence{Journal: []knoxtest.Exchange{
		{Seq: 1, Route: tok, Status: 200}, {Seq: 2, Route: list, Status: 401},
		{Seq: 3, Route: tok, Status: 200}, {Seq: 4, Route: list, Status: 200},
	}}
	after := ev.afterRejection(list)
	if after.From != 1 {
		t.Fatalf("From = %d, want 1 (the 401)", after.From)
	}
	if ok, _ := judge(t, HaveMadeAtMost(tok, 1, "one new token"), after); !ok {
		t.Error("the token request before the 401 was counted")
	}
	if ok, _ := judge(t, HaveMadeAtMost(tok, 1, "one new token"), ev); ok {
		t.Error("two token requests in the whole journal judged as at most one")
	}
	none := (&Evidence{Journal: ev.Journal[:1]}).afterRejection(list)
	if len(none.window()) != 0 {
		t.Errorf("no rejection: window %v, want empty", none.window())
	}
}

func TestHaveSentValidJWTs(t *testing.T) {
	now := time.Now()
	good := knoxtest.JWT{Alg: "RS512", Aud: "KnoxWSM", JTI: "a", EXP: now.Add(30 * time.Minute).Unix(), SignatureValid: true}
	for name, tt := range map[string]struct {
		edit func(j *knoxtest.JWT)
		ok   bool
	}{
		"valid":       {func(*knoxtest.JWT) {}, true},
		"RS256":       {func(j *knoxtest.JWT) { j.Alg = "RS256" }, false},
		"no aud":      {func(j *knoxtest.JWT) { j.Aud = "" }, false},
		"bad sig":     {func(j *knoxtest.JWT) { j.SignatureValid = false }, false},
		"no exp":      {func(j *knoxtest.JWT) { j.EXP = 0 }, false},
		"expired":     {func(j *knoxtest.JWT) { j.EXP = now.Add(-time.Minute).Unix() }, false},
		"server said": {func(j *knoxtest.JWT) { j.Problem = "publicKey does not match the registered key" }, false},
	} {
		j := good
		tt.edit(&j)
		ev := &Evidence{Journal: []knoxtest.Exchange{{Seq: 1, Route: knoxtest.RouteAccessToken, Time: now, JWT: &j}}}
		if ok, msg := judge(t, HaveSentValidJWTs(), ev); ok != tt.ok {
			t.Errorf("%s: ok=%v, want %v (%s)", name, ok, tt.ok, msg)
		}
	}
}

// A backoff pass by less than twice the turnaround plus the scheduling lag
// measured during the case is flagged narrow (the case then runs again to
// confirm it); a clear one is not.
func TestNarrowBackoffPass(t *testing.T) {
	list := knoxtest.RouteListDevices
	base := time.Now()
	at := func(ev *Evidence) *Evidence {
		for i := range ev.Journal {
			ev.Journal[i].Time = base.Add(ev.Journal[i].At)
		}
		ev.Invokes = []invokeRecord{{Started: base.Add(-18 * time.Millisecond), Elapsed: time.Second}}
		return ev
	}
	// A hot loop on a starved machine: every retry took tens of ms, the
	// turnaround a moment earlier 18 ms; the harness's timer saw no stall.
	starved := at(&Evidence{Journal: journal(list, []int{0, 11, 51, 109}, []int{429, 429, 429, 429}), Lag: time.Millisecond})
	if ok, msg := judge(t, HaveBackedOff(list, "429"), starved); !ok {
		t.Fatalf("mean 36 ms after an 18 ms turnaround failed: %s", msg)
	}
	if !starved.narrow {
		t.Error("a mean delay of 36 ms after an 18 ms turnaround was not flagged narrow")
	}
	// A hot loop that load delayed far past a short turnaround measured a
	// moment earlier: still confirmed, because it is under hotLoopFloor.
	stalled := at(&Evidence{Journal: journal(list, []int{0, 60, 130}, []int{429, 429, 429}), Lag: time.Millisecond})
	stalled.Invokes[0].Started = base.Add(-2 * time.Millisecond)
	if ok, msg := judge(t, HaveBackedOff(list, "429"), stalled); !ok || !stalled.narrow {
		t.Errorf("60 and 70 ms after a 2 ms turnaround: passed %v, narrow %v (want a narrow pass): %s", ok, stalled.narrow, msg)
	}
	clear := at(&Evidence{Journal: journal(list, []int{0, 150, 450}, []int{429, 429, 429}), Lag: time.Millisecond})
	if ok, msg := judge(t, HaveBackedOff(list, "429"), clear); !ok || clear.narrow {
		t.Errorf("150 and 300 ms after an 18 ms turnaround: passed %v, narrow %v: %s", ok, clear.narrow, msg)
	}
}

// Two failures stand, a failure stands unless a clear pass refutes it (a
// narrow pass cannot), runs without a failure acquit, and a case runs at most
// 1+confirmRuns times.
func TestConfirmMore(t *testing.T) {
	P, N, F := runPassed, runNarrow, runFailed
	for _, c := range []struct {
		kinds []runKind
		more  bool
		fail  bool
	}{
		{[]runKind{F}, true, true},
		{[]runKind{N}, true, false},
		{[]runKind{N, P}, false, false},
		{[]runKind{N, F}, true, true},
		{[]runKind{N, F, F}, false, true},
		{[]runKind{N, F, N}, false, true},
		{[]runKind{N, F, P}, false, false},
		{[]runKind{N, N}, true, false},
		{[]runKind{N, N, N}, false, false},
		{[]runKind{N, N, F}, false, true},
		{[]runKind{F, F}, false, true},
		{[]runKind{F, P}, true, false},
		{[]runKind{F, P, P}, false, false},
		{[]runKind{F, P, N}, false, false},
		{[]runKind{F, P, F}, false, true},
		{[]runKind{F, N}, true, true},
		{[]runKind{F, N, N}, false, true},
		{[]runKind{F, N, P}, false, false},
	} {
		if got := confirmMore(c.kinds); got != c.more {
			t.Errorf("after %v: another run %v, want %v", c.kinds, got, c.more)
		}
		if got := fails(countRuns(c.kinds)); got != c.fail {
			t.Errorf("after %v: fails %v, want %v", c.kinds, got, c.fail)
		}
	}
	if confirmRuns != 2 {
		t.Errorf("confirmRuns is %d; the table above assumes 2", confirmRuns)
	}
}

// When no run of a case showed a clear wait, the delays of all its runs decide:
// a hot loop on a saturated machine passed three runs narrowly with delays of
// 15-35 ms and fails on the pooled mean; a client whose delays were small in
// each run but not together passes; a wait check that one run showed clearly
// is not pooled; and only the wait checks are pooled.
func TestPoolWaits(t *testing.T) {
	msd := func(xs ...int) []time.Duration {
		var out []time.Duration
		for _, x := range xs {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	run := func(level knoxerr.Level, gaps []time.Duration) *caseRun {
		r := &caseRun{res: &reports.CaseResult{Checks: []reports.Check{
			{Name: "retries not in lockstep", Level: "SHOULD", Passed: true},
			{Name: "backed off", Level: string(level), Passed: true, Actual: "3 requests"},
		}}}
		if gaps != nil {
			r.narrowWaits = []narrowWait{{check: 1, level: level, gaps: gaps}}
		}
		return r
	}
	for _, c := range []struct {
		name  string
		runs  []*caseRun
		fails bool
	}{
		{"hot loop, three narrow runs", []*caseRun{run(knoxerr.MUST, msd(18, 16, 20)), run(knoxerr.MUST, msd(35, 30, 28)), run(knoxerr.MUST, msd(15, 17, 21))}, true},
		{"small draws one run at a time", []*caseRun{run(knoxerr.MUST, msd(10, 40, 190)), run(knoxerr.MUST, msd(30, 160, 20)), run(knoxerr.MUST, msd(5, 80, 95))}, false},
		{"one run showed the wait clearly", []*caseRun{run(knoxerr.MUST, msd(18, 16, 20)), run(knoxerr.MUST, nil), run(knoxerr.MUST, msd(15, 17, 21))}, false},
		{"SHOULD level", []*caseRun{run(knoxerr.SHOULD, msd(1, 2, 3)), run(knoxerr.SHOULD, msd(2, 5, 8)), run(knoxerr.SHOULD, msd(1, 1, 1))}, true},
		{"too few delays to pool", []*caseRun{run(knoxerr.MUST, msd(18, 16)), run(knoxerr.MUST, msd(35, 30)), run(knoxerr.MUST, msd(15, 17))}, false},
	} {
		got := poolWaits(c.runs)
		last := c.runs[len(c.runs)-1]
		failed := !last.res.Checks[1].Passed
		if failed != c.fails || (got != "") != c.fails {
			t.Errorf("%s: check failed %v (note %q), want %v", c.name, failed, got, c.fails)
		}
		if !last.res.Checks[0].Passed {
			t.Errorf("%s: a check that is not a wait was failed", c.name)
		}
		n := len(last.mustFailures) + len(last.shouldFailures)
		if c.fails && (n != 1 || !strings.Contains(last.res.Checks[1].Actual, "none of which showed it clearly")) {
			t.Errorf("%s: %d failures recorded, actual %q", c.name, n, last.res.Checks[1].Actual)
		}
		if c.fails && c.runs[0].res.Checks[1].Level == "SHOULD" && len(last.shouldFailures) != 1 {
			t.Errorf("%s: a SHOULD wait check failed at another level", c.name)
		}
	}
}

// The lockstep check over runs none of which passed clearly: a fixed delay
// that a saturated machine spread by 54-234 ms in each run fails; jitter whose
// draws bunched in two runs but not in the third passes.
func TestPoolSpreads(t *testing.T) {
	run := func(spread int) *caseRun {
		return &caseRun{
			res:         &reports.CaseResult{Checks: []reports.Check{{Name: "retries not in lockstep", Level: "SHOULD", Passed: true}}},
			narrowWaits: []narrowWait{{check: 0, level: knoxerr.SHOULD, spread: time.Duration(spread) * time.Millisecond}},
		}
	}
	for _, c := range []struct {
		spreads []int
		fails   bool
	}{
		{[]int{54, 95, 234}, true},
		{[]int{120, 300, 650}, false},
		{[]int{399}, true},
		{[]int{400}, false},
	} {
		var runs []*caseRun
		for _, sp := range c.spreads {
			runs = append(runs, run(sp))
		}
		note := poolWaits(runs)
		last := runs[len(runs)-1]
		if failed := !last.res.Checks[0].Passed; failed != c.fails || (note != "") != c.fails || (len(last.shouldFailures) == 1) != c.fails {
			t.Errorf("spreads %v ms: failed %v (note %q), want %v", c.spreads, failed, note, c.fails)
		}
	}
}

// The lockstep check fails a client that waits one fixed delay, whether its
// retries come as a shifted copy of its calls or bunched together, and passes
// randomised delays however spread out the calls themselves arrived: on a
// loaded machine a correct client's eight calls arrived within 226 ms and its
// equal-jitter delays spread 209 ms, which the rule this replaced (delays must
// spread 50 ms more than the calls) failed.
func TestSpreadRetries(t *testing.T) {
	list := knoxtest.RouteListDevices
	wave := func(calls, retries []int) *Evidence {
		at := append(slices.Clone(calls), retries...)
		slices.Sort(at[:len(calls)])
		slices.Sort(at[len(calls):])
		return &Evidence{Journal: journal(list, at, make([]int, len(at)))}
	}
	quiet := []int{0, 1, 1, 2, 3, 4, 6, 7}
	loaded := []int{0, 31, 64, 98, 140, 171, 203, 226}
	shift := func(calls []int, by ...int) []int {
		out := make([]int, len(calls))
		for i, c := range calls {
			out[i] = c + 1000 + by[i%len(by)]
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		ev       *Evidence
		randomly bool
	}{
		{"one delay, calls together", wave(quiet, shift(quiet, 0, 4, 9, 2, 13, 6, 1, 8)), false},
		{"one delay, calls spread by a loaded machine", wave(loaded, shift(loaded, 3, 0, 11, 5, 22, 7, 1, 9)), false},
		{"one delay, retries bunched when a starved client ran again", wave(loaded, []int{1290, 1291, 1291, 1293, 1294, 1296, 1297, 1301}), false},
		{"equal jitter, calls together", wave(quiet, []int{512, 598, 640, 702, 771, 840, 903, 987}), true},
		{"equal jitter, calls spread by a loaded machine", wave(loaded, []int{
			0 + 931, 31 + 706, 64 + 812, 98 + 744, 140 + 899, 171 + 723, 203 + 868, 226 + 781}), true},
		{"full jitter", wave(quiet, []int{34, 120, 260, 410, 560, 700, 850, 990}), true},
		{"no retry", wave(quiet, nil), true},
	} {
		ok, msg := judge(t, HaveSpreadRetries(list, 8), tc.ev)
		if ok != tc.randomly {
			t.Errorf("%s: judged randomised=%v, want %v: %s", tc.name, ok, tc.randomly, msg)
		}
	}
	// A lockstep wave spread by a stall, less than the calls' own arrival:
	// passed, but narrowly, so that the case runs again to confirm it.
	stalled := wave(loaded, shift(loaded, 0, 2, 3, 4, 1, 3, 120, 125))
	if ok, msg := judge(t, HaveSpreadRetries(list, 8), stalled); !ok || !stalled.narrow {
		t.Errorf("delays spread 125 ms, calls within 226 ms: passed %v, narrow %v (want a narrow pass): %s", ok, stalled.narrow, msg)
	}
	clear := wave(quiet, []int{512, 598, 640, 702, 771, 840, 903, 987})
	if ok, _ := judge(t, HaveSpreadRetries(list, 8), clear); !ok || clear.narrow {
		t.Errorf("equal jitter, calls together: passed %v, narrow %v (want a clear pass)", ok, clear.narrow)
	}
}

// HaveRecovered passes a client that succeeded, one that gave up on its own
// bound while the fault lasted, and (where retrying is MAY) one that did not
// retry; it fails one that reported failure after the server had recovered,
// one that never returned, and one that did not retry where it must.
func TestHaveRecovered(t *testing.T) {
	list := knoxtest.RouteListDevices
	failed := []invokeRecord{{Outcome: target.Outcome{Error: &target.OutcomeError{Kind: knoxerr.KindServer, HTTPStatus: 500}}}}
	ok := []invokeRecord{{Outcome: target.Outcome{OK: true}}}
	ev := func(statuses []int, injected int, inv []invokeRecord) *Evidence {
		at := make([]int, len(statuses))
		for i := range at {
			at[i] = 100 * i
		}
		xs := journal(list, at, statuses)
		for i := range min(injected, len(xs)) {
			xs[i].Injected = true
		}
		return &Evidence{Journal: xs, Invokes: inv}
	}
	for _, c := range []struct {
		name        string
		ev          *Evidence
		mayNotRetry bool
		want        bool
	}{
		{"succeeded after three 500s", ev([]int{500, 500, 500, 200}, 3, ok), false, true},
		{"gave up on its own bound of three attempts", ev([]int{500, 500, 500}, 3, failed), false, true},
		{"gave up on its own bound of two attempts", ev([]int{500, 500}, 3, failed), true, true},
		{"did not retry where retrying is MAY", ev([]int{500}, 3, failed), true, true},
		{"did not retry where it must", ev([]int{500}, 3, failed), false, false},
		{"reported failure after the server recovered", ev([]int{500, 500, 500, 200}, 3, failed), true, false},
		{"never returned", ev([]int{500, 500}, 3, []invokeRecord{{GaveUp: true}}), true, false},
		{"sent nothing", ev(nil, 0, failed), true, false},
	} {
		if got, msg := judge(t, HaveRecovered(list, "the 500 ended after three", c.mayNotRetry), c.ev); got != c.want {
			t.Errorf("%s: passed %v, want %v: %s", c.name, got, c.want, msg)
		}
	}
}

// The cursor check: a listing that reached the end passes; one that stopped
// with a nextSearchAfter left fails, unless the client gave up while a fault
// lasted and reported failure (its own attempt bound was lower than the fault
// was long); reporting success after stopping fails.
func TestFollowedCursorToTheEnd(t *testing.T) {
	kc := knoxtest.RouteKCDevices
	page := func(seq int, cursor, next string) knoxtest.Exchange {
		return knoxtest.Exchange{Seq: seq, Route: kc, Status: 200, Cursor: cursor, NextCursor: next}
	}
	fault := func(seq int) knoxtest.Exchange {
		return knoxtest.Exchange{Seq: seq, Route: kc, Status: 429, Injected: true}
	}
	failed := invokeRecord{Outcome: target.Outcome{Error: &target.OutcomeError{Kind: knoxerr.KindRateLimited}}}
	ok := invokeRecord{Outcome: target.Outcome{OK: true}}
	for _, c := range []struct {
		name string
		xs   []knoxtest.Exchange
		rec  invokeRecord
		want bool
	}{
		{"to the end through the fault", []knoxtest.Exchange{page(1, "", "c1"), fault(2), fault(3), page(4, "c1", "")}, ok, true},
		{"gave up during the fault", []knoxtest.Exchange{page(1, "", "c1"), fault(2), fault(3)}, failed, true},
		{"stopped and reported success", []knoxtest.Exchange{page(1, "", "c1"), fault(2), fault(3)}, ok, false},
		{"stopped after a page", []knoxtest.Exchange{page(1, "", "c1"), fault(2), page(3, "c1", "c2")}, failed, false},
		{"a page twice", []knoxtest.Exchange{page(1, "", "c1"), page(2, "", "c1"), page(3, "c1", "")}, ok, false},
	} {
		got, msg := judge(t, HaveFollowedCursorToTheEnd(kc), &Evidence{Journal: c.xs, Invokes: []invokeRecord{c.rec}})
		if got != c.want {
			t.Errorf("%s: %v, want %v (%s)", c.name, got, c.want, msg)
		}
	}
}
