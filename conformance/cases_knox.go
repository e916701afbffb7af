package conformance

import (
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// knoxCloudCases: BEHAVIOURS.md §1.2, the Knox Cloud authentication codes.
func knoxCloudCases() []*caseDef {
	src := knoxerr.TroubleshootingURL
	tok, list := knoxtest.RouteAccessToken, knoxtest.RouteListDevices
	return []*caseDef{
		newCase("knox/4000000/no-retry", knoxerr.MUST, "no retry after 4000000 RESOURCE_INVALID_PARAM",
			behaviour(knoxerr.ResourceInvalidParam)+" (Produced for real: a negative pageNum.)", src, knoxerr.ResourceInvalidParam).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, target.ListDevicesParams{PageNum: -1})
			ev := r.ev()
			r.must(ev, HaveMadeAtMost(list, 1, "no retry after "+named(knoxerr.ResourceInvalidParam)))
			r.must(ev, HaveFailed())
			r.must(ev, HaveSurfacedCode(knoxerr.ResourceInvalidParam))
		}),

		newCase("knox/4002250/resign", knoxerr.MUST, "a newly signed JWT after 4002250 API_KEY_NON_UNIQUE_JWTID",
			"MUST sign a NEW client-identifier JWT (new jti, fresh iat/exp, valid RS512 signature) and retry. MUST NOT resend the same JWT bytes.",
			src, knoxerr.APIKeyNonUniqueJWTID).
			needs(target.OpAccessToken).scenario(func(r *caseRun) {
			// The first reply is scripted; a resent JWT then meets the server's
			// own replay detection.
			r.script(tok, once(knoxerr.APIKeyNonUniqueJWTID))
			r.invoke(target.OpAccessToken, nil)
			ev := r.ev()
			r.must(ev, HaveResignedWithFreshJTI())
			r.must(ev, NeverResentSameJWT())
			r.must(ev, HaveSucceeded("a newly signed JWT is accepted"))
		}),

		newCase("knox/4002250/bounded", knoxerr.MUST, "at most 3 re-signs while 4002250 persists",
			"MUST stop after a bounded number of re-signs (at most 3) when the error persists, and surface the code. MUST NOT resend the same JWT bytes.",
			src, knoxerr.APIKeyNonUniqueJWTID).
			needs(target.OpAccessToken).tune(resignTime).scenario(func(r *caseRun) {
			r.script(tok, always(knoxerr.APIKeyNonUniqueJWTID))
			r.invoke(target.OpAccessToken, nil)
			ev := r.ev()
			r.must(ev, HaveMadeAtMost(tok, 4, "the first attempt and at most 3 re-signs"))
			r.must(ev, NeverResentSameJWT())
			r.must(ev, HaveFailed())
			r.must(ev, HaveSurfacedCode(knoxerr.APIKeyNonUniqueJWTID))
		}),

		noRetryInjected("knox/4002251/no-retry", knoxerr.AccessTokenTimeoutValidityResourceInvalidParam, target.OpAccessToken, src),

		newCase("knox/4002251/validity-number", knoxerr.SHOULD, "validityForAccessTokenInMinutes sent as a JSON integer",
			"SHOULD never meet 4002251: validityForAccessTokenInMinutes is sent as a JSON integer on every token request.",
			src, knoxerr.AccessTokenTimeoutValidityResourceInvalidParam).
			needs(target.OpAccessToken).scenario(func(r *caseRun) {
			r.invoke(target.OpAccessToken, nil)
			r.should(r.ev(), HaveSentValidityAsNumber())
		}),

		noRetryInjected("knox/4010011/no-retry", knoxerr.IDPAuthorizationFail, target.OpAccessToken, src),

		badRequestNoLoop(newCase("knox/40122050/no-loop", knoxerr.MUST, "no resend and no loop after 40122050 ACCESS_TOKEN_BAD_REQUEST",
			behaviour(knoxerr.AccessTokenBadRequest), src, knoxerr.AccessTokenBadRequest),
			knoxerr.AccessTokenBadRequest),

		// The alias is held to exactly the checks of the documented code.
		badRequestNoLoop(newCase("knox/4012250/alias", knoxerr.MUST, "4012250 treated as ACCESS_TOKEN_BAD_REQUEST",
			"Knox's own examples show ACCESS_TOKEN_BAD_REQUEST as 4012250: clients SHOULD treat 4012250 and 40122050 alike, and MUST NOT resend or loop on either.",
			src, knoxerr.AccessTokenBadRequest, knoxerr.AccessTokenBadRequestAlias),
			knoxerr.AccessTokenBadRequestAlias),

		newCase("knox/4032251/refresh", knoxerr.MUST, "one new token and one retry after 4032251 ACCESS_TOKEN_EXPIRED",
			"MUST obtain a new access token (a new accesstoken request with a new jti) and retry the call once with a JWT carrying the new token. SHOULD NOT send the call again with the expired token.",
			src, knoxerr.AccessTokenExpired).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.srv.ExpireTokens()
			from := r.mark()
			r.invoke(target.OpListDevices, firstPage)
			ev := r.since(from)
			r.must(ev, HaveRefreshedOnce())
			r.must(ev, HaveUsedNewToken(list))
			r.must(ev, HaveMadeAtMost(list, 2, "the expired call and one retry"))
			r.must(ev, HaveSucceeded("the new token is valid"))
			r.should(ev, NeverReusedRejectedToken(list))
		}),

		newCase("knox/4032251/bounded", knoxerr.MUST, "one refresh per failing call while 4032251 persists",
			"MUST NOT refresh more than once per failing call (no loop).", src, knoxerr.AccessTokenExpired).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, always(knoxerr.AccessTokenExpired))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveMadeAtMost(tok, 2, "the first token and one refresh"))
			r.must(ev, HaveMadeAtMost(list, 2, "the call and one retry"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedCode(knoxerr.AccessTokenExpired))
		}),

		newCase("knox/4032252/no-reuse", knoxerr.MUST, "the rejected token is never reused after 4032252 ACCESS_TOKEN_INVALID",
			behaviour(knoxerr.AccessTokenInvalid)+" (Produced for real: the server revokes the client's token between two calls.)",
			src, knoxerr.AccessTokenInvalid).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.srv.RevokeTokens()
			from := r.mark()
			r.invoke(target.OpListDevices, firstPage)
			ev := r.since(from)
			r.must(ev, NeverReusedRejectedToken(list))
			r.must(ev, HaveMadeAtMost(tok, 1, "at most one new token"))
			r.must(ev, HaveMadeAtMost(list, 2, "no loop"))
			// A later call must not bring the rejected token back, and gets
			// on with a new one ("the next call obtains a new one").
			r.invoke(target.OpListDevices, firstPage)
			later := r.since(from)
			r.must(later, NeverReusedRejectedToken(list))
			r.must(later, HaveReturnedWithinTimeout(time.Second))
			r.should(later, HaveSucceeded("the next call obtains a new token"))
		}),

		newCase("knox/4032252/bounded", knoxerr.MUST, "no loop while 4032252 ACCESS_TOKEN_INVALID persists",
			behaviour(knoxerr.AccessTokenInvalid), src, knoxerr.AccessTokenInvalid).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, always(knoxerr.AccessTokenInvalid))
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, NeverReusedRejectedToken(list))
			r.must(ev, HaveMadeAtMost(tok, 2, "the first token and at most one new one"))
			r.must(ev, HaveMadeAtMost(list, 2, "no loop"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedCode(knoxerr.AccessTokenInvalid))
		}),

		noRetryInjected("knox/4040000/no-retry", knoxerr.ResourceNotFound, target.OpListDevices, src),

		naturalNoRetry("knox/4042251/no-retry", knoxerr.APIKeyRestrictionNotFound, src,
			" (Produced for real: a client identifier that is not registered.)"),
		naturalNoRetry("knox/4042252/no-retry", knoxerr.APIKeyRestrictionInvalid, src,
			" (Produced for real: keys.json of another key pair with the registered identifier.)"),
	}
}

