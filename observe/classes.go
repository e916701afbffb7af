package observe

import (
	"time"

	"github.com/knoxconform/knoxconform/conformance"
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
)

// Class names a kind of fault the plan can inject.
type Class string

const (
	ClassResign       Class = "resign"         // 400 4002250 on a token request
	ClassRefresh      Class = "refresh"        // 403 4032251 on a resource call
	ClassValidation   Class = "validation"     // 400 4000000 on a resource call
	ClassRetryAfter   Class = "ratelimit"      // 429 with Retry-After: 1
	ClassRateNoHeader Class = "ratelimit-bare" // 429 without Retry-After
	ClassServerError  Class = "server"         // 500 on a read
	ClassResetOnRead  Class = "reset"          // connection reset on a read
)

// retryAfterSeconds is the Retry-After the ratelimit class sends; small, so
// an observed run stays short, and whole seconds, as the header allows.
const retryAfterSeconds = 1

// resignDelayMs holds the 4002250 reply back past a second boundary.
const resignDelayMs = 1100

// attemptBound is the most requests one failing call may make before the
// judge calls its retries unbounded (the suite's own bound).
const attemptBound = 8

// How the judge picks, from the journal, what followed a fault.
type followUpKind int

const (
	// sameCall: the fault and the later requests that repeat it (same route,
	// method, path and query) up to the first that succeeded.
	sameCall followUpKind = iota
	// tokenRetry: the fault and the later token requests up to the first that
	// succeeded.
	tokenRetry
	// recovery: the fault and every later request, on any route, up to the
	// first success on the fault's route (a refresh takes a token request and
	// a retry of the call).
	recovery
)

// classDef is everything about one fault class: where it goes, what it
// injects, what a correct client does about it and which of the suite's rules
// judge that. The rules are conformance's own Requirements.
type classDef struct {
	name        Class
	routes      []knoxtest.Route // the first is where NewPlan puts it
	first       int              // the earliest request NewPlan puts it on (plus 0 or 1)
	step        knoxtest.Step
	injects     string
	title       string
	requirement string
	codes       []knoxerr.Code
	followUp    followUpKind
	checks      func(route knoxtest.Route) []rule
}

// rule is one Requirement at a level.
type rule struct {
	level knoxerr.Level
	req   *conformance.Requirement
}

func must(q *conformance.Requirement) rule   { return rule{knoxerr.MUST, q} }
func should(q *conformance.Requirement) rule { return rule{knoxerr.SHOULD, q} }
func info(q *conformance.Requirement) rule   { return rule{knoxerr.INFO, q} }

var resourceRoutes = []knoxtest.Route{knoxtest.RouteListDevices, knoxtest.RouteDeleteDevices}

