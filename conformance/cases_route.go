package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// BEHAVIOURS.md §2 "Every route, every fault": the rules for 429, 5xx, a reset
// and a server that never answers hold on every route a client calls. The
// cases are generated from two lists, the routes (with their nature: a read, a
// call that changes state, or the single-use authorization-code exchange) and
// the faults, and the expectation of each cell follows from the route's nature.
// A cell that an earlier case already judges in the same way is not repeated:
// RouteMatrix says which case stands for it.

// routeNature is what a route's call does to the server, which decides what a
// client may do after a fault that may have reached it.
type routeNature string

const (
	// natureRead changes nothing: it MAY be resent after a 5xx or a lost response.
	natureRead routeNature = "read"
	// natureWrite changes state (a KME delete): not resent after a 5xx, a reset or
	// a timeout, where it may have been processed.
	natureWrite routeNature = "state-changing"
	// natureCode spends a single-use authorization code: never resent unless the
	// server certainly did not process it (a 429, after its Retry-After).
	natureCode routeNature = "single-use code"
	// natureIdempotent changes state, but sending it again changes nothing more
	// (an OAuth 2.0 revoke: an ended token's revocation is answered 200, RFC
	// 7009 §2.2), so its faults are judged as a read's.
	natureIdempotent routeNature = "idempotent"
)

// judgedAs is the nature whose expectations a route's faults get.
func (n routeNature) judgedAs() routeNature {
	if n == natureIdempotent {
		return natureRead
	}
	return n
}

// matrixRoute is one route of the matrix.
type matrixRoute struct {
	Name   string
	Route  knoxtest.Route
	Nature routeNature
	op     target.Op
	needs  []target.Op
	// shape, when set, is the error-body layout the route's faults answer in.
	shape knoxerr.Shape
	// call performs the route's operation once (and whatever must precede it).
	call func(r *caseRun)
	// done, when set, is what a success the client reports must have done on
	// the server (BEHAVIOURS.md §2 "Success is success"), judged in every cell.
	done func() *Requirement
}

// matrixFault is one fault of the matrix.
type matrixFault struct {
	Name string
	What string
	step knoxtest.Step
}

func matrixRoutes() []matrixRoute {
	exchange := func(r *caseRun) { r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()}) }
	return []matrixRoute{
		{Name: "token", Route: knoxtest.RouteAccessToken, Nature: natureRead, op: target.OpAccessToken,
			call: func(r *caseRun) { r.invoke(target.OpAccessToken, nil) }},
		{Name: "list", Route: knoxtest.RouteListDevices, Nature: natureRead, op: target.OpListDevices,
			call: func(r *caseRun) { r.invoke(target.OpListDevices, firstPage) }},
		{Name: "delete", Route: knoxtest.RouteDeleteDevices, Nature: natureWrite, op: target.OpDeleteDevices,
			call: func(r *caseRun) { r.invoke(target.OpDeleteDevices, deleteParams) }},
		{Name: "sa-token", Route: knoxtest.RouteSAToken, Nature: natureCode, op: target.OpExchangeCode,
			call: exchange},
		{Name: "authorize", Route: knoxtest.RouteSAAuthorize, Nature: natureRead, op: target.OpAuthorizeToken,
			needs: []target.Op{target.OpExchangeCode},
			call:  func(r *caseRun) { r.invoke(target.OpAuthorizeToken, target.AuthorizeTokenParams{}) }},
		// Knox OAuth 2.0's token endpoint: a client-credentials grant obtains a
		// token and changes nothing else, so it is a read; its errors come in
		// RFC 6749's layout.
		{Name: "oauth-token", Route: knoxtest.RouteOAuthToken, Nature: natureRead, op: target.OpOAuthToken, shape: knoxerr.ShapeOAuth,
			call: func(r *caseRun) { r.invoke(target.OpOAuthToken, target.OAuthTokenParams{}) }},
		// Knox OAuth 2.0's authorization_code grant (a UEM partner's sign-in):
		// the same token endpoint, but the code it carries is single-use.
		{Name: "oauth-code", Route: knoxtest.RouteOAuthToken, Nature: natureCode, op: target.OpOAuthExchangeCode, shape: knoxerr.ShapeOAuth,
			call: func(r *caseRun) {
				r.invoke(target.OpOAuthExchangeCode, target.OAuthExchangeCodeParams{Code: r.srv.IssueOAuthCode(knoxtest.OAuthCode{})})
			}},
		// Knox Configure's device listing (a Bearer call): the fault meets the
		// first page; a read.
		{Name: "kc", Route: knoxtest.RouteKCDevices, Nature: natureRead, op: target.OpKCListDevices,
			call: func(r *caseRun) { r.invoke(target.OpKCListDevices, kcAll) }},
		// Knox OAuth 2.0's revoke (RFC 7009) of the token a client_credentials
		// grant just obtained.
		{Name: "oauth-revoke", Route: knoxtest.RouteOAuthRevoke, Nature: natureIdempotent, op: target.OpOAuthRevoke,
			needs: []target.Op{target.OpOAuthToken}, shape: knoxerr.ShapeOAuth,
			call: func(r *caseRun) {
				r.invoke(target.OpOAuthToken, target.OAuthTokenParams{})
				r.invoke(target.OpOAuthRevoke, nil)
			},
			done: HaveRevokedIfDone},
		// A Knox Guard lock changes the device's state.
		{Name: "kg-lock", Route: knoxtest.RouteKGLock, Nature: natureWrite, op: target.OpKGLock,
			call: func(r *caseRun) { r.invoke(target.OpKGLock, lockOne) }},
	}
}

