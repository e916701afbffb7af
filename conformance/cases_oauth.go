package conformance

import (
	"fmt"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// Sources of §3.
const (
	sourceOAuth    = "BEHAVIOURS.md §3; https://docs.samsungknox.com/dev/knox-cloud-authentication/knox-oauth-2-0-authentication/for-customers-resellers-and-msps/step-1-get-access-token ; RFC 6749 §2.3.1, §5.2"
	sourceOAuthUEM = "BEHAVIOURS.md §3; https://docs.samsungknox.com/dev/knox-cloud-authentication/knox-oauth-2-0-authentication/for-uem-partners/step-2-get-access-and-refresh-tokens ; RFC 6749 §4.1.2, §6"
	sourceBearer   = "BEHAVIOURS.md §3; https://docs.samsungknox.com/dev/knox-cloud-authentication/knox-oauth-2-0-authentication/for-customers-resellers-and-msps/step-2-call-knox-cloud-services-apis-with-access-token ; RFC 6750 §3.1"
)

// kcAll is the Knox Configure listing the OAuth scenarios make: 25 devices in
// pages of 10.
var kcAll = target.KCListDevicesParams{PageSize: 10}

// tokenLifetime is the short lifetime the lifetime case's token server gives.
const tokenLifetime = time.Second

// pkceVerifier is the PKCE code_verifier of the PKCE case (43 to 128 characters, RFC 7636 §4.1).
const pkceVerifier = "knoxconform-pkce-verifier-0123456789abcdefghijklmnop"

// oauthCases: BEHAVIOURS.md §3, Knox OAuth 2.0.
func oauthCases() []*caseDef {
	tok, kc := knoxtest.RouteOAuthToken, knoxtest.RouteKCDevices
	cases := []*caseDef{
		newCase("oauth/token-request", knoxerr.MUST, "a form POST with the secret in the body or Basic and the scope the call needs",
			"Token request: form POST; client_secret in the body or HTTP Basic, never in the URL; the scope the call needs.", sourceOAuth).
			needs(target.OpKCListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.must(ev, HaveRequestedTokenProperly(knoxtest.ScopeKCDevicesView))
			r.must(ev, HaveSucceeded("Knox Configure accepts the token"))
		}),

		newCase("oauth/token-lifetime", knoxerr.MUST, "the token used for what expires_in says, then renewed",
			"Token lifetime: use the token for what expires_in says and renew it before or when it ends; never a hard-coded lifetime (a token issued for 1 s is renewed when it ends, not 10 minutes later).",
			sourceOAuth).
			needs(target.OpKCListDevices).with(knoxtest.WithOAuthTokenLifetime(tokenLifetime)).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, kcAll)
			r.pause(tokenLifetime + 300*time.Millisecond)
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.must(ev, NeverSentExpiredBearer())
			r.must(ev, HaveAllSucceeded("a renewed token is accepted"))
		}),

		newCase("oauth/token-reuse", knoxerr.SHOULD, "one token for many calls while it is valid",
			"Token reuse: one token for many calls while it is valid, not one token per call.", sourceOAuth).
			// One page per listing keeps the three listings far below Knox
			// Configure's 10 requests per second.
			needs(target.OpKCListDevices).with(knoxtest.WithDevices(5)).scenario(func(r *caseRun) {
			for range 3 {
				r.invoke(target.OpKCListDevices, kcAll)
			}
			ev := r.ev()
			r.should(ev, HaveMadeAtMost(tok, 1, "one token for three listings within its 10-minute lifetime"))
			r.must(ev, HaveAllSucceeded("the token is valid"))
		}),

		newCase("oauth/401/renew-once", knoxerr.MUST, "one new token and one retry after 401 on a Bearer call",
			"401 on a Bearer call: one new token, one retry of the call; no loop. (Produced for real: the server revokes the client's token between two calls.)",
			sourceBearer, knoxerr.OAuthInvalidToken).
			needs(target.OpKCListDevices).with(knoxtest.WithDevices(5)).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, kcAll)
			r.srv.RevokeTokens()
			from := r.mark()
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.since(from)
			r.must(ev, HaveMadeAtMost(tok, 1, "one new token"))
			r.must(ev, HaveMadeAtMost(kc, 2, "the refused call and one retry"))
			r.must(ev, NeverReusedRejectedBearer(kc))
			r.must(ev, HaveSucceeded("the new token is valid"))
		}),

		newCase("oauth/401/bounded", knoxerr.MUST, "no token loop while 401 persists",
			"401 on a Bearer call: one new token, one retry of the call; no loop.", sourceBearer, knoxerr.OAuthInvalidToken).
			needs(target.OpKCListDevices).scenario(func(r *caseRun) {
			r.script(kc, always(knoxerr.OAuthInvalidToken))
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.must(ev, HaveMadeAtMost(tok, 2, "the first token and one new one"))
			r.must(ev, HaveMadeAtMost(kc, 2, "the call and one retry"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedOAuthError(knoxerr.OAuthInvalidToken))
		}),

		oauthNoRetryInjected(knoxerr.OAuthInvalidRequest),
		oauthNoRetryInjected(knoxerr.OAuthUnsupportedGrantType),

		newCase("oauth/invalid_grant/no-resend-code", knoxerr.MUST, "an authorization code never resent after invalid_grant",
			"invalid_grant on an authorization code: never resend that code (single use, short-lived); surface it. (Produced for real: the code expired before the exchange.)",
			sourceOAuthUEM, knoxerr.OAuthInvalidGrant).
			needs(target.OpOAuthExchangeCode).with(knoxtest.WithAuthCodeTTL(time.Millisecond)).scenario(func(r *caseRun) {
			code := r.srv.IssueOAuthCode(knoxtest.OAuthCode{})
			r.pause(10 * time.Millisecond)
			r.invoke(target.OpOAuthExchangeCode, target.OAuthExchangeCodeParams{Code: code})
			ev := r.ev()
			r.must(ev, NeverResentOAuthCode(1))
			r.must(ev, HaveFailed())
			r.must(ev, HaveSurfacedOAuthError(knoxerr.OAuthInvalidGrant))
		}),

		newCase("oauth/code/single-use-after-500", knoxerr.MUST, "an authorization code never resent after a 500",
			"Authorization code, single use: sent again only when the server certainly did not process it; never after a 5xx, where it may have been consumed (RFC 6749 §4.1.2).",
			sourceOAuthUEM+"; BEHAVIOURS.md §2", knoxerr.HTTPInternalServerError).
			needs(target.OpOAuthExchangeCode).scenario(func(r *caseRun) {
			r.script(tok, once(knoxerr.HTTPInternalServerError))
			r.invoke(target.OpOAuthExchangeCode, target.OAuthExchangeCodeParams{Code: r.srv.IssueOAuthCode(knoxtest.OAuthCode{})})
			ev := r.ev()
			r.must(ev, NeverResentOAuthCode(1))
			r.must(ev, HaveFailed())
		}),

		newCase("oauth/refresh/rotation", knoxerr.MUST, "each refresh uses the refresh token the last one returned",
			"Refresh token rotation: keep the refresh token that each refresh returns and use it next time; reusing the discarded one gets invalid_grant.",
			sourceOAuthUEM, knoxerr.OAuthInvalidGrant).
			needs(target.OpOAuthExchangeCode, target.OpOAuthRefresh).scenario(func(r *caseRun) {
			r.invoke(target.OpOAuthExchangeCode, target.OAuthExchangeCodeParams{Code: r.srv.IssueOAuthCode(knoxtest.OAuthCode{})})
			r.invoke(target.OpOAuthRefresh, nil)
			r.invoke(target.OpOAuthRefresh, nil)
			ev := r.ev()
			r.must(ev, HaveUsedRotatedRefreshToken())
			r.must(ev, HaveAllSucceeded("each refresh token is the live one"))
			r.must(ev, HaveReportedPositive("expiresIn", "success is success: the refreshed token's lifetime, as answered"))
		}),

		newCase("oauth/refresh/invalid-grant", knoxerr.MUST, "a refresh refused with invalid_grant is reported, not retried",
			"A refresh token the server no longer accepts (the grant was revoked: invalid_grant) ends the refresh: no retry of the same request, the failure reported with its OAuth error code, and a later refresh cannot succeed with it either.",
			sourceOAuthUEM+"; RFC 6749 §5.2", knoxerr.OAuthInvalidGrant).
			needs(target.OpOAuthExchangeCode, target.OpOAuthRefresh).scenario(func(r *caseRun) {
			r.invoke(target.OpOAuthExchangeCode, target.OAuthExchangeCodeParams{Code: r.srv.IssueOAuthCode(knoxtest.OAuthCode{})})
			r.srv.RevokeRefreshTokens()
			from := r.mark()
			r.invoke(target.OpOAuthRefresh, nil)
			ev := r.since(from)
			r.precondition(ev, HaveMadeAtLeast(tok, 1, "the refresh reached the server"))
			r.must(ev, HaveMadeNoSecondRequest(tok, "invalid_grant: the refresh token was revoked"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedOAuthError(knoxerr.OAuthInvalidGrant))
			// The next refresh fails as well, whether the client refuses it
			// itself (it has no live refresh token) or the server does.
			r.invoke(target.OpOAuthRefresh, nil)
			r.must(r.since(from), HaveFailed())
		}),

		newCase("oauth/insufficient_scope/no-retry", knoxerr.MUST, "no retry after 403 insufficient_scope",
			"403 for a missing scope: no retry.", sourceBearer, knoxerr.OAuthInsufficientScope).
			needs(target.OpKCListDevices).scenario(func(r *caseRun) {
			r.script(kc, once(knoxerr.OAuthInsufficientScope))
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.must(ev, HaveMadeNoSecondRequest(kc, "403 insufficient_scope"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedOAuthError(knoxerr.OAuthInsufficientScope))
		}),

		newCase("oauth/pkce", knoxerr.SHOULD, "the PKCE code_verifier of the code_challenge",
			"PKCE: send the code_verifier that matches the code_challenge used (RFC 7636).", sourceOAuthUEM+"; RFC 7636 §4.5").
			needs(target.OpOAuthExchangeCode).scenario(func(r *caseRun) {
			code := r.srv.IssueOAuthCode(knoxtest.OAuthCode{CodeChallenge: knoxtest.PKCEChallenge(pkceVerifier), CodeChallengeMethod: "S256"})
			r.invoke(target.OpOAuthExchangeCode, target.OAuthExchangeCodeParams{Code: code, CodeVerifier: pkceVerifier})
			ev := r.ev()
			r.should(ev, HaveSentPKCEVerifier())
			r.should(ev, HaveSucceeded("the verifier matches"))
		}),

		newCase("oauth/msp-tenant", knoxerr.MUST, "x-wsm-managed-tenantid on calls for a managed customer",
			"MSP tenant: x-wsm-managed-tenantid on calls made for a managed customer.", sourceBearer).
			needs(target.OpKCListDevices).with(knoxtest.WithMSPTenant()).scenario(func(r *caseRun) {
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.must(ev, HaveSentHeaderOn(kc, "X-Wsm-Managed-Tenantid", r.creds.OAuthTenantID))
			r.must(ev, HaveSucceeded("the tenant is one the MSP manages"))
		}),

		newCase("oauth/accept-everywhere", knoxerr.SHOULD, "Accept: application/json on token requests and Bearer calls, retries too",
			"SHOULD send Accept: application/json on every request: the token request and its retry, and the Bearer call and its retry, not only the first call.",
			sourceOAuth+"; "+sourceBehaviours, knoxerr.HTTPNotAcceptable).
			needs(target.OpKCListDevices).with(knoxtest.WithDevices(5)).scenario(func(r *caseRun) {
			// Each route answers once with a reply every client retries.
			r.script(tok, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, Shape: knoxerr.ShapeOAuth})
			r.script(kc, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests})
			r.invoke(target.OpKCListDevices, kcAll)
			ev := r.ev()
			r.precondition(ev, HaveMadeAtLeast(tok, 1, "the token request reached the server"))
			r.should(ev, HaveSentHeaderOnEvery("Accept", "application/json"))
		}),

		newCase("oauth/token-endpoint/429-backoff", knoxerr.MUST, "back off after 429 on the token endpoint",
			"429 / 5xx on the token endpoint: as §1.1, wait, back off, bound.", sourceOAuth+"; "+sourceRetryAfter, knoxerr.HTTPTooManyRequests).
			needs(target.OpOAuthToken).tune(judgedBackoff).scenario(func(r *caseRun) {
			r.script(tok, knoxtest.Step{Code: knoxerr.HTTPTooManyRequests, Shape: knoxerr.ShapeOAuth, Times: transientFaults})
			r.invoke(target.OpOAuthToken, target.OAuthTokenParams{})
			ev := r.ev()
			r.must(ev, HaveBackedOff(tok, "429 without Retry-After"))
			r.must(ev, HaveMadeAtMost(tok, attemptBound, "bounded attempts"))
			r.should(ev, HaveRecovered(tok, "the 429s ended after three", false))
		}),

		newCase("oauth/token-endpoint/500-bounded", knoxerr.MUST, "bounded backoff after 500 on the token endpoint",
			"429 / 5xx on the token endpoint: as §1.1, wait, back off, bound.", sourceOAuth, knoxerr.HTTPInternalServerError).
			needs(target.OpOAuthToken).tune(judgedBackoff).scenario(func(r *caseRun) {
			r.script(tok, always(knoxerr.HTTPInternalServerError))
			r.invoke(target.OpOAuthToken, target.OAuthTokenParams{})
			ev := r.ev()
			r.must(ev, HaveBackedOff(tok, "500"))
			r.must(ev, HaveMadeAtMost(tok, attemptBound, "bounded attempts"))
			r.must(ev, HaveFailed())
		}),
	}
	return append(cases, oauthMistakeCases()...)
}

