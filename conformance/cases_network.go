package conformance

import (
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// hangTimeout is the operation timeout advised in the hang case.
const hangTimeout = 800 * time.Millisecond

// networkCases: BEHAVIOURS.md §2, connection faults.
func networkCases() []*caseDef {
	list := knoxtest.RouteListDevices
	return []*caseDef{
		newCase("network/reset-get", knoxerr.SHOULD, "retry a GET after a connection reset",
			"SHOULD retry an idempotent GET whose connection was reset before the response, with backoff, bounded.",
			sourceBehaviours).
			needs(target.OpListDevices).tune(judgedBackoff).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Fault: knoxtest.FaultReset, Times: transientFaults})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.should(ev, HaveBackedOff(list, "retrying after a reset"))
			r.should(ev, HaveMadeAtMost(list, attemptBound, "attempts are bounded"))
			r.should(ev, HaveRecovered(list, "the resets ended after three", false))
		}),

		newCase("network/hang-timeout", knoxerr.MUST, "give up on a server that never answers",
			"MUST give up within its configured timeout and report timeout; no hang.", sourceBehaviours).
			needs(target.OpListDevices).
			tune(func(c *target.ClientConfig) { c.TimeoutMs = int(hangTimeout / time.Millisecond) }).
			scenario(func(r *caseRun) {
				r.script(list, knoxtest.Step{Fault: knoxtest.FaultHang, Times: knoxtest.Forever})
				r.invoke(target.OpListDevices, firstPage)
				ev := r.ev()
				r.must(ev, HaveReturnedWithinTimeout(time.Second))
				r.must(ev, HaveFailed())
				r.must(ev, HaveSurfacedKind(knoxerr.KindTimeout))
			}),
	}
}