// classes is the catalogue of fault classes, in the order reports list them.
var classes = []classDef{
	{
		name: ClassResign, routes: []knoxtest.Route{knoxtest.RouteAccessToken}, first: 1,
		// Held back over a second: iat and exp are whole seconds, so only then
		// does a freshly signed JWT differ from one that copied the rejected
		// JWT's times (HaveResignedWithFreshJTI relies on it).
		step:     knoxtest.Step{Code: knoxerr.APIKeyNonUniqueJWTID, DelayMs: resignDelayMs},
		injects:  "400 4002250 API_KEY_NON_UNIQUE_JWTID, answered after 1.1 s",
		title:    "a newly signed JWT after 4002250 API_KEY_NON_UNIQUE_JWTID",
		followUp: tokenRetry, codes: []knoxerr.Code{knoxerr.APIKeyNonUniqueJWTID},
		requirement: "MUST sign a NEW client-identifier JWT (new jti, fresh iat/exp, valid RS512 signature) and retry. MUST NOT resend the same JWT bytes.",
		checks: func(knoxtest.Route) []rule {
			return []rule{
				must(conformance.HaveResignedWithFreshJTI()),
				must(conformance.NeverResentSameJWT()),
				must(conformance.HaveMadeAtMost(knoxtest.RouteAccessToken, 4, "the rejected request and at most 3 re-signs")),
			}
		},
	},
	{
		name: ClassRefresh, routes: resourceRoutes, first: 2,
		step:     knoxtest.Step{Code: knoxerr.AccessTokenExpired},
		injects:  "403 4032251 ACCESS_TOKEN_EXPIRED",
		title:    "one new token and one retry after 4032251 ACCESS_TOKEN_EXPIRED",
		followUp: recovery, codes: []knoxerr.Code{knoxerr.AccessTokenExpired},
		requirement: "MUST obtain a new access token (a new accesstoken request with a new jti) and retry the call once with a JWT carrying the new token. SHOULD NOT send the call again with the expired token.",
		checks: func(route knoxtest.Route) []rule {
			return []rule{
				must(conformance.HaveRefreshedOnce()),
				must(conformance.HaveUsedNewToken(route)),
				must(conformance.HaveMadeAtMost(route, 2, "the expired call and one retry")),
				should(conformance.NeverReusedRejectedToken(route)),
			}
		},
	},
	{
		name: ClassValidation, routes: resourceRoutes, first: 2,
		step:     knoxtest.Step{Code: knoxerr.ResourceInvalidParam},
		injects:  "400 4000000 RESOURCE_INVALID_PARAM",
		title:    "no retry after 400 4000000 RESOURCE_INVALID_PARAM",
		followUp: sameCall, codes: []knoxerr.Code{knoxerr.ResourceInvalidParam},
		requirement: "MUST NOT retry a validation error; surface the code.",
		checks: func(route knoxtest.Route) []rule {
			return []rule{must(conformance.HaveMadeNoSecondRequest(route, "400 4000000"))}
		},
	},
	{
		name: ClassRetryAfter, routes: resourceRoutes, first: 2,
		step:     knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "1"},
		injects:  "429 with Retry-After: 1",
		title:    "wait out Retry-After on 429",
		followUp: sameCall, codes: []knoxerr.Code{knoxerr.HTTPTooManyRequests},
		requirement: "MUST NOT send the next attempt before Retry-After has elapsed. MUST bound attempts.",
		checks: func(route knoxtest.Route) []rule {
			return []rule{
				must(conformance.HaveWaitedAtLeast(route, retryAfterSeconds*time.Second, "Retry-After: 1")),
				must(conformance.HaveMadeAtMost(route, attemptBound, "attempts are bounded")),
			}
		},
	},
	{
		name: ClassRateNoHeader, routes: resourceRoutes, first: 2,
		step:     knoxtest.Step{Code: knoxerr.HTTPTooManyRequests},
		injects:  "429 without Retry-After",
		title:    "back off on 429 without Retry-After",
		followUp: sameCall, codes: []knoxerr.Code{knoxerr.HTTPTooManyRequests},
		requirement: "MUST back off (delay > 0) when Retry-After is absent; a 0 ms retry is a hot loop. MUST bound attempts.",
		checks: func(route knoxtest.Route) []rule {
			return []rule{
				must(conformance.HaveBackedOff(route, "429 without Retry-After")),
				must(conformance.HaveMadeAtMost(route, attemptBound, "attempts are bounded")),
			}
		},
	},
	{
		name: ClassServerError, routes: []knoxtest.Route{knoxtest.RouteListDevices}, first: 2,
		step:     knoxtest.Step{Code: knoxerr.HTTPInternalServerError},
		injects:  "500 Internal Server Error",
		title:    "back off and bound retries after 500",
		followUp: sameCall, codes: []knoxerr.Code{knoxerr.HTTPInternalServerError},
		requirement: "MAY retry an idempotent call. If it retries: MUST wait > 0 between attempts, MUST bound attempts.",
		checks: func(route knoxtest.Route) []rule {
			return []rule{
				must(conformance.HaveBackedOff(route, "500")),
				must(conformance.HaveMadeAtMost(route, attemptBound, "attempts are bounded")),
				info(conformance.RecordRetrySchedule(route)),
			}
		},
	},
	{
		name: ClassResetOnRead, routes: []knoxtest.Route{knoxtest.RouteListDevices}, first: 2,
		step:        knoxtest.Step{Fault: knoxtest.FaultReset},
		injects:     "connection reset before the response",
		title:       "retry a reset read with backoff, bounded",
		followUp:    sameCall,
		requirement: "SHOULD retry a read with backoff after a connection reset; MUST bound attempts.",
		checks: func(route knoxtest.Route) []rule {
			return []rule{
				should(conformance.HaveBackedOff(route, "connection reset")),
				must(conformance.HaveMadeAtMost(route, attemptBound, "attempts are bounded")),
			}
		},
	},
}

// Classes lists every fault class, in report order.
func Classes() []Class {
	out := make([]Class, len(classes))
	for i, c := range classes {
		out[i] = c.name
	}
	return out
}

func classByName(name Class) (classDef, bool) {
	for _, c := range classes {
		if c.name == name {
			return c, true
		}
	}
	return classDef{}, false
}

// judgeChecks applies rules to ev.
func judgeChecks(ev *conformance.Evidence, rules []rule) []reports.Check {
	out := make([]reports.Check, 0, len(rules))
	for _, r := range rules {
		out = append(out, conformance.Judge(r.level, ev, r.req))
	}
	return out
}
