package conformance

import (
	"fmt"
	"net/http"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// Sources of §4.
const (
	sourceGuard     = "BEHAVIOURS.md §4; https://docs.samsungknox.com/dev/knox-guard/error-codes/ ; https://docs.samsungknox.com/dev/knox-guard/get-started/"
	sourceConfigure = "BEHAVIOURS.md §4; https://docs.samsungknox.com/dev/knox-configure/tutorials/v2/manage-devices/ ; https://docs.samsungknox.com/dev/knox-configure/error-codes/"
)

// A device the simulation seeds (knoxtest seeds IMEIs 35 + 13 digits from 1000)
// and one it does not know.
const (
	guardDevice   = "350000000001000"
	unknownDevice = "359999999999999"
)

var lockOne = target.GuardCommandParams{Devices: []string{guardDevice}, Message: "This device is locked: payment overdue"}

// guardMessage is the message the message case sends the device.
var guardMessage = target.GuardCommandParams{Devices: []string{guardDevice}, Message: "Your payment is received: thank you"}

// serviceCases: BEHAVIOURS.md §4, Knox Guard and Knox Configure.
func serviceCases() []*caseDef {
	lock, kc := knoxtest.RouteKGLock, knoxtest.RouteKCDevices
	return []*caseDef{
		newCase("kg/lock/success", knoxerr.MUST, "a Knox Guard lock reported as the success it is",
			"Success is success: a command that succeeds is reported as success with its per-device result.", sourceGuard).
			needs(target.OpKGLock).scenario(func(r *caseRun) {
			r.invoke(target.OpKGLock, lockOne)
			ev := r.ev()
			r.must(ev, HaveMadeRequests(lock, 1))
			r.must(ev, HaveReportedCount("success", 1))
			r.must(ev, guardLocked(r.srv, guardDevice, true))
		}),

		newCase("kg/unlock-and-message/success", knoxerr.MUST, "a Knox Guard unlock and message reported as the successes they are",
			"Success is success: an unlock and a message that succeed are each reported as success with its per-device result, and the server holds the device unlocked and the message delivered.",
			sourceGuard+"; "+sourceBehaviours).
			needs(target.OpKGLock, target.OpKGUnlock, target.OpKGSendMessage).scenario(func(r *caseRun) {
			r.invoke(target.OpKGLock, lockOne)
			r.precondition(r.ev(), guardLocked(r.srv, guardDevice, true))
			r.invoke(target.OpKGUnlock, target.GuardCommandParams{Devices: []string{guardDevice}})
			ev := r.ev()
			r.must(ev, HaveReportedCount("success", 1))
			r.must(ev, guardLocked(r.srv, guardDevice, false))
			r.invoke(target.OpKGSendMessage, guardMessage)
			ev = r.ev()
			r.must(ev, HaveReportedCount("success", 1))
			r.must(ev, guardMessaged(r.srv, guardDevice, guardMessage.Message))
		}),

		newCase("kg/result-body/surface-code", knoxerr.MUST, "the code read from a Knox Guard result/error body",
			"Knox Guard: surface the code from the {result:\"FAIL\",error:{code,message,reason}} body (MUST); no retry of a 400.",
			sourceGuard, knoxerr.ResourceInvalidParam).
			needs(target.OpKGLock).scenario(func(r *caseRun) {
			r.script(lock, once(knoxerr.ResourceInvalidParam))
			r.invoke(target.OpKGLock, lockOne)
			ev := r.ev()
			r.must(ev, HaveMadeNoSecondRequest(lock, named(knoxerr.ResourceInvalidParam)+" in a result/error body"))
			r.must(ev, HaveFailed())
			r.must(ev, HaveSurfacedCode(knoxerr.ResourceInvalidParam))
		}),

		guardNotRetried("kg/lock/no-retry-after-500", "500", knoxtest.Step{Code: knoxerr.HTTPInternalServerError}, knoxerr.HTTPInternalServerError),
		guardNotRetried("kg/lock/no-retry-after-reset", "a connection reset", knoxtest.Step{Fault: knoxtest.FaultReset}),

		newCase("kg/bulk/per-device-failures", knoxerr.SHOULD, "per-device failures of a bulk command reported",
			"Knox Guard: report per-device failures of a bulk answer (resultList) instead of calling the whole call a success.",
			sourceGuard, knoxerr.ResourceNotFound).
			needs(target.OpKGLock).scenario(func(r *caseRun) {
			r.invoke(target.OpKGLock, target.GuardCommandParams{Devices: []string{guardDevice, unknownDevice}})
			ev := r.ev()
			r.must(ev, HaveMadeRequests(lock, 1))
			r.should(ev, HaveReportedCount("failed", 1))
		}),

		newCase("kc/cursor/follow-to-end", knoxerr.MUST, "the Knox Configure cursor followed to the end, each page once",
			"Knox Configure v2: follow the cursor (searchAfter → nextSearchAfter) to the end without repeating or skipping a page; report the listing as the server gave it (its totalCount, every device, the pages it took).",
			sourceConfigure+"; "+sourceBehaviours).
			needs(target.OpKCListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.must(ev, HaveFollowedCursorToTheEnd(kc))
			r.must(ev, HaveReportedCount("devices", 25))
			// Success is success: the answer as the server gave it (its
			// totalCount; three pages of at most 10).
			r.must(ev, HaveReportedCount("totalCount", 25))
			r.must(ev, HaveReportedCount("pages", 3))
		}),

		// docs/protocol.md: an absent or 0 pageSize is the client's default.
		newCase("kc/cursor/default-page-size", knoxerr.MUST, "the Knox Configure listing on the client's own page size",
			"Knox Configure v2: with no page size asked for (the client's default), the listing succeeds and follows the cursor to the end; a pageSize of 0 is not a page size (the server answers 400).",
			sourceConfigure+"; "+sourceBehaviours).
			needs(target.OpKCListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, target.KCListDevicesParams{})
			ev := r.ev()
			r.must(ev, HaveSucceeded("every device of the listing, on pages of the client's size"))
			r.must(ev, HaveFollowedCursorToTheEnd(kc))
			r.must(ev, HaveReportedCount("devices", 25))
		}),

		newCase("kc/page-size/no-retry", knoxerr.MUST, "no retry of a pageSize over 100",
			"Knox Configure v2: a pageSize over 100 is a 400; no retry.", sourceConfigure, knoxerr.ResourceInvalidParam).
			needs(target.OpKCListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, target.KCListDevicesParams{PageSize: 101})
			ev := r.ev()
			r.must(ev, HaveMadeAtMost(kc, 1, "a pageSize over 100 is refused with 400"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedCode(knoxerr.ResourceInvalidParam))
		}),

		newCase("kc/429/backoff", knoxerr.MUST, "back off on 429 from Knox Configure",
			"Knox Configure v2 allows 10 requests per second: back off on 429, then go on without repeating a page.",
			sourceConfigure+"; "+sourceRetryAfter, knoxerr.HTTPTooManyRequests).
			needs(target.OpKCListDevices).tune(judgedBackoff).scenario(func(r *caseRun) {
			// Three 429s on the second page: three delays a run, so that runs
			// that pass narrowly can be judged together (target.MinPooledDelays).
			r.script(kc, knoxtest.Step{Pass: true}, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, Times: transientFaults})
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.must(ev, HaveBackedOffAfter(kc, http.StatusTooManyRequests))
			r.must(ev, HaveFollowedCursorToTheEnd(kc))
			r.should(ev, HaveRecovered(kc, "the limit lifted after three", false))
		}),
	}
}

