package conformance

import (
	"fmt"
	"slices"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// Helpers shared by the case files: how a code is named in messages, which
// kind a code maps to, and the recurring scenario shapes.

// firstPage is the device list call every resource scenario makes.
var firstPage = target.ListDevicesParams{PageNum: 0}

// named is "400 Bad Request" or "4002250 API_KEY_NON_UNIQUE_JWTID".
func named(c knoxerr.Code) string {
	if e, ok := knoxerr.Lookup(c); ok {
		return string(c) + " " + e.Name
	}
	return string(c)
}

// kindOf is the protocol kind a correct client reports for code.
func kindOf(c knoxerr.Code) knoxerr.Kind { return knoxerr.New(c, "").Kind() }

// behaviour is the catalogue's expected-behaviour sentence for code.
func behaviour(c knoxerr.Code) string {
	if e, ok := knoxerr.Lookup(c); ok {
		return e.Behaviour
	}
	return ""
}

// once is a one-shot scripted reply of code.
func once(c knoxerr.Code) knoxtest.Step { return knoxtest.Step{Code: c} }

// always is a scripted reply of code for every request.
func always(c knoxerr.Code) knoxtest.Step { return knoxtest.Step{Code: c, Times: knoxtest.Forever} }

// mistake returns the server's first configuration mistake producing code.
func (r *caseRun) mistake(c knoxerr.Code) (knoxtest.Mistake, bool) {
	for _, m := range r.srv.Mistakes() {
		if m.Code == c {
			return m, true
		}
	}
	return knoxtest.Mistake{}, false
}

// useCredentials binds the client to credentials (before its first invoke).
func (r *caseRun) useCredentials(c knoxtest.Credentials) {
	r.creds = target.Credentials{KeysFile: c.KeysFile, ClientIdentifier: c.ClientIdentifier, SAClientID: c.SAClientID,
		SAClientSecret: c.SAClientSecret, SARedirectURI: c.SARedirectURI, SAAppID: c.SAAppID}
	if slices.Contains(r.def.schemes(), target.SchemeOAuth2) {
		// OAuth credentials go only to cases that use OAuth 2.0, so a legacy case's
		// newClient stays exactly what it was.
		r.creds.OAuthClientID, r.creds.OAuthClientSecret = c.OAuthClientID, c.OAuthClientSecret
		r.creds.OAuthRedirectURI, r.creds.OAuthTenantID = c.OAuthRedirectURI, c.OAuthTenantID
	}
}

// authCode issues a valid authorization code for the client's SA client id.
func (r *caseRun) authCode() string { return r.srv.IssueAuthCode(r.creds.SAClientID) }

// opRoute is the route an operation's own request goes to.
func opRoute(op target.Op) knoxtest.Route {
	switch op {
	case target.OpAccessToken:
		return knoxtest.RouteAccessToken
	case target.OpDeleteDevices:
		return knoxtest.RouteDeleteDevices
	case target.OpExchangeCode:
		return knoxtest.RouteSAToken
	case target.OpAuthorizeToken:
		return knoxtest.RouteSAAuthorize
	}
	return knoxtest.RouteListDevices
}

// opParams are the default params of an operation.
func opParams(op target.Op) any {
	switch op {
	case target.OpListDevices:
		return firstPage
	case target.OpAuthorizeToken:
		return target.AuthorizeTokenParams{}
	}
	return nil
}

// surfaceLevel is how strongly a case requires the failure to carry code to
// the caller. BEHAVIOURS.md: the 400 row says the client MUST report the
// status and the Knox code from the body, and the Knox Cloud rows say "surface
// the code" in MUST rows; the Samsung Account rows say SHOULD (and the
// hides-sa-code mutant is a SHOULD); other HTTP statuses say nothing (SHOULD).
func surfaceLevel(c knoxerr.Code) knoxerr.Level {
	e, ok := knoxerr.Lookup(c)
	switch {
	case !ok:
		return knoxerr.SHOULD
	case e.Family == knoxerr.FamilyKnoxCloud, e.Code == knoxerr.HTTPBadRequest:
		return knoxerr.MUST
	}
	return knoxerr.SHOULD
}

// judgeNoRetry holds the checks of every "MUST NOT retry; surface the code" row:
// one request, a reported failure, the code (level codeLevel) and the kind (SHOULD).
func (r *caseRun) judgeNoRetry(route knoxtest.Route, c knoxerr.Code, codeLevel knoxerr.Level) {
	ev := r.ev()
	r.precondition(ev, HaveMadeAtLeast(route, 1, "the call reached the server"))
	r.must(ev, HaveMadeNoSecondRequest(route, named(c)))
	r.must(ev, HaveFailed())
	if e, ok := knoxerr.Lookup(c); ok && e.Family == knoxerr.FamilyHTTP {
		r.check(codeLevel, ev, HaveSurfacedStatus(e.HTTPStatus))
	} else {
		r.check(codeLevel, ev, HaveSurfacedCode(c))
	}
	r.should(ev, HaveSurfacedKind(kindOf(c)))
}

// noRetryInjected is a case whose first request to the op's route is answered
// with code by the fault script.
func noRetryInjected(id string, c knoxerr.Code, op target.Op, source string) *caseDef {
	route := opRoute(op)
	return newCase(id, knoxerr.MUST, fmt.Sprintf("no retry after %s", named(c)), behaviour(c), source, c).
		needs(op).scenario(func(r *caseRun) {
		if op == target.OpAuthorizeToken {
			r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()})
		}
		r.script(route, once(c))
		r.invoke(op, opParams(op))
		r.judgeNoRetry(route, c, surfaceLevel(c))
	})
}
