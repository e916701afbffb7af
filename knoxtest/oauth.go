package knoxtest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// Knox OAuth 2.0 (BEHAVIOURS.md §3; knox-api.md §2): the token server
// POST /ams/v1/oauth2/token with the client_credentials, authorization_code
// (with optional PKCE, RFC 7636) and refresh_token grants, the revocation
// endpoint POST /ams/v1/oauth2/revoke, and Bearer authentication of the routes
// that take OAuth 2.0 (Knox Configure v2 here).
//
// What Samsung documents is followed: form-encoded requests, client_secret in the
// body or HTTP Basic, the answer {access_token, token_type "Bearer", expires_in,
// scope} with a default lifetime of 10 minutes (599 s) and at most 60, a refresh
// token from authorization_code, refresh that rotates the refresh token (the old
// one is discarded), authorization codes that live 1 minute.
//
// What Samsung does not publish is the simulation's choice, following RFC 6749:
//
//	error bodies        RFC 6749 §5.2 {error, error_description}; every refusal
//	                    goes through oauthRefusal, the one place a mistake becomes
//	                    an error code
//	invalid_client      401, with WWW-Authenticate: Basic when Basic was used
//	expires_in          optional integer seconds, 1 to 3600, else invalid_request
//	scope               required for client_credentials (Knox's examples always
//	                    send one), space-separated, each scope registered for the
//	                    client, else invalid_scope
//	secret in the URL   accepted as if it were absent (Knox's answer is not
//	                    published; RFC 6749 §2.3.1 forbids clients to send it):
//	                    the journal keeps the redacted query, and the suite judges
//	both Basic and body client authentication at once: invalid_request (§2.3)
//	a reused authorization code: invalid_grant, and the tokens issued for it are
//	                    revoked (§4.1.2)
//	PKCE                a code issued with a code_challenge (S256 or plain) needs
//	                    the matching code_verifier, else invalid_grant (RFC 7636 §4.6)
//	Bearer errors       RFC 6750 §3.1: 401 invalid_token for a missing, unknown,
//	                    expired or revoked token; 403 insufficient_scope when the
//	                    token lacks the route's scope; both with WWW-Authenticate
//	MSP                 a client registered as an MSP (WithMSPTenant) must send
//	                    x-wsm-managed-tenantid naming its managed customer; a
//	                    missing or foreign tenant is 403 in the classic body
const (
	oauthDefaultLifetime = 599 * time.Second
	oauthMaxExpiresIn    = 3600
	oauthRefreshTTL      = 90 * 24 * time.Hour
	// OAuth scopes the simulation knows (Samsung's scope list has more).
	ScopeKCDevicesView   = "kc.devices:view"
	ScopeKCProfileAssign = "kc.profile:assign"
	ScopeKAI             = "kai"
)

// The second registered OAuth client: entitled to KAI only, so that asking it for
// a Knox Configure scope is invalid_scope, and allowed only client_credentials,
// so that an authorization code grant is unauthorized_client.
const (
	kaiOnlyOAuthClientID     = "knoxtest-oauth-kai-only"
	kaiOnlyOAuthClientSecret = "kai-only-secret-0123456789abcdef0123456789"
)

type oauthClient struct {
	secret      string
	scopes      []string
	grants      []string
	redirectURI string
	// tenants are the managed customers of an MSP client; nil for a customer.
	tenants []string
}

type oauthToken struct {
	clientID string
	scopes   []string
	expires  time.Time
	revoked  bool
	// code is the authorization code the token came from, "" otherwise, so that a
	// reused code can revoke what it issued.
	code string
}

type oauthRefresh struct {
	clientID string
	scopes   []string
	expires  time.Time
	// rotated is set when a refresh returned a newer refresh token: the old one
	// is discarded and its next use is invalid_grant.
	rotated bool
	revoked bool
	code    string
}

type oauthCode struct {
	clientID      string
	redirectURI   string
	scopes        []string
	challenge     string
	method        string
	expires       time.Time
	used          bool
	issuedAccess  []string
	issuedRefresh []string
}

