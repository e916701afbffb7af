package knoxerr

import (
	"sort"
	"strconv"
	"strings"
)

// TroubleshootingURL is the Knox page that documents the four error tables.
const TroubleshootingURL = "https://docs.samsungknox.com/dev/knox-cloud-authentication/troubleshooting-knox-cloud-services/"

// Family says which API surface returns a code.
type Family string

const (
	// FamilyHTTP is a standard HTTP status any Knox endpoint may answer.
	FamilyHTTP Family = "http"
	// FamilyKnoxCloud is a Knox Cloud authentication code (accesstoken and resource calls).
	FamilyKnoxCloud Family = "knox-cloud"
	// FamilySAToken is a Samsung Account token endpoint code (AUT_xxxx).
	FamilySAToken Family = "sa-token"
	// FamilySAAuthorize is a Samsung Account authorizeToken code (LIC_xxxx).
	FamilySAAuthorize Family = "sa-authorize"
)

// Class groups codes by what a correct client does about them.
type Class string

const (
	ClassValidation     Class = "validation"      // the request is wrong: never retry it as is
	ClassReauth         Class = "reauth"          // obtain a fresh access token, retry once
	ClassPermission     Class = "permission"      // authenticated but not allowed: never retry
	ClassNotFound       Class = "not_found"       // nothing there: never retry
	ClassClientBug      Class = "client_bug"      // the client asked for something unsupported: never retry
	ClassLimit          Class = "limit"           // a documented limit was exceeded: never retry automatically
	ClassRateLimited    Class = "rate_limited"    // back off, honour Retry-After, bound attempts
	ClassServer         Class = "server"          // may retry with growing delays, bounded
	ClassNotImplemented Class = "not_implemented" // never retry
	ClassResign         Class = "resign"          // sign a new JWT (new jti) and retry, bounded
	ClassAuthConfig     Class = "auth_config"     // identity provider setup is wrong: never retry
	ClassRefresh        Class = "refresh"         // obtain a new access token and retry once
	ClassAuth           Class = "auth"            // token rejected: never reuse it, at most one new token
	ClassConfig         Class = "config"          // API key restriction setup is wrong: never retry
)

// Retry says how a class of codes may be retried. It is the single mapping the
// reference client, the conformance cases and the linter's switch rule share.
type Retry string

const (
	RetryNever        Retry = "never"         // surface the error, send nothing more
	RetryAfterResign  Retry = "after-resign"  // sign a fresh JWT, then retry (bounded)
	RetryAfterRefresh Retry = "after-refresh" // obtain a new access token, then retry once
	RetryWithBackoff  Retry = "with-backoff"  // wait (Retry-After or growing backoff), bounded
)

// Retry returns how codes of class c may be retried.
func (c Class) Retry() Retry {
	switch c {
	case ClassResign:
		return RetryAfterResign
	case ClassRefresh, ClassReauth:
		return RetryAfterRefresh
	case ClassRateLimited, ClassServer:
		return RetryWithBackoff
	default:
		return RetryNever
	}
}

// Level is the strength of a requirement, as in BEHAVIOURS.md.
type Level string

const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
	INFO   Level = "INFO"
)

// Entry is one documented Knox error code.
type Entry struct {
	Code       Code   `json:"code"`
	Name       string `json:"name"`
	HTTPStatus int    `json:"httpStatus"`
	Family     Family `json:"family"`
	// Meaning is the cause, in this project's words.
	Meaning string `json:"meaning"`
	Class   Class  `json:"class"`
	// Level is the strongest level among the behaviour's requirements.
	Level Level `json:"level"`
	// Behaviour is what a correct client does, from BEHAVIOURS.md.
	Behaviour string `json:"behaviour"`
	// Aliases are other spellings Knox itself uses for the same condition.
	Aliases []Code `json:"aliases,omitempty"`
	Source  string `json:"source"`
}

// Retry is shorthand for e.Class.Retry().
func (e Entry) Retry() Retry { return e.Class.Retry() }

