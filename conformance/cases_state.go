package conformance

import (
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// stateCases: BEHAVIOURS.md §2, calls that change state on the server.
func stateCases() []*caseDef {
	del := knoxtest.RouteDeleteDevices
	return []*caseDef{
		newCase("state/delete-500/no-retry", knoxerr.SHOULD, "a delete is not retried after 500",
			"A call that changes state (KME delete) SHOULD NOT be retried automatically once the request may have reached the server (500, timeout, reset), unless the client makes it safe; it reports the failure to its caller.",
			sourceBehaviours, knoxerr.HTTPInternalServerError).
			needs(target.OpDeleteDevices).scenario(func(r *caseRun) {
			r.script(del, once(knoxerr.HTTPInternalServerError))
			r.invoke(target.OpDeleteDevices, target.DeleteDevicesParams{Devices: []string{"354000000000011", "354000000000012"}})
			ev := r.ev()
			r.precondition(ev, HaveMadeAtLeast(del, 1, "the delete reached the server"))
			r.should(ev, HaveMadeNoSecondRequest(del, "a 500 on a call that may have deleted the devices"))
			r.should(ev, HaveFailed())
		}),
	}
}

// surfaceCases: BEHAVIOURS.md §2, what a failure carries to the caller.
func surfaceCases() []*caseDef {
	list := knoxtest.RouteListDevices
	return []*caseDef{
		newCase("surface/status-and-code", knoxerr.SHOULD, "the failure carries the HTTP status and the Knox code",
			"The failure SHOULD carry the HTTP status and, separately, the Knox code; one is not a stand-in for the other.",
			sourceBehaviours, knoxerr.ResourceNotFound).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, once(knoxerr.ResourceNotFound))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.precondition(ev, HaveMadeAtLeast(list, 1, "the call reached the server"))
			r.should(ev, HaveSurfacedStatusAndCode(404, knoxerr.ResourceNotFound))
		}),
	}
}