// OAuthCode describes an authorization code to issue with IssueOAuthCode.
type OAuthCode struct {
	// ClientID defaults to the server's OAuth client.
	ClientID string `json:"clientId,omitempty"`
	// RedirectURI defaults to the client's registered one.
	RedirectURI string `json:"redirectUri,omitempty"`
	// Scope is space-separated; "" grants kc.devices:view.
	Scope string `json:"scope,omitempty"`
	// CodeChallenge and CodeChallengeMethod ("S256" or "plain") bind the code to
	// a PKCE verifier; "" issues a code without PKCE.
	CodeChallenge       string `json:"codeChallenge,omitempty"`
	CodeChallengeMethod string `json:"codeChallengeMethod,omitempty"`
}

// IssueOAuthCode returns what Knox's authorization redirect would carry: a
// single-use authorization code for the UEM-partner flow, valid for
// WithAuthCodeTTL (60 s by default).
func (s *Server) IssueOAuthCode(c OAuthCode) string {
	if c.ClientID == "" {
		c.ClientID = s.creds.OAuthClientID
	}
	if c.Scope == "" {
		c.Scope = ScopeKCDevicesView
	}
	code := randAlnum(40)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.RedirectURI == "" {
		if cl := s.oauthClients[c.ClientID]; cl != nil {
			c.RedirectURI = cl.redirectURI
		}
	}
	method := c.CodeChallengeMethod
	if c.CodeChallenge != "" && method == "" {
		method = "plain"
	}
	s.oauthCodes[code] = &oauthCode{clientID: c.ClientID, redirectURI: c.RedirectURI, scopes: strings.Fields(c.Scope),
		challenge: c.CodeChallenge, method: method, expires: time.Now().Add(s.cfg.authCodeTTL)}
	return code
}

// PKCEChallenge is the S256 code_challenge of verifier (RFC 7636 §4.2).
func PKCEChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// oauthRefusal is the one place where a mistake in an OAuth request becomes an
// RFC 6749 §5.2 error: code, the status the family gives it, and the
// description. basic is set when the client authenticated with HTTP Basic, for
// the WWW-Authenticate challenge an invalid_client then carries.
func oauthRefusal(code knoxerr.Code, description string, basic bool) reply {
	r := fail(code, description)
	r.shape = knoxerr.ShapeOAuth
	r.header = map[string]string{"Cache-Control": "no-store"}
	if code == knoxerr.OAuthInvalidClient && basic {
		r.header["WWW-Authenticate"] = `Basic realm="knoxtest"`
	}
	return r
}

// oauthForm reads an x-www-form-urlencoded token or revoke request; the reply is
// set when the request cannot be one.
func oauthForm(req *request) (url.Values, *reply) {
	mt, _, _ := mime.ParseMediaType(req.r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		r := oauthRefusal(knoxerr.OAuthInvalidRequest, "the request must be a form POST (Content-Type: application/x-www-form-urlencoded), not "+
			strconv.Quote(truncate(req.r.Header.Get("Content-Type"), 64)), false)
		return nil, &r
	}
	form, err := url.ParseQuery(string(req.body))
	if err != nil {
		r := oauthRefusal(knoxerr.OAuthInvalidRequest, "the form body cannot be parsed: "+err.Error(), false)
		return nil, &r
	}
	req.ex.Form = saForm(form)
	for k, vs := range form {
		if len(vs) > 1 {
			r := oauthRefusal(knoxerr.OAuthInvalidRequest, "the parameter "+strconv.Quote(truncate(k, 32))+" is repeated", false)
			return nil, &r
		}
	}
	return form, nil
}