const (
	noRetry      = "MUST NOT retry; surface the code to the caller."
	autNoRetry   = "MUST NOT retry (HTTP 400 request error); SHOULD surface the AUT code to the caller."
	sourceRFC429 = "RFC 6585 §4; RFC 9110 §10.2.3 (Retry-After)"
)

// entries is the catalogue in the order of the documented tables.
var entries = []Entry{
	// Standard HTTP codes.
	{HTTPBadRequest, "Bad Request", 400, FamilyHTTP, "The request is invalid, usually a payload that fails validation.", ClassValidation, MUST,
		"MUST NOT retry. MUST report failure with status 400 and the Knox code from the body when there is one.", nil, TroubleshootingURL},
	{HTTPUnauthorized, "Unauthorized", 401, FamilyHTTP, "The call needs authentication and the request did not carry a valid one.", ClassReauth, MUST,
		"SHOULD obtain a fresh access token and retry once. MUST NOT retry more than once (at most one new token, at most two attempts of the call).", nil, TroubleshootingURL},
	{HTTPForbidden, "Forbidden", 403, FamilyHTTP, "The caller is authenticated but lacks permission for this resource.", ClassPermission, MUST,
		"MUST NOT retry (4032251 ACCESS_TOKEN_EXPIRED excepted).", nil, TroubleshootingURL},
	{HTTPNotFound, "Not Found", 404, FamilyHTTP, "No such path.", ClassNotFound, MUST,
		"MUST NOT retry.", nil, TroubleshootingURL},
	{HTTPNotAcceptable, "Not Acceptable", 406, FamilyHTTP, "The Accept header asks for a media type the server cannot produce.", ClassClientBug, MUST,
		"MUST NOT retry. SHOULD send Accept: application/json on every call.", nil, TroubleshootingURL},
	{HTTPUnprocessableEntity, "Unprocessable Entity", 422, FamilyHTTP, "A well-formed request the server will not process, typically because a limit was exceeded.", ClassLimit, MUST,
		"MUST NOT retry automatically.", nil, TroubleshootingURL},
	{HTTPTooManyRequests, "Too Many Requests", 429, FamilyHTTP, "The caller sent more requests than the time window allows.", ClassRateLimited, MUST,
		"MUST NOT send the next attempt before Retry-After has elapsed (delay-seconds or HTTP-date). MUST back off (delay > 0, SHOULD grow) when it is absent or unparseable. MUST bound attempts. SHOULD give up and report rate_limited when Retry-After exceeds its budget. SHOULD succeed once the server recovers.", nil, TroubleshootingURL + "; " + sourceRFC429},
	{HTTPInternalServerError, "Internal Server Error", 500, FamilyHTTP, "The server failed unexpectedly.", ClassServer, MUST,
		"MAY retry an idempotent call. If it retries: MUST wait > 0 between attempts, MUST bound attempts, SHOULD grow the delay (exponential, with jitter). SHOULD succeed when the fault was transient.", nil, TroubleshootingURL},
	{HTTPNotImplemented, "Not Implemented", 501, FamilyHTTP, "The request is understood but the feature does not exist yet.", ClassNotImplemented, MUST,
		"MUST NOT retry.", nil, TroubleshootingURL},

	// Knox Cloud authentication codes.
	{ResourceInvalidParam, "RESOURCE_INVALID_PARAM", 400, FamilyKnoxCloud, "A parameter of the request is invalid.", ClassValidation, MUST,
		noRetry, nil, TroubleshootingURL},
	{APIKeyNonUniqueJWTID, "API_KEY_NON_UNIQUE_JWTID", 400, FamilyKnoxCloud, "The signed JWT was already used once (its jti was seen before); a newly signed one is needed.", ClassResign, MUST,
		"MUST sign a new client-identifier JWT (new jti, fresh iat/exp, valid RS512 signature) and retry. MUST NOT resend the same JWT bytes. MUST stop after a bounded number of re-signs (at most 3) when the error persists, and surface the code.", nil, TroubleshootingURL},
	{AccessTokenTimeoutValidityResourceInvalidParam, "ACCESS_TOKEN_TIMEOUT_VALIDITY_RESOURCE_INVALID_PARAM", 400, FamilyKnoxCloud, "validityForAccessTokenInMinutes was not sent as a 32-bit integer.", ClassValidation, MUST,
		"MUST NOT retry; surface the code. SHOULD never happen: validityForAccessTokenInMinutes is sent as a JSON integer.", nil, TroubleshootingURL},
	{IDPAuthorizationFail, "IDP_AUTHORIZATION_FAIL", 401, FamilyKnoxCloud, "The Samsung Account app ID could not be authorized.", ClassAuthConfig, MUST,
		noRetry, nil, TroubleshootingURL},
	{AccessTokenBadRequest, "ACCESS_TOKEN_BAD_REQUEST", 401, FamilyKnoxCloud, "The JWT is malformed or its signature does not verify.", ClassValidation, MUST,
		"MUST NOT resend the same JWT; MAY re-sign once; MUST NOT loop. Clients SHOULD treat 40122050, 4012250 and the name alike.", []Code{AccessTokenBadRequestAlias}, TroubleshootingURL},
	{AccessTokenExpired, "ACCESS_TOKEN_EXPIRED", 403, FamilyKnoxCloud, "The access token (or the JWT carrying it) is past its expiry; a new one must be generated.", ClassRefresh, MUST,
		"MUST obtain a new access token (a new accesstoken request with a new jti) and retry the call once with a JWT carrying the new token. MUST NOT refresh more than once per failing call. SHOULD NOT send the call again with the expired token.", nil, TroubleshootingURL},
	{AccessTokenInvalid, "ACCESS_TOKEN_INVALID", 403, FamilyKnoxCloud, "The access token is not valid for this API.", ClassAuth, MUST,
		"MUST NOT retry with the same token. MAY obtain a new token once. MUST NOT loop.", nil, TroubleshootingURL},
	{ResourceNotFound, "RESOURCE_NOT_FOUND", 404, FamilyKnoxCloud, "The addressed resource does not exist.", ClassNotFound, MUST,
		"MUST NOT retry.", nil, TroubleshootingURL},
	{APIKeyRestrictionNotFound, "API_KEY_RESTRICTION_NOT_FOUND", 404, FamilyKnoxCloud, "The API key's IP address or HTTP referer restriction is empty.", ClassConfig, MUST,
		noRetry, nil, TroubleshootingURL},
	{APIKeyRestrictionInvalid, "API_KEY_RESTRICTION_INVALID", 404, FamilyKnoxCloud, "The API key's IP address or HTTP referer restriction does not match.", ClassConfig, MUST,
		noRetry, nil, TroubleshootingURL},

	// Samsung Account token codes.
	{AUT1001, "AUT_1001", 400, FamilySAToken, "client_id is missing or empty.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1002, "AUT_1002", 400, FamilySAToken, "client_secret is missing or empty.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1006, "AUT_1006", 400, FamilySAToken, "code is missing or empty.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1008, "AUT_1008", 400, FamilySAToken, "grant_type is missing or empty.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1010, "AUT_1010", 400, FamilySAToken, "client_id has the wrong length.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1011, "AUT_1011", 400, FamilySAToken, "client_secret has the wrong length.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1015, "AUT_1015", 400, FamilySAToken, "code has the wrong length.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1017, "AUT_1017", 400, FamilySAToken, "grant_type has the wrong length.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1022, "AUT_1022", 400, FamilySAToken, "redirect_uri does not match the expected pattern (registered, URL-encoded).", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1024, "AUT_1024", 400, FamilySAToken, "client_id does not match the expected pattern.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1045, "AUT_1045", 400, FamilySAToken, "redirect_uri has the wrong length.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1702, "AUT_1702", 400, FamilySAToken, "client_secret is not the secret of this client.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1785, "AUT_1785", 400, FamilySAToken, "client_id is not an authenticated client and cannot be issued a token.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},
	{AUT1802, "AUT_1802", 400, FamilySAToken, "The authorization code is wrong, expired or already used.", ClassValidation, MUST,
		autNoRetry + " MUST NOT resend the same authorization code.", nil, TroubleshootingURL},
	{AUT1806, "AUT_1806", 400, FamilySAToken, "client_id differs from the one the authorization code was issued to.", ClassValidation, MUST, autNoRetry, nil, TroubleshootingURL},

	// Samsung Account authorizeToken codes.
	{LIC4101, "LIC_4101", 400, FamilySAAuthorize, "A required header is missing or the authToken is malformed.", ClassValidation, MUST, noRetry, nil, TroubleshootingURL},
	{LIC4102, "LIC_4102", 400, FamilySAAuthorize, "The authToken is not known.", ClassValidation, MUST, noRetry, nil, TroubleshootingURL},
	{LIC4103, "LIC_4103", 400, FamilySAAuthorize, "x-osp-appId is not the client_id the authToken was issued to.", ClassValidation, MUST, noRetry, nil, TroubleshootingURL},
	{LIC5101, "LIC_5101", 500, FamilySAAuthorize, "An unknown or internal error; the request itself is likely valid and may be sent again.", ClassServer, MUST,
		"MAY retry with backoff; MUST bound attempts; SHOULD succeed when the fault was transient.", nil, TroubleshootingURL},
}

