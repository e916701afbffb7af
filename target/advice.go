package target

import (
	"fmt"
	"time"
)

// What of the advised client config binds a client, in one place: the checks
// apply these numbers and docs/protocol.md states them from WaitRule
// (generated, so the two cannot drift).
const (
	// JudgedBaseDelayMs is the base delay (config.baseDelayMs) advised by the
	// cases that judge whether a client waited before a retry; JudgedMaxDelayMs
	// is their cap.
	JudgedBaseDelayMs = 250
	JudgedMaxDelayMs  = 1000
	// MinJudgedWait is the mean retry delay below which a wait cannot be told
	// from none on a loaded machine: a client that retries at once still
	// waits for a CPU, tens of milliseconds when the cores are saturated. It
	// decides only when no run of a case showed a clear wait (see WaitRule):
	// then the delays of all its runs are pooled, and a mean under it fails.
	// Measured: immediate retries on two saturated cores averaged 15-35 ms
	// over such runs; full jitter on the advised base averages under this
	// over nine delays with a probability far below one in ten thousand.
	MinJudgedWait = 50 * time.Millisecond
	// MinPooledDelays is how many delays the runs must have shown together
	// for MinJudgedWait to apply: with fewer, full jitter's draws average
	// under it too often (six delays, two a run from [0, 250] and [0, 500]
	// ms: about 5e-4 of the time; nine, three a run: under 1e-5).
	MinPooledDelays = 9
	// HotLoopFloor is the mean delay below which a pass of a wait check is
	// always confirmed by running the case again, whatever turnaround the
	// case measured: under a saturated CPU an immediate retry can wait tens
	// of milliseconds for a core while the turnaround measured a moment
	// earlier stayed short. A client that follows the advised base delay
	// falls below it only when jitter draws small; that costs a rerun.
	HotLoopFloor = 100 * time.Millisecond

	// JitterBaseDelayMs and JitterMaxDelayMs are the advice of the case that
	// judges whether concurrent calls retry in lockstep (ratelimit/jitter):
	// a base delay long enough that any jitter spreads eight retries over far
	// more than a loaded machine spreads eight equal delays.
	JitterBaseDelayMs = 2000
	JitterMaxDelayMs  = 4000
	// MinPooledSpread is the spread the retries of that case must reach in at
	// least one of its runs (a run under it is confirmed by another): a client
	// that waits one fixed delay showed spreads of 52-234 ms on two saturated
	// cores, with the calls themselves within 20 ms; equal
	// jitter on the advised base (eight draws from [1000, 2000] ms) spreads
	// less than this with a probability under 1 % per run, in three runs
	// together under one in a million.
	MinPooledSpread = 400 * time.Millisecond
	// LockstepSpread is the spread under which one run of that case fails at
	// once: one fixed delay on a quiet machine (6-22 ms measured).
	LockstepSpread = 50 * time.Millisecond
)

// WaitRule is the paragraph of docs/protocol.md that says how a retry delay is
// judged in the cases that judge one, from the constants above.
func WaitRule() string {
	return fmt.Sprintf("The second binding is the **size of a retry delay** where a case judges one. The checks "+
		"`backed off` judge that a client waited: those cases advise `baseDelayMs` %d and `maxDelayMs` %d, except one "+
		"that advises no delay at all to judge the client's own defaults (`http/500/client-defaults`). A delay is "+
		"measured from the moment the server finished its reply to the client's next request, and judged against "+
		"the client's own no-wait turnaround measured in the same case. On a loaded machine a client that retries "+
		"at once also waits, for a CPU, so a mean delay close to that turnaround (or under %s) is run again; when "+
		"none of the runs (at most three) shows a clear wait, their delays are pooled and, over %d delays or more, a "+
		"pooled mean under **%s** fails the check: it cannot be told from a hot loop. The check `retries not in lockstep` "+
		"(`ratelimit/jitter`, advising `baseDelayMs` %d and `maxDelayMs` %d) judges that eight calls meeting one "+
		"429 spread their retries: the retries, and the delays from each call to its retry, must spread over at "+
		"least **%s** in one of the case's runs (at most three; a run under it is confirmed by another, one under "+
		"%s fails). A load that delays a client's timers spreads one fixed delay by a few hundred milliseconds at "+
		"most; jitter of at least a fifth of the advised delay spreads it further. A client that honours the "+
		"advised delays, with full, equal or decorrelated jitter, passes; one that keeps its own delays there must "+
		"keep them at that scale (exponential from a default base delay of 200 ms or more, even with full jitter, "+
		"passes the first rule but for a probability near one in 100,000 per case).\n",
		JudgedBaseDelayMs, JudgedMaxDelayMs, HotLoopFloor, MinPooledDelays, MinJudgedWait, JitterBaseDelayMs, JitterMaxDelayMs, MinPooledSpread, LockstepSpread)
}