// authenticateClient applies RFC 6749 §2.3.1: HTTP Basic or client_id and
// client_secret in the body, not both.
func (s *Server) authenticateClient(req *request, form url.Values) (string, *oauthClient, bool, *reply) {
	id, secret, basic := req.r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: Basic credentials are form-encoded before base64.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if form.Get("client_secret") != "" {
			r := oauthRefusal(knoxerr.OAuthInvalidRequest, "the client authenticated twice (HTTP Basic and client_secret in the body); use one", true)
			return "", nil, basic, &r
		}
		if bodyID := form.Get("client_id"); bodyID != "" && bodyID != id {
			r := oauthRefusal(knoxerr.OAuthInvalidRequest, "client_id in the body is not the client of the HTTP Basic credentials", true)
			return "", nil, basic, &r
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" {
		r := oauthRefusal(knoxerr.OAuthInvalidClient, "no client authentication: send client_id and client_secret in the body or HTTP Basic", basic)
		return "", nil, basic, &r
	}
	if req.dry {
		return id, &oauthClient{}, basic, nil
	}
	s.mu.Lock()
	cl := s.oauthClients[id]
	s.mu.Unlock()
	switch {
	case cl == nil:
		r := oauthRefusal(knoxerr.OAuthInvalidClient, "client_id is not a registered client", basic)
		return "", nil, basic, &r
	case secret == "":
		r := oauthRefusal(knoxerr.OAuthInvalidClient, "client_secret is missing", basic)
		return "", nil, basic, &r
	case secret != cl.secret:
		r := oauthRefusal(knoxerr.OAuthInvalidClient, "client_secret is not this client's secret", basic)
		return "", nil, basic, &r
	}
	return id, cl, basic, nil
}

// oauthTokenEndpoint is POST /ams/v1/oauth2/token.
func (s *Server) oauthTokenEndpoint(req *request) reply {
	form, bad := oauthForm(req)
	if bad != nil {
		return *bad
	}
	clientID, cl, basic, bad := s.authenticateClient(req, form)
	if bad != nil {
		return *bad
	}
	grant := form.Get("grant_type")
	switch grant {
	case "":
		return oauthRefusal(knoxerr.OAuthInvalidRequest, "grant_type is missing", basic)
	case "client_credentials", "authorization_code", "refresh_token":
	default:
		return oauthRefusal(knoxerr.OAuthUnsupportedGrantType, "grant_type "+strconv.Quote(truncate(grant, 40))+
			" is not supported; use client_credentials, authorization_code or refresh_token", basic)
	}
	if req.dry {
		return reply{}
	}
	if !slices.Contains(cl.grants, grant) {
		return oauthRefusal(knoxerr.OAuthUnauthorizedClient, "this client may not use the "+grant+" grant", basic)
	}
	lifetime, bad := s.oauthLifetime(form, basic)
	if bad != nil {
		return *bad
	}
	switch grant {
	case "client_credentials":
		scope := strings.Fields(form.Get("scope"))
		if len(scope) == 0 {
			return oauthRefusal(knoxerr.OAuthInvalidRequest, "scope is missing; ask for the scope the call needs, e.g. "+ScopeKCDevicesView, basic)
		}
		for _, sc := range scope {
			if !slices.Contains(cl.scopes, sc) {
				return oauthRefusal(knoxerr.OAuthInvalidScope, "scope "+strconv.Quote(truncate(sc, 40))+" is not granted to this client", basic)
			}
		}
		return s.issueOAuth(clientID, scope, lifetime, false, "")
	case "authorization_code":
		return s.exchangeOAuthCode(clientID, form, lifetime, basic)
	default:
		return s.refreshOAuth(clientID, form, lifetime, basic)
	}
}

// oauthLifetime is the token lifetime: expires_in when sent (1 to 3600 s), the
// default 599 s otherwise, and never more than WithOAuthTokenLifetime.
func (s *Server) oauthLifetime(form url.Values, basic bool) (time.Duration, *reply) {
	lifetime := oauthDefaultLifetime
	if v, sent := form["expires_in"]; sent {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil || n < 1 || n > oauthMaxExpiresIn {
			r := oauthRefusal(knoxerr.OAuthInvalidRequest, "expires_in must be an integer number of seconds from 1 to 3600", basic)
			return 0, &r
		}
		lifetime = time.Duration(n) * time.Second
	}
	if s.cfg.oauthLifetime > 0 && lifetime > s.cfg.oauthLifetime {
		lifetime = s.cfg.oauthLifetime
	}
	return lifetime, nil
}