var (
	byCode = map[Code]int{}
	byName = map[string]int{}
)

func init() {
	for i, e := range entries {
		byCode[e.Code] = i
		for _, a := range e.Aliases {
			byCode[a] = i
		}
		byName[strings.ToUpper(e.Name)] = i
	}
}

// Catalogue returns every documented code, in the order of the documented tables.
// The slice is a copy; callers may keep or modify it.
func Catalogue() []Entry {
	out := make([]Entry, len(entries))
	copy(out, entries)
	for i := range out {
		out[i].Aliases = append([]Code(nil), out[i].Aliases...)
	}
	return out
}

// Lookup returns the catalogue entry for c, following aliases (4012250 → 40122050).
func Lookup(c Code) (Entry, bool) {
	i, ok := byCode[c]
	if !ok {
		return Entry{}, false
	}
	return entries[i], true
}

// LookupName finds an entry by its documented name (ACCESS_TOKEN_EXPIRED, AUT_1802, Bad Request),
// ignoring case.
func LookupName(name string) (Entry, bool) {
	i, ok := byName[strings.ToUpper(strings.TrimSpace(name))]
	if !ok {
		return Entry{}, false
	}
	return entries[i], true
}

// Families returns the families in documented order.
func Families() []Family {
	return []Family{FamilyHTTP, FamilyKnoxCloud, FamilySAToken, FamilySAAuthorize}
}

// Codes returns every documented code (aliases excluded), sorted as in the catalogue.
func Codes() []Code {
	out := make([]Code, len(entries))
	for i, e := range entries {
		out[i] = e.Code
	}
	return out
}

// AllSpellings returns every documented code and alias, sorted; used by tools that
// must recognise a code however it is written.
func AllSpellings() []Code {
	out := make([]Code, 0, len(byCode))
	for c := range byCode {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Number returns the numeric value of a numeric code (HTTP and Knox Cloud codes).
func (c Code) Number() (int, bool) {
	n, err := strconv.Atoi(string(c))
	return n, err == nil
}

// Canonical maps an alias to the code the catalogue lists; other codes are returned unchanged.
func (c Code) Canonical() Code {
	if e, ok := Lookup(c); ok {
		return e.Code
	}
	return c
}

// Documented reports whether c (or an alias of it) is in the catalogue.
func (c Code) Documented() bool {
	_, ok := byCode[c]
	return ok
}