// guardNotRetried: a Knox Guard lock meets fault once; the state-changing
// command is not sent again automatically and the failure is reported.
func guardNotRetried(id, what string, step knoxtest.Step, codes ...knoxerr.Code) *caseDef {
	lock := knoxtest.RouteKGLock
	return newCase(id, knoxerr.SHOULD, "a Knox Guard lock not resent after "+what,
		"State-changing call after 500, timeout or reset: a Knox Guard command is not retried automatically once the request may have reached the server; it reports the failure to its caller.",
		sourceGuard+"; BEHAVIOURS.md §2", codes...).
		needs(target.OpKGLock).scenario(func(r *caseRun) {
		r.script(lock, step)
		r.invoke(target.OpKGLock, lockOne)
		ev := r.ev()
		r.should(ev, HaveMadeNoSecondRequest(lock, what))
		r.should(ev, HaveFailed())
	})
}

// guardLocked: the simulated Knox Guard holds the device locked (or, with
// locked false, unlocked) after the call.
func guardLocked(srv *knoxtest.Server, uid string, locked bool) *Requirement {
	state := map[bool]string{true: "locked", false: "unlocked"}
	return requirement("the device is "+state[locked], "Knox Guard holds device "+uid+" "+state[locked]+" after the call",
		func(*Evidence) (bool, string) {
			got := srv.GuardLocked(uid)
			return got == locked, fmt.Sprintf("device %s is %s", uid, state[got])
		})
}

// guardMessaged: the simulated Knox Guard delivered msg to the device.
func guardMessaged(srv *knoxtest.Server, uid, msg string) *Requirement {
	return requirement("the message is delivered", fmt.Sprintf("Knox Guard delivered %q to device %s", msg, uid),
		func(*Evidence) (bool, string) {
			got := srv.GuardMessage(uid)
			switch {
			case got == msg:
				return true, "the message was delivered"
			case got == "":
				return false, fmt.Sprintf("no message was delivered to device %s", uid)
			}
			return false, fmt.Sprintf("device %s was sent %q", uid, got)
		})
}