// issueOAuth mints an access token (and a refresh token when withRefresh) and
// builds the token response. The caller holds no lock.
func (s *Server) issueOAuth(clientID string, scopes []string, lifetime time.Duration, withRefresh bool, code string) reply {
	access := randToken()
	now := time.Now()
	s.mu.Lock()
	s.oauthTokens[access] = &oauthToken{clientID: clientID, scopes: scopes, expires: now.Add(lifetime), code: code}
	value := map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int(lifetime / time.Second), "scope": strings.Join(scopes, " ")}
	var refresh string
	if withRefresh {
		refresh = randToken()
		s.oauthRefreshes[refresh] = &oauthRefresh{clientID: clientID, scopes: scopes, expires: now.Add(oauthRefreshTTL), code: code}
		value["refresh_token"] = refresh
		if c := s.oauthCodes[code]; c != nil {
			c.issuedAccess = append(c.issuedAccess, access)
			c.issuedRefresh = append(c.issuedRefresh, refresh)
		}
	}
	s.mu.Unlock()
	r := ok(value)
	r.issued = fingerprint(access)
	r.header = map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"}
	if refresh != "" {
		r.issuedRefresh = fingerprint(refresh)
	}
	return r
}

func (s *Server) exchangeOAuthCode(clientID string, form url.Values, lifetime time.Duration, basic bool) reply {
	code := form.Get("code")
	if code == "" {
		return oauthRefusal(knoxerr.OAuthInvalidRequest, "code is missing", basic)
	}
	if form.Get("redirect_uri") == "" {
		return oauthRefusal(knoxerr.OAuthInvalidRequest, "redirect_uri is missing", basic)
	}
	s.mu.Lock()
	c := s.oauthCodes[code]
	var refusal string
	switch {
	case c == nil:
		refusal = "the authorization code was never issued"
	case c.used:
		// RFC 6749 §4.1.2: a code used twice revokes what it issued.
		refusal = "the authorization code was already used; the tokens issued for it are revoked"
		for _, t := range c.issuedAccess {
			if tok := s.oauthTokens[t]; tok != nil {
				tok.revoked = true
			}
		}
		for _, t := range c.issuedRefresh {
			if rt := s.oauthRefreshes[t]; rt != nil {
				rt.revoked = true
			}
		}
	case time.Now().After(c.expires):
		refusal = "the authorization code has expired (codes live " + s.cfg.authCodeTTL.String() + ")"
	case c.clientID != clientID:
		refusal = "the authorization code was issued to another client"
	case form.Get("redirect_uri") != c.redirectURI:
		refusal = "redirect_uri is not the one the authorization code was issued for"
	case c.challenge != "" && form.Get("code_verifier") == "":
		refusal = "the authorization code was issued with a PKCE code_challenge; send its code_verifier"
	case c.challenge != "" && !pkceMatches(c.method, c.challenge, form.Get("code_verifier")):
		refusal = "code_verifier does not match the code_challenge"
	}
	if refusal != "" {
		s.mu.Unlock()
		return oauthRefusal(knoxerr.OAuthInvalidGrant, refusal, basic)
	}
	c.used = true
	scopes := c.scopes
	s.mu.Unlock()
	return s.issueOAuth(clientID, scopes, lifetime, true, code)
}

func pkceMatches(method, challenge, verifier string) bool {
	if method == "S256" {
		return PKCEChallenge(verifier) == challenge
	}
	return verifier == challenge
}

func (s *Server) refreshOAuth(clientID string, form url.Values, lifetime time.Duration, basic bool) reply {
	rt := form.Get("refresh_token")
	if rt == "" {
		return oauthRefusal(knoxerr.OAuthInvalidRequest, "refresh_token is missing", basic)
	}
	s.mu.Lock()
	old := s.oauthRefreshes[rt]
	var refusal string
	switch {
	case old == nil:
		refusal = "the refresh token was never issued"
	case old.rotated:
		refusal = "the refresh token was already used once; each refresh returns a new refresh token and discards the old one"
	case old.revoked:
		refusal = "the refresh token was revoked"
	case time.Now().After(old.expires):
		refusal = "the refresh token has expired"
	case old.clientID != clientID:
		refusal = "the refresh token was issued to another client"
	}
	if refusal != "" {
		s.mu.Unlock()
		return oauthRefusal(knoxerr.OAuthInvalidGrant, refusal, basic)
	}
	old.rotated = true
	scopes, code := old.scopes, old.code
	s.mu.Unlock()
	return s.issueOAuth(clientID, scopes, lifetime, true, code)
}