// oauthNoRetryInjected: the token endpoint answers code once (scripted; no
// configuration produces it), and the client neither retries nor hides it.
func oauthNoRetryInjected(c knoxerr.Code) *caseDef {
	tok := knoxtest.RouteOAuthToken
	e, _ := knoxerr.LookupOAuth(c)
	return newCase("oauth/"+string(c)+"/no-retry", knoxerr.MUST, "no retry after "+string(c),
		"invalid_client, unauthorized_client, unsupported_grant_type, invalid_scope, invalid_request: no retry of the same request; surface the OAuth error code. ("+e.Meaning+")",
		sourceOAuth, c).
		needs(target.OpOAuthToken).scenario(func(r *caseRun) {
		r.script(tok, once(c))
		r.invoke(target.OpOAuthToken, target.OAuthTokenParams{})
		ev := r.ev()
		r.must(ev, HaveMadeNoSecondRequest(tok, string(c)))
		r.must(ev, HaveFailed())
		r.must(ev, HaveSurfacedOAuthError(c))
	})
}

// oauthMistakeCases: the errors the token server produces for real from a
// configuration mistake (knoxtest.Server.OAuthMistakes), one case per code.
func oauthMistakeCases() []*caseDef {
	tok := knoxtest.RouteOAuthToken
	var out []*caseDef
	for _, c := range []knoxerr.Code{knoxerr.OAuthInvalidClient, knoxerr.OAuthInvalidScope, knoxerr.OAuthUnauthorizedClient} {
		var op target.Op
		switch c {
		case knoxerr.OAuthInvalidScope:
			op = target.OpKCListDevices
		case knoxerr.OAuthUnauthorizedClient:
			op = target.OpOAuthExchangeCode
		default:
			op = target.OpOAuthToken
		}
		out = append(out, newCase("oauth/"+string(c)+"/no-retry", knoxerr.MUST, "no retry after "+string(c),
			"invalid_client, unauthorized_client, unsupported_grant_type, invalid_scope, invalid_request: no retry of the same request; surface the OAuth error code. (Produced for real from a configuration mistake.)",
			sourceOAuth, c).
			needs(op).scenario(func(r *caseRun) {
			var m knoxtest.Mistake
			for _, x := range r.srv.OAuthMistakes() {
				if x.Code == c {
					m = x
					break
				}
			}
			if m.Code == "" {
				r.harness(fmt.Errorf("the simulated server lists no configuration mistake for %s", c))
			}
			r.useCredentials(m.Credentials)
			var params any
			switch op {
			case target.OpKCListDevices:
				params = kcAll
			case target.OpOAuthExchangeCode:
				params = target.OAuthExchangeCodeParams{Code: m.AuthCode}
			default:
				params = target.OAuthTokenParams{}
			}
			r.invoke(op, params)
			ev := r.ev()
			r.must(ev, HaveMadeNoSecondRequest(tok, string(c)+" ("+strings.TrimSuffix(m.Description, ".")+")"))
			r.must(ev, HaveFailed())
			r.must(ev, HaveSurfacedOAuthError(c))
		}))
	}
	return out
}

// pause waits d between two invokes of a scenario (time the suite imposes, not
// the client's), ending early when the spec is interrupted.
func (r *caseRun) pause(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.ctx.Done():
	}
}