func matrixFaults() []matrixFault {
	return []matrixFault{
		{Name: "429", What: "429 with Retry-After: 1", step: knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "1"}},
		// Three times, so that a client that retries shows three delays, not
		// one draw (transientFaults).
		{Name: "500", What: "a 500, three times", step: knoxtest.Step{Code: knoxerr.HTTPInternalServerError, Times: transientFaults}},
		{Name: "reset", What: "a connection reset before the response, three times", step: knoxtest.Step{Fault: knoxtest.FaultReset, Times: transientFaults}},
		{Name: "hang", What: "a server that never answers", step: knoxtest.Step{Fault: knoxtest.FaultHang, Times: knoxtest.Forever}},
		// BEHAVIOURS.md §2 "Success is success": a 2xx that does not parse is an
		// error on every route, not an empty success.
		{Name: "2xx-truncated", What: "a 200 whose JSON body is cut short", step: knoxtest.Step{Status: http.StatusOK, Fault: knoxtest.FaultTruncated, Times: knoxtest.Forever}},
	}
}

// deleteParams deletes two devices of the simulated server's seed.
var deleteParams = target.DeleteDevicesParams{Devices: []string{"350000000001000", "350000000001001"}}

// coveredCells are the cells an earlier case judges in the same way.
var coveredCells = map[string]string{
	"list/429":   "http/429/retry-after-seconds",
	"list/500":   "http/500/transient",
	"list/reset": "network/reset-get",
	"list/hang":  "network/hang-timeout",
	"delete/500": "state/delete-500/no-retry",
	// A 500 that persists, judged the same way: backed off and bounded.
	"oauth-token/500":    "oauth/token-endpoint/500-bounded",
	"list/2xx-truncated": "success/2xx-truncated",
	"kg-lock/500":        "kg/lock/no-retry-after-500",
	"kg-lock/reset":      "kg/lock/no-retry-after-reset",
	"oauth-code/500":     "oauth/code/single-use-after-500",
}

// inapplicable are the cells that are no case, with the reason.
var inapplicable = map[string]string{
	"oauth-revoke/2xx-truncated": "RFC 7009 §2.2: the client ignores the body of a revoke's 200, so a garbled one is still a success",
}

// cellIsCase: the cell (route/fault) is a case of its own, neither judged
// by an earlier case nor inapplicable.
func cellIsCase(key string) bool {
	_, covered := coveredCells[key]
	_, none := inapplicable[key]
	return !covered && !none
}

// MatrixCell is one cell of the route × fault matrix, for docs/cases.md.
type MatrixCell struct {
	Route, Fault string
	// Case is the ID of the case that judges the cell; "" when the cell is no
	// case, for the reason Why.
	Case string
	Why  string
	// Generated is false when an earlier case stands for the cell.
	Generated bool
}

