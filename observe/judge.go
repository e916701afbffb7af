package observe

import (
	"fmt"
	"strings"

	"github.com/knoxconform/knoxconform/conformance"
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
)

// sourceBehaviours is where the rules the judge applies are written down.
const sourceBehaviours = "BEHAVIOURS.md (knoxconform's oracle); " + knoxerr.TroubleshootingURL

// maxRunWideTimeline bounds the timeline a run-wide case carries: the whole
// journal, six times over, would swell the reports of a long run; a failing
// check names the request it is about.
const maxRunWideTimeline = 400

// notExercised is the reason of a case the command gave no chance to judge.
const notExercised = reports.NotExercised

// Judge turns the journal of an observed run into one case per planned fault
// and one per run-wide rule, classified with the suite's own rules. It is a
// pure function of its inputs, so a journal can be judged again.
func Judge(journal []knoxtest.Exchange, plan Plan, creds knoxtest.Credentials, expected map[string]string) []reports.CaseResult {
	var out []reports.CaseResult
	rank := map[knoxtest.Route]int{}
	for _, f := range plan.Faults { // sorted by route, then nth
		out = append(out, judgeFault(journal, f, rank[f.Route]))
		rank[f.Route]++
	}
	exercised := false
	for _, c := range out {
		exercised = exercised || c.Class == ""
	}
	for _, w := range runWide(creds) {
		res := judgeRunWide(journal, w)
		if !exercised && res.Class == "" && allPassed(res.Checks) {
			// A command that met none of the faults proved nothing about its
			// error handling: a pass here would make such a run CONFORMANT.
			// A failure still stands (a secret in a URL is one either way).
			res.Class = reports.Unsupported
			res.Reason = notExercised + "the rule held, but the command met none of the planned faults, so the run judged no error handling; make it send more requests"
		}
		out = append(out, res)
	}
	for i := range out {
		conformance.ClassifyObserved(&out[i], expected)
	}
	return out
}

// faultCase is the report's description of a planned fault.
func faultCase(f PlannedFault, def classDef) reports.Case {
	c := reports.Case{ID: f.ID(), Title: def.title, Area: "observe", Requirement: def.requirement,
		Source: sourceBehaviours, Level: string(knoxerr.INFO)}
	for _, r := range def.checks(f.Route) {
		if r.level == knoxerr.MUST || (r.level == knoxerr.SHOULD && c.Level == string(knoxerr.INFO)) {
			c.Level = string(r.level)
		}
	}
	for _, code := range def.codes {
		c.Codes = append(c.Codes, string(code))
	}
	return c
}

// judgeFault judges the fault that is the rank-th (from 0) planned on its
// route. Its exchange is found by the injected mark rather than by counting
// requests: concurrent requests reach the fault script in an order that may
// differ from their arrival order in the journal by a hair.
func judgeFault(journal []knoxtest.Exchange, f PlannedFault, rank int) reports.CaseResult {
	def, _ := classByName(f.Class)
	res := reports.CaseResult{Case: faultCase(f, def)}
	at := injectedOnRoute(journal, f.Route, rank)
	if at < 0 {
		if seen := requestsTo(journal, f.Route); seen >= f.Nth {
			// Only a server that did not run the plan gets here: a bug of ours.
			res.Class = reports.Error
			res.Reason = fmt.Sprintf("request %d to %s was planned to get %s, but the server answered it naturally (a knoxconform bug, please report it)", f.Nth, f.Route, def.injects)
		} else {
			res.Class = reports.Unsupported
			res.Reason = fmt.Sprintf("%sthe fault was planned for request %d to %s, and the command made %d request(s) there; make it call that route more often, or plan the fault earlier (--plan)",
				notExercised, f.Nth, f.Route, seen)
		}
		return res
	}
	xs := followUp(journal, at, def.followUp)
	res.Timeline = conformance.Timeline(xs)
	res.Checks = judgeChecks(conformance.JournalEvidence(xs), def.checks(f.Route))
	return res
}

// injectedOnRoute is the journal index of the rank-th (from 0) injected reply
// on route, -1 when there were fewer.
func injectedOnRoute(journal []knoxtest.Exchange, route knoxtest.Route, rank int) int {
	for i, x := range journal {
		if x.Route == route && x.Injected {
			if rank == 0 {
				return i
			}
			rank--
		}
	}
	return -1
}

// requestsTo counts the requests to route that reached its fault script. A
// request with the wrong method (GET on a POST route) is journaled under the
// route but answered 405 before the script is consulted, so it is not counted.
func requestsTo(journal []knoxtest.Exchange, route knoxtest.Route) int {
	method, _, _ := strings.Cut(string(route), " ")
	n := 0
	for _, x := range journal {
		if x.Route == route && x.Method == method {
			n++
		}
	}
	return n
}

// succeeded reports whether the server answered x with success.
func succeeded(x knoxtest.Exchange) bool {
	return x.Fault == knoxtest.FaultNone && x.Status >= 200 && x.Status < 400
}