// oauthRevoke is POST /ams/v1/oauth2/revoke (RFC 7009): the client
// authenticates; an unknown token is not an error.
func (s *Server) oauthRevoke(req *request) reply {
	form, bad := oauthForm(req)
	if bad != nil {
		return *bad
	}
	clientID, _, basic, bad := s.authenticateClient(req, form)
	if bad != nil {
		return *bad
	}
	tok := form.Get("token")
	if tok == "" {
		return oauthRefusal(knoxerr.OAuthInvalidRequest, "token is missing", basic)
	}
	if req.dry {
		return reply{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.oauthTokens[tok]; t != nil && t.clientID == clientID {
		if !t.revoked {
			req.ex.Revoked = fingerprint(tok)
		}
		t.revoked = true
	}
	if t := s.oauthRefreshes[tok]; t != nil && t.clientID == clientID {
		if !t.revoked {
			req.ex.Revoked = fingerprint(tok)
		}
		t.revoked = true
	}
	return ok(map[string]any{})
}

// bearer authenticates a route that takes OAuth 2.0: a live Bearer token with
// scope, the MSP tenant header for an MSP client, Accept, and the route's rate
// limit; then it runs fn.
func (s *Server) bearer(req *request, scope string, limit *routeLimit, fn func(*request) reply) reply {
	challenge := func(code knoxerr.Code, desc string) reply {
		r := fail(code, desc)
		r.shape = knoxerr.ShapeOAuth
		r.header = map[string]string{"WWW-Authenticate": fmt.Sprintf(`Bearer realm="knoxtest", error=%q, error_description=%q`, code, desc)}
		return r
	}
	kind, raw, _ := strings.Cut(strings.TrimSpace(req.r.Header.Get("Authorization")), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(kind, "Bearer") || raw == "" {
		return challenge(knoxerr.OAuthInvalidToken, "the call needs Authorization: Bearer <access_token>")
	}
	req.ex.BearerToken = fingerprint(raw)
	if req.dry {
		return reply{}
	}
	s.mu.Lock()
	tok := s.oauthTokens[raw]
	var t oauthToken
	var cl *oauthClient
	if tok != nil {
		t = *tok
		cl = s.oauthClients[tok.clientID]
	}
	s.mu.Unlock()
	now := time.Now()
	switch {
	case tok == nil:
		req.ex.BearerProblem = "unknown"
		return challenge(knoxerr.OAuthInvalidToken, "the access token is not one this server issued")
	case t.revoked:
		req.ex.BearerProblem = "revoked"
		return challenge(knoxerr.OAuthInvalidToken, "the access token was revoked")
	case now.After(t.expires):
		req.ex.BearerProblem, req.ex.BearerExpiredFor = "expired", now.Sub(t.expires)
		return challenge(knoxerr.OAuthInvalidToken, "the access token has expired")
	case !slices.Contains(t.scopes, scope):
		req.ex.BearerProblem = "scope"
		return challenge(knoxerr.OAuthInsufficientScope, "the access token lacks the scope "+scope+" this call needs")
	}
	if cl != nil && cl.tenants != nil {
		tenant := strings.TrimSpace(req.r.Header.Get("X-Wsm-Managed-Tenantid"))
		switch {
		case tenant == "":
			return fail(knoxerr.HTTPForbidden, "this client is an MSP: calls for a managed customer need x-wsm-managed-tenantid")
		case !slices.Contains(cl.tenants, tenant):
			return fail(knoxerr.HTTPForbidden, "x-wsm-managed-tenantid is not a customer this MSP manages")
		}
	}
	if !acceptsJSON(req.r.Header.Get("Accept")) {
		return fail(knoxerr.HTTPNotAcceptable, "Accept "+truncate(req.r.Header.Get("Accept"), 64)+" rules out application/json")
	}
	if limit != nil && !s.takeRouteToken(limit, req.ex.BearerToken) {
		r := fail(knoxerr.HTTPTooManyRequests, "more than "+strconv.FormatFloat(limit.perSecond, 'f', -1, 64)+" requests per second with this token")
		r.retryAfter = s.cfg.retryAfter
		return r
	}
	return fn(req)
}

// routeLimit is a documented per-token rate limit of one route family.
type routeLimit struct {
	name      string
	perSecond float64
	burst     int
}

// takeRouteToken is takeToken for a route family's own documented limit.
func (s *Server) takeRouteToken(l *routeLimit, token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := l.name + " " + token
	now := time.Now()
	b := s.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(l.burst), last: now}
		s.buckets[key] = b
	}
	b.tokens = min(float64(l.burst), b.tokens+now.Sub(b.last).Seconds()*l.perSecond)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// seedOAuthClients registers the server's OAuth clients. The caller holds s.mu
// or owns s.
func (s *Server) seedOAuthClients() {
	main := &oauthClient{secret: s.creds.OAuthClientSecret,
		scopes:      []string{ScopeKCDevicesView, ScopeKCProfileAssign, ScopeKAI},
		grants:      []string{"client_credentials", "authorization_code", "refresh_token"},
		redirectURI: s.creds.OAuthRedirectURI}
	if s.creds.OAuthTenantID != "" {
		main.tenants = []string{s.creds.OAuthTenantID}
	}
	s.oauthClients = map[string]*oauthClient{
		s.creds.OAuthClientID: main,
		kaiOnlyOAuthClientID: {secret: kaiOnlyOAuthClientSecret, scopes: []string{ScopeKAI},
			grants: []string{"client_credentials"}, redirectURI: s.creds.OAuthRedirectURI},
	}
	s.oauthTokens = map[string]*oauthToken{}
	s.oauthRefreshes = map[string]*oauthRefresh{}
	s.oauthCodes = map[string]*oauthCode{}
}

// oauthHTTPStatus is the status of an OAuth error code, for fail.
func oauthHTTPStatus(c knoxerr.Code) (int, bool) {
	if e, found := knoxerr.LookupOAuth(c); found {
		return e.HTTPStatus, true
	}
	return 0, false
}

// OAuthMistakes lists, for each OAuth 2.0 error the token server produces from
// a client's configuration, the configuration that provokes it (Op is the
// adapter operation that meets it). invalid_request, unsupported_grant_type and
// invalid_grant come from what a client sends, not from its configuration:
// provoke those by behaviour (an expired or reused code) or Script.
func (s *Server) OAuthMistakes() []Mistake {
	good := s.creds
	with := func(f func(*Credentials)) Credentials { c := good; f(&c); return c }
	return []Mistake{
		{Code: knoxerr.OAuthInvalidClient, Op: "oauth.token", Description: "client_secret is well-formed but not this client's",
			Credentials: with(func(c *Credentials) { c.OAuthClientSecret = randToken() })},
		{Code: knoxerr.OAuthInvalidClient, Op: "oauth.token", Description: "client_id is not registered",
			Credentials: with(func(c *Credentials) { c.OAuthClientID = "knoxtest-oauth-unregistered" })},
		{Code: knoxerr.OAuthInvalidScope, Op: "kc.listDevices", Description: "a client registered for KAI only asks for the Knox Configure scope",
			Credentials: with(func(c *Credentials) {
				c.OAuthClientID, c.OAuthClientSecret = kaiOnlyOAuthClientID, kaiOnlyOAuthClientSecret
			})},
		{Code: knoxerr.OAuthUnauthorizedClient, Op: "oauth.exchangeCode", Description: "a client allowed only client_credentials exchanges an authorization code",
			Credentials: with(func(c *Credentials) {
				c.OAuthClientID, c.OAuthClientSecret = kaiOnlyOAuthClientID, kaiOnlyOAuthClientSecret
			}),
			AuthCode: s.IssueOAuthCode(OAuthCode{ClientID: kaiOnlyOAuthClientID, Scope: ScopeKAI})},
	}
}