// badRequestNoLoop gives d the ACCESS_TOKEN_BAD_REQUEST scenario: every
// token request is answered with the given code (40122050 or its alias
// 4012250); the client must neither resend the same JWT nor loop, and should
// surface ACCESS_TOKEN_BAD_REQUEST.
func badRequestNoLoop(d *caseDef, answered knoxerr.Code) *caseDef {
	tok := knoxtest.RouteAccessToken
	return d.needs(target.OpAccessToken).scenario(func(r *caseRun) {
		r.script(tok, always(answered))
		r.invoke(target.OpAccessToken, nil)
		ev := r.ev()
		r.must(ev, NeverResentSameJWT())
		r.must(ev, HaveMadeAtMost(tok, 2, "at most one re-sign"))
		r.must(ev, HaveFailed())
		r.should(ev, HaveSurfacedCode(knoxerr.AccessTokenBadRequest))
	})
}

// naturalNoRetry is a "MUST NOT retry; surface the code" case produced by a
// configuration mistake the server knows (falling back to the fault script
// when it has none for the code).
func naturalNoRetry(id string, c knoxerr.Code, source, how string) *caseDef {
	op := target.OpAccessToken
	if e, ok := knoxerr.Lookup(c); ok {
		switch e.Family {
		case knoxerr.FamilySAToken:
			op = target.OpExchangeCode
		case knoxerr.FamilySAAuthorize:
			op = target.OpAuthorizeToken
		}
	}
	return newCase(id, knoxerr.MUST, "no retry after "+named(c), behaviour(c)+how, source, c).
		needs(op).scenario(func(r *caseRun) {
		op := op
		route := opRoute(op)
		m, natural := r.mistake(c)
		if natural {
			op = target.Op(m.Op)
			route = opRoute(op)
			r.useCredentials(m.Credentials)
		}
		var params any
		switch op {
		case target.OpExchangeCode:
			code := m.AuthCode
			if !natural {
				code = r.authCode()
				r.script(route, once(c))
			}
			params = target.ExchangeCodeParams{Code: code}
		case target.OpAuthorizeToken:
			tokenParam := target.AuthorizeTokenParams{AuthToken: m.AuthToken}
			if !natural {
				r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()})
				r.script(route, once(c))
				tokenParam = target.AuthorizeTokenParams{}
			}
			params = tokenParam
		default:
			if !natural {
				r.script(route, once(c))
			}
			params = opParams(op)
		}
		r.invoke(op, params)
		r.judgeNoRetry(route, c, surfaceLevel(c))
	})
}