// followUp is the fault at index at and what the client did about it, as
// kind says, never reaching past the next injected fault (whose own case
// judges what follows it). A passive judge cannot tell a retry from a new
// call of the command that repeats the same request; it takes a repeat before
// the first success as a retry (docs/observe.md says so).
func followUp(journal []knoxtest.Exchange, at int, kind followUpKind) []knoxtest.Exchange {
	fault := journal[at]
	out := []knoxtest.Exchange{fault}
	for _, x := range journal[at+1:] {
		if x.Injected {
			break
		}
		switch kind {
		case sameCall:
			if x.Route != fault.Route || x.Method != fault.Method || x.Path != fault.Path || x.Query != fault.Query {
				continue
			}
		case tokenRetry:
			if x.Route != knoxtest.RouteAccessToken {
				continue
			}
		}
		out = append(out, x)
		if x.Route == fault.Route && succeeded(x) {
			break
		}
	}
	return out
}

// runWideRule is a rule judged on the whole journal.
type runWideRule struct {
	id, title, requirement string
	codes                  []knoxerr.Code
	rule                   rule
	// exercised says whether the journal gives the rule anything to judge,
	// and if not, why.
	exercised func([]knoxtest.Exchange) (bool, string)
}

func runWide(creds knoxtest.Credentials) []runWideRule {
	anyRequest := func(xs []knoxtest.Exchange) (bool, string) {
		return len(xs) > 0, "the command sent no request to the simulated Knox Cloud"
	}
	anyJWT := func(xs []knoxtest.Exchange) (bool, string) {
		for _, x := range xs {
			if x.JWT != nil {
				return true, ""
			}
		}
		return false, "the command sent no signed JWT"
	}
	anyTokenRequest := func(xs []knoxtest.Exchange) (bool, string) {
		for _, x := range xs {
			if x.Route == knoxtest.RouteAccessToken {
				return true, ""
			}
		}
		return false, "the command sent no accesstoken request"
	}
	severalCalls := func(xs []knoxtest.Exchange) (bool, string) {
		n := 0
		for _, x := range xs {
			if x.JWT != nil && x.JWT.TokenFingerprint != "" {
				n++
			}
		}
		return n >= 2, fmt.Sprintf("the command made %d resource call(s) with an access token; reuse needs two or more", n)
	}
	return []runWideRule{
		{id: "observe/run/fresh-jti", title: "a unique jti in every JWT", codes: []knoxerr.Code{knoxerr.APIKeyNonUniqueJWTID},
			requirement: "Every signed JWT in the whole run MUST carry a jti never used before.",
			rule:        must(conformance.HaveUniqueJTIs()), exercised: anyJWT},
		{id: "observe/run/jwt-form", title: "well-formed RS512 JWTs", codes: []knoxerr.Code{knoxerr.AccessTokenBadRequest},
			requirement: "Every JWT MUST be RS512 with aud KnoxWSM, a publicKey claim equal to the key sent, a valid signature and exp in the future.",
			rule:        must(conformance.HaveSentValidJWTs()), exercised: anyJWT},
		{id: "observe/run/accept", title: "Accept: application/json on every request", codes: []knoxerr.Code{knoxerr.HTTPNotAcceptable},
			requirement: "SHOULD send Accept: application/json on every call: retries, token requests, Samsung Account calls.",
			rule:        should(conformance.HaveSentHeaderOnEvery("Accept", "application/json")), exercised: anyRequest},
		{id: "observe/run/secrets", title: "secrets only where documented",
			requirement: "client_secret and the private key MUST never appear in a URL query or in a header other than where documented.",
			rule:        must(conformance.HaveKeptSecretsOut(conformance.SecretMarkers(creds))), exercised: anyRequest},
		{id: "observe/run/validity-number", title: "validityForAccessTokenInMinutes sent as a JSON integer",
			codes:       []knoxerr.Code{knoxerr.AccessTokenTimeoutValidityResourceInvalidParam},
			requirement: "SHOULD never meet 4002251: validityForAccessTokenInMinutes is sent as a JSON integer on every token request.",
			rule:        should(conformance.HaveSentValidityAsNumber()), exercised: anyTokenRequest},
		{id: "observe/run/token-reuse", title: "one access token for several calls",
			requirement: "SHOULD reuse a valid access token across calls instead of minting one per call.",
			rule:        should(conformance.HaveReusedTokens()), exercised: severalCalls},
	}
}

func judgeRunWide(journal []knoxtest.Exchange, w runWideRule) reports.CaseResult {
	res := reports.CaseResult{Case: reports.Case{ID: w.id, Title: w.title, Level: string(w.rule.level), Area: "observe",
		Requirement: w.requirement, Source: sourceBehaviours}}
	for _, c := range w.codes {
		res.Codes = append(res.Codes, string(c))
	}
	if ok, why := w.exercised(journal); !ok {
		res.Class = reports.Unsupported
		res.Reason = notExercised + why
		return res
	}
	res.Checks = judgeChecks(conformance.JournalEvidence(journal), []rule{w.rule})
	res.Timeline = conformance.Timeline(journal[:min(len(journal), maxRunWideTimeline)])
	return res
}

func allPassed(cs []reports.Check) bool {
	for _, c := range cs {
		if !c.Passed {
			return false
		}
	}
	return true
}
