package knoxtest

import (
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// Route names one endpoint of the simulation as "METHOD /path".
type Route string

const (
	RouteAccessToken   Route = "POST /ams/v1/users/accesstoken"
	RouteAccessTokenV0 Route = "POST /ams/v0/users/accesstoken"
	RouteListDevices   Route = "GET /kcs/v1/kme/devices/list"
	RouteDeleteDevices Route = "POST /kcs/v1/kme/devices/delete"
	// The Samsung Account paths are not public; these are the simulation's own and
	// every client is handed them through Endpoints.
	RouteSAToken     Route = "POST /sa/auth/oauth2/token"
	RouteSAAuthorize Route = "POST /sa/auth/authorizeToken"
	// RouteUnimplemented is listed by the simulation but answers 501.
	RouteUnimplemented Route = "POST /kcs/v1/kme/devices/unassignProfile"

	// Knox OAuth 2.0 (oauth.go).
	RouteOAuthToken  Route = "POST /ams/v1/oauth2/token"
	RouteOAuthRevoke Route = "POST /ams/v1/oauth2/revoke"
	// Knox Configure v2 device listing, on OAuth 2.0 (configure.go).
	RouteKCDevices Route = "POST /kc/v2/devices/getDevices"
	// Knox Guard device commands, on legacy authentication (guard.go). Samsung
	// publishes the v1.1 prefix and the command names, not these exact paths.
	RouteKGLock        Route = "POST /kcs/v1.1/kg/devices/lock"
	RouteKGUnlock      Route = "POST /kcs/v1.1/kg/devices/unlock"
	RouteKGSendMessage Route = "POST /kcs/v1.1/kg/devices/sendMessage"
)

// Routes lists every route the simulation serves.
func Routes() []Route {
	return []Route{RouteAccessToken, RouteAccessTokenV0, RouteListDevices, RouteDeleteDevices,
		RouteSAToken, RouteSAAuthorize, RouteUnimplemented,
		RouteOAuthToken, RouteOAuthRevoke, RouteKCDevices, RouteKGLock, RouteKGUnlock, RouteKGSendMessage}
}

// ControlPrefix is the reserved path prefix of the sandbox control API.
const ControlPrefix = "/_knoxtest/"

// Fault is a socket-level misbehaviour instead of a normal reply.
type Fault string

const (
	FaultNone  Fault = ""
	FaultReset Fault = "reset" // close the connection before any response byte
	FaultHang  Fault = "hang"  // read the request, never answer (until the client gives up or the server closes)
	FaultEmpty Fault = "empty" // the Status with an empty body
	FaultHTML  Fault = "html"  // the Status with an HTML body, as a gateway would send
	// FaultTruncated is the Status with a JSON body cut short (a well-formed
	// HTTP message whose body does not parse), as a proxy that gave up sends.
	FaultTruncated Fault = "truncated"
)

// Forever, as Step.Times, makes a step apply to every later request.
const Forever = -1

// Step is one entry of a route's fault script. Steps are consumed in order; a
// route whose script is used up behaves naturally again.
type Step struct {
	// Times is how many requests the step answers: 0 means 1, Forever means all.
	Times int `json:"times,omitempty"`
	// Pass lets the request through to the natural behaviour (it still consumes the step).
	Pass bool `json:"pass,omitempty"`
	// Status overrides the HTTP status; 0 takes the catalogue status of Code.
	Status int `json:"status,omitempty"`
	// Code is the Knox code put in the body (rendered in Shape).
	Code knoxerr.Code `json:"code,omitempty"`
	// Shape is the body layout; "" is the route's natural layout.
	Shape knoxerr.Shape `json:"shape,omitempty"`
	// RetryAfter is sent as the Retry-After header when not "".
	RetryAfter string `json:"retryAfter,omitempty"`
	// Fault replaces the reply with a socket-level fault.
	Fault Fault `json:"fault,omitempty"`
	// DelayMs holds the reply back this long (a slow server): a case that needs
	// time to pass between a client's request and its next one uses it.
	DelayMs int `json:"delayMs,omitempty"`
}

// JWT is what the journal records of a signed JWT: decoded header and claims and
// whether the signature verified. It never holds the raw token.
type JWT struct {
	Alg string `json:"alg"`
	Aud string `json:"aud,omitempty"`
	JTI string `json:"jti,omitempty"`
	IAT int64  `json:"iat,omitempty"`
	EXP int64  `json:"exp,omitempty"`
	// Subject is "clientIdentifier" or "accessToken": which claim the JWT carries.
	Subject string `json:"subject,omitempty"`
	// TokenFingerprint identifies the access token a resource-call JWT carries.
	TokenFingerprint string `json:"tokenFingerprint,omitempty"`
	// Fingerprint identifies the JWT's exact bytes (to see the same JWT sent twice).
	Fingerprint    string `json:"fingerprint"`
	SignatureValid bool   `json:"signatureValid"`
	// Problem says why the JWT was rejected, "" when it was accepted.
	Problem string `json:"problem,omitempty"`
}

// Exchange is one request/response pair in the journal.
type Exchange struct {
	Seq int `json:"seq"`
	// At is the request's arrival, as an offset from the server's start on the monotonic clock.
	At       time.Duration `json:"at"`
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"duration"`
	Route    Route         `json:"route"`
	Method   string        `json:"method"`
	Path     string        `json:"path"`
	Status   int           `json:"status"`
	Code     knoxerr.Code  `json:"code,omitempty"`
	// Injected is true when a fault script step produced the reply.
	Injected   bool   `json:"injected"`
	Fault      Fault  `json:"fault,omitempty"`
	RetryAfter string `json:"retryAfter,omitempty"`
	ConnID     int    `json:"connId"`
	JWT        *JWT   `json:"jwt,omitempty"`
	// IssuedToken fingerprints the access token a successful accesstoken call returned.
	IssuedToken string `json:"issuedToken,omitempty"`
	// ValidityType is the JSON type of validityForAccessTokenInMinutes ("number", "string", "absent", …).
	ValidityType string `json:"validityType,omitempty"`
	// Form holds the form fields of a Samsung Account call, secrets redacted and the
	// authorization code fingerprinted.
	Form map[string]string `json:"form,omitempty"`
	// Header holds the request headers, secrets redacted.
	Header map[string]string `json:"header,omitempty"`
	// Query is the raw query string, secrets redacted.
	Query string `json:"query,omitempty"`

	// BearerToken fingerprints the OAuth access token of a Bearer call;
	// BearerProblem says why it was refused ("expired", "revoked", "unknown",
	// "scope"), and BearerExpiredFor how long before the call it had expired.
	BearerToken      string        `json:"bearerToken,omitempty"`
	BearerProblem    string        `json:"bearerProblem,omitempty"`
	BearerExpiredFor time.Duration `json:"bearerExpiredFor,omitempty"`
	// IssuedRefresh fingerprints the refresh token an OAuth token call returned.
	IssuedRefresh string `json:"issuedRefresh,omitempty"`
	// Revoked fingerprints the token an OAuth revoke call ended (an access
	// or refresh token of the calling client that was still live); a revoke
	// of anything else is answered 200 as RFC 7009 says, with Revoked empty.
	Revoked string `json:"revoked,omitempty"`
	// Cursor is the searchAfter cursor a Knox Configure listing sent ("" for the
	// first page) and NextCursor the nextSearchAfter it was answered ("" on the
	// last page). Cursors are opaque, not secret.
	Cursor     string `json:"cursor,omitempty"`
	NextCursor string `json:"nextCursor,omitempty"`
	// Page is the 0-based page a Knox Configure listing was answered.
	Page int `json:"page,omitempty"`
	// BodySize is the request body's size in bytes (as far as the server read:
	// one byte past the 1 MiB it accepts); the body itself is never recorded.
	BodySize int64 `json:"bodySize"`
	// Truncated is true when a recorded value was cut to the journal's limits;
	// each cut value ends with "…[cut: N bytes]", N its full size.
	Truncated bool `json:"truncated,omitempty"`
	// Flags are what the journal's rules noticed about the client's behaviour.
	Flags []string `json:"flags,omitempty"`

	size      int  // estimated bytes held, for the journal's byte bound
	inJournal bool // false once the journal dropped it
}

// Credentials are what a client needs to talk to a Server.
type Credentials struct {
	KeysFile         string `json:"keysFile"`
	ClientIdentifier string `json:"clientIdentifier"`
	SAClientID       string `json:"saClientId"`
	SAClientSecret   string `json:"saClientSecret"`
	SARedirectURI    string `json:"saRedirectUri"`
	SAAppID          string `json:"saAppId"`
	// OAuth 2.0 (Knox Configure, KME, KAI, …): the client registered with the
	// token server, its redirect URI (authorization_code) and, for an MSP
	// (WithMSPTenant), the managed customer's tenant id.
	OAuthClientID     string `json:"oauthClientId"`
	OAuthClientSecret string `json:"oauthClientSecret"`
	OAuthRedirectURI  string `json:"oauthRedirectUri"`
	OAuthTenantID     string `json:"oauthTenantId,omitempty"`
}

// Endpoints are the base URLs a client is configured with.
type Endpoints struct {
	KnoxBaseURL    string `json:"knoxBaseURL"`
	SATokenURL     string `json:"saTokenURL"`
	SAAuthorizeURL string `json:"saAuthorizeURL"`
	// APIBaseURL is the OAuth 2.0 token server and the newer APIs (/kc/v2);
	// api.samsungknox.com in production, the same listener here.
	APIBaseURL string `json:"apiBaseURL"`
}