// RouteMatrix is the whole matrix, route by route, fault by fault.
func RouteMatrix() (routes, faults []string, cells []MatrixCell) {
	for _, f := range matrixFaults() {
		faults = append(faults, f.Name)
	}
	for _, rt := range matrixRoutes() {
		routes = append(routes, rt.Name+" ("+string(rt.Nature)+")")
		for _, f := range matrixFaults() {
			key := rt.Name + "/" + f.Name
			if why, ok := inapplicable[key]; ok {
				cells = append(cells, MatrixCell{Route: rt.Name, Fault: f.Name, Why: why})
				continue
			}
			if id, ok := coveredCells[key]; ok {
				cells = append(cells, MatrixCell{Route: rt.Name, Fault: f.Name, Case: id})
				continue
			}
			cells = append(cells, MatrixCell{Route: rt.Name, Fault: f.Name, Case: "route/" + key, Generated: true})
		}
	}
	return routes, faults, cells
}

// routeCases: the generated cells of the matrix, and the Knox JWT faults on a
// resource call (4002250 and 40122050 are answered there too).
func routeCases() []*caseDef {
	var defs []*caseDef
	for _, rt := range matrixRoutes() {
		for _, f := range matrixFaults() {
			if cellIsCase(rt.Name + "/" + f.Name) {
				defs = append(defs, matrixCase(rt, f))
			}
		}
	}
	list := knoxtest.RouteListDevices
	defs = append(defs,
		newCase("route/list/4002250", knoxerr.MUST, "re-sign, bounded, after 4002250 on a resource call",
			"4002250 on a resource call: MUST sign a new JWT for the retry, MUST NOT resend the same JWT bytes, MUST stop after at most 3 re-signs.",
			sourceBehaviours+"; "+knoxerr.TroubleshootingURL, knoxerr.APIKeyNonUniqueJWTID).
			needs(target.OpListDevices).tune(resignTime).scenario(func(r *caseRun) {
			r.script(list, always(knoxerr.APIKeyNonUniqueJWTID))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.precondition(ev, HaveMadeAtLeast(list, 1, "the call reached the server"))
			r.must(ev, NeverResentSameJWT())
			r.must(ev, HaveMadeAtMost(list, 4, "the first attempt and at most 3 re-signs"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedCode(knoxerr.APIKeyNonUniqueJWTID))
		}),
		newCase("route/list/40122050", knoxerr.MUST, "no resend, no loop, no success after 40122050 on a resource call",
			"40122050 on a resource call: MUST NOT resend the same JWT; MAY re-sign once; MUST NOT loop; the call failed and is reported as failed.",
			sourceBehaviours+"; "+knoxerr.TroubleshootingURL, knoxerr.AccessTokenBadRequest).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, always(knoxerr.AccessTokenBadRequest))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.precondition(ev, HaveMadeAtLeast(list, 1, "the call reached the server"))
			r.must(ev, NeverResentSameJWT())
			r.must(ev, HaveMadeAtMost(list, 2, "at most one re-sign"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedCode(knoxerr.AccessTokenBadRequest))
		}),
	)
	return defs
}

