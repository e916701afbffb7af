package knoxerr

import (
	"strings"
)

// The OAuth 2.0 error family. Knox's OAuth 2.0 token server
// (POST /ams/v1/oauth2/token) answers RFC 6749 §5.2 error bodies
// {error, error_description}; resource calls with a Bearer token answer RFC 6750
// §3.1 errors. Knox's troubleshooting page lists none of these, so they are kept
// out of the 38 documented codes (Catalogue, Lookup): tools that look for
// hard-coded Knox codes must not mistake the RFC's error names in any OAuth
// library for Knox codes. OAuthCatalogue and LookupOAuth are their own entry
// points, and Error.Entry consults them.

// FamilyOAuth is an OAuth 2.0 error (RFC 6749 §5.2, RFC 6750 §3.1).
const FamilyOAuth Family = "oauth2"

// OAuth 2.0 error codes, as the error field of the body spells them.
const (
	OAuthInvalidRequest       Code = "invalid_request"
	OAuthInvalidClient        Code = "invalid_client"
	OAuthInvalidGrant         Code = "invalid_grant"
	OAuthUnauthorizedClient   Code = "unauthorized_client"
	OAuthUnsupportedGrantType Code = "unsupported_grant_type"
	OAuthInvalidScope         Code = "invalid_scope"
	// OAuthInvalidToken and OAuthInsufficientScope are RFC 6750 §3.1 errors of
	// resource calls made with a Bearer token.
	OAuthInvalidToken      Code = "invalid_token"
	OAuthInsufficientScope Code = "insufficient_scope"
)

// OAuth 2.0 sources.
const (
	SourceOAuth     = "https://docs.samsungknox.com/dev/knox-cloud-authentication/knox-oauth-2-0-authentication/ ; RFC 6749 §5.2"
	SourceOAuthUEM  = "https://docs.samsungknox.com/dev/knox-cloud-authentication/knox-oauth-2-0-authentication/for-uem-partners/step-2-get-access-and-refresh-tokens ; RFC 6749 §4.1.2, §5.2"
	SourceBearer    = "RFC 6750 §3.1"
	oauthNoRetry    = "MUST NOT retry the same request; surface the OAuth error code to the caller."
	oauthGrantRetry = "MUST NOT resend the authorization code or refresh token that was refused (single use); surface invalid_grant and ask the caller for a new grant."
)

var oauthEntries = []Entry{
	{OAuthInvalidRequest, "invalid_request", 400, FamilyOAuth,
		"A required form field is missing, repeated or malformed (including expires_in out of range and a PKCE code_verifier that does not match).",
		ClassValidation, MUST, oauthNoRetry, nil, SourceOAuth},
	{OAuthInvalidClient, "invalid_client", 401, FamilyOAuth,
		"The client could not be authenticated: unknown client_id, wrong client_secret, or no client authentication.",
		ClassValidation, MUST, oauthNoRetry, nil, SourceOAuth},
	{OAuthInvalidGrant, "invalid_grant", 400, FamilyOAuth,
		"The authorization code or refresh token is unknown, expired, already used, revoked, or was issued to another client or redirect_uri.",
		ClassValidation, MUST, oauthGrantRetry, nil, SourceOAuthUEM},
	{OAuthUnauthorizedClient, "unauthorized_client", 400, FamilyOAuth,
		"The client is not allowed to use this grant type.",
		ClassValidation, MUST, oauthNoRetry, nil, SourceOAuth},
	{OAuthUnsupportedGrantType, "unsupported_grant_type", 400, FamilyOAuth,
		"The token server does not support this grant_type.",
		ClassValidation, MUST, oauthNoRetry, nil, SourceOAuth},
	{OAuthInvalidScope, "invalid_scope", 400, FamilyOAuth,
		"The requested scope is unknown or exceeds what the client was granted.",
		ClassValidation, MUST, oauthNoRetry, nil, SourceOAuth},
	{OAuthInvalidToken, "invalid_token", 401, FamilyOAuth,
		"The Bearer token is expired, revoked or not one the server issued.",
		ClassReauth, MUST, "MUST obtain one new token and retry the call once; MUST NOT loop; never send the rejected token again.", nil, SourceBearer},
	{OAuthInsufficientScope, "insufficient_scope", 403, FamilyOAuth,
		"The Bearer token lacks the scope the route needs.",
		ClassPermission, MUST, "MUST NOT retry; surface the error (the client's scope configuration must change).", nil, SourceBearer},
}

// OAuthCatalogue returns the OAuth 2.0 error family, in RFC order. The slice is a copy.
func OAuthCatalogue() []Entry {
	out := make([]Entry, len(oauthEntries))
	copy(out, oauthEntries)
	return out
}

// LookupOAuth returns the entry of an OAuth 2.0 error code (case-insensitive).
func LookupOAuth(c Code) (Entry, bool) {
	want := strings.ToLower(strings.TrimSpace(string(c)))
	for _, e := range oauthEntries {
		if string(e.Code) == want {
			return e, true
		}
	}
	return Entry{}, false
}

// IsOAuth reports whether c is an OAuth 2.0 error code of the family.
func (c Code) IsOAuth() bool {
	_, ok := LookupOAuth(c)
	return ok
}

// oauthConstNames names the Go constants of the family, for docs.
var oauthConstNames = map[Code]string{
	OAuthInvalidRequest: "OAuthInvalidRequest", OAuthInvalidClient: "OAuthInvalidClient",
	OAuthInvalidGrant: "OAuthInvalidGrant", OAuthUnauthorizedClient: "OAuthUnauthorizedClient",
	OAuthUnsupportedGrantType: "OAuthUnsupportedGrantType", OAuthInvalidScope: "OAuthInvalidScope",
	OAuthInvalidToken: "OAuthInvalidToken", OAuthInsufficientScope: "OAuthInsufficientScope",
}