// matrixCase is the case of one cell: the fault on the route's first request,
// then the checks that follow from the route's nature.
func matrixCase(rt matrixRoute, f matrixFault) *caseDef {
	id := "route/" + rt.Name + "/" + f.Name
	nature := rt.Nature.judgedAs()
	var req []string
	switch {
	case f.Name == "hang":
		req = append(req, "MUST give up within its timeout and report the failure")
		switch nature {
		case natureCode:
			req = append(req, "MUST NOT send the code again")
		case natureWrite:
			req = append(req, "SHOULD NOT send it again: the request may have changed state")
		}
	case f.Name == "2xx-truncated":
		req = append(req, "MUST report an error, never a success with empty data")
		switch nature {
		case natureRead:
			req = append(req, "MUST bound attempts if it retries")
		case natureWrite:
			req = append(req, "SHOULD NOT send it again: the server processed it")
		case natureCode:
			req = append(req, "MUST NOT send the code again: the server consumed it")
		}
	case f.Name == "429":
		req = append(req, "MUST NOT send the next attempt before Retry-After has elapsed", "MUST bound attempts")
		if nature == natureCode {
			req = append(req, "MAY send the code again after it, since the server did not process it")
		} else {
			req = append(req, "SHOULD succeed once the server recovers")
		}
	case nature == natureRead:
		req = append(req, "MAY retry; if it does, MUST wait > 0 and bound attempts", "SHOULD succeed if it retried")
	case nature == natureWrite:
		req = append(req, "SHOULD NOT retry: the request may have changed state; SHOULD report the failure")
	case nature == natureCode:
		req = append(req, "MUST NOT send the authorization code again: the server may have consumed it; MUST report the failure")
	}
	level := knoxerr.MUST
	if nature == natureWrite && (f.Name == "500" || f.Name == "reset") {
		level = knoxerr.SHOULD
	}
	title := fmt.Sprintf("%s on the %s route (%s)", f.What, rt.Name, rt.Nature)
	requirement := fmt.Sprintf("%s on %s: %s.", f.What, rt.Route, strings.Join(req, "; "))
	var codes []knoxerr.Code
	switch f.Name {
	case "429":
		codes = []knoxerr.Code{knoxerr.HTTPTooManyRequests}
	case "500":
		codes = []knoxerr.Code{knoxerr.HTTPInternalServerError}
	}
	d := newCase(id, level, title, requirement, sourceBehaviours, codes...).needs(append([]target.Op{rt.op}, rt.needs...)...)
	switch f.Name {
	case "hang":
		d = d.tune(func(c *target.ClientConfig) { c.TimeoutMs = int(hangTimeout / time.Millisecond) })
	case "500", "reset":
		d = d.tune(judgedBackoff)
	case "429":
		// A 1 s Retry-After within the default 3 s timeout left a client
		// that load delayed by 2 s before its first request (measured: a
		// starved run sent it at +1933 ms) no time to retry, and it
		// reported a timeout that SHOULD succeed judged as its own.
		d = d.tune(func(c *target.ClientConfig) { c.TimeoutMs = retryAfterTimeoutMs })
	}
	route := rt.Route
	return d.scenario(func(r *caseRun) {
		if rt.Name == "authorize" {
			r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()})
		}
		if f.Name == "500" || f.Name == "reset" {
			// One call without a fault first: how fast this client sends the
			// route's request unprompted is what a retry without a wait looks
			// like (Evidence.turnaround), measured twice rather than once.
			rt.call(r)
		}
		from := r.mark()
		step := f.step
		if rt.shape != "" {
			step.Shape = rt.shape
		}
		r.script(route, step)
		rt.call(r)
		ev := r.since(from)
		r.precondition(ev, HaveMadeAtLeast(route, 1, "the call reached the server"))
		if rt.done != nil {
			r.must(ev, rt.done())
		}
		switch {
		case f.Name == "hang":
			r.must(ev, HaveReturnedWithinTimeout(time.Second))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedKind(knoxerr.KindTimeout))
			switch nature {
			case natureCode:
				r.must(ev, HaveMadeNoSecondRequest(route, "a request that may have consumed the code"))
			case natureWrite:
				r.should(ev, HaveMadeNoSecondRequest(route, "a request that may have changed state"))
			}
		case f.Name == "2xx-truncated":
			r.must(ev, HaveFailed())
			switch nature {
			case natureRead:
				r.must(ev, HaveMadeAtMost(route, attemptBound, "attempts are bounded"))
			case natureWrite:
				r.should(ev, HaveMadeNoSecondRequest(route, "a 200 says the server processed the request"))
			case natureCode:
				r.must(ev, HaveMadeNoSecondRequest(route, "a 200 says the server consumed the code"))
			}
		case f.Name == "429":
			r.must(ev, HaveWaitedAtLeast(route, time.Second, "Retry-After: 1"))
			r.must(ev, HaveMadeAtMost(route, attemptBound, "attempts are bounded"))
			if nature == natureCode {
				r.should(ev, HaveRecovered(route, "the server recovered after one 429", true))
			} else {
				r.should(ev, HaveSucceeded("the server recovered after one 429"))
			}
		case nature == natureRead:
			r.must(ev, HaveBackedOff(route, "retrying "+f.What))
			r.must(ev, HaveMadeAtMost(route, attemptBound, "attempts are bounded"))
			r.should(ev, HaveRecovered(route, "the fault ended after three", true))
		case nature == natureWrite:
			r.should(ev, HaveMadeNoSecondRequest(route, f.What+" on a call that may have changed state"))
			r.should(ev, HaveFailed())
		case nature == natureCode:
			r.must(ev, HaveMadeNoSecondRequest(route, f.What+", after which the code may have been consumed"))
			r.must(ev, HaveFailed())
		}
	})
}
