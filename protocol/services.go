package protocol

import (
	"slices"
)

// The protocol grows compatibly (still version 1): an adapter may declare in
// hello which authentication schemes and Knox services its client supports, and
// may list the operations below. A hello without authSchemes or services means
// what every adapter supported before they existed: legacy Knox Cloud
// Authentication and Samsung Account, and Knox Mobile Enrollment. A case that
// needs a scheme, service or operation the adapter does not declare is
// UNSUPPORTED, never FAIL.

// Authentication schemes.
const (
	// SchemeKnoxCloud is legacy Knox Cloud Authentication: keys.json, a signed
	// Client Identifier JWT, x-knox-apitoken.
	SchemeKnoxCloud = "knox-cloud-auth"
	// SchemeSamsungAccount is the UEM partner's Samsung Account flow.
	SchemeSamsungAccount = "samsung-account"
	// SchemeOAuth2 is Knox OAuth 2.0 (POST /ams/v1/oauth2/token, Bearer).
	SchemeOAuth2 = "oauth2"
)

// Knox services.
const (
	ServiceKME = "kme" // Knox Mobile Enrollment
	ServiceKC  = "kc"  // Knox Configure (v2, OAuth 2.0)
	ServiceKG  = "kg"  // Knox Guard (legacy authentication)
)

// AuthSchemes lists every scheme an adapter may declare.
func AuthSchemes() []string { return []string{SchemeKnoxCloud, SchemeSamsungAccount, SchemeOAuth2} }

// Services lists every service an adapter may declare.
func Services() []string { return []string{ServiceKME, ServiceKC, ServiceKG} }

// DefaultAuthSchemes is what a hello without authSchemes declares.
func DefaultAuthSchemes() []string { return []string{SchemeKnoxCloud, SchemeSamsungAccount} }

// DefaultServices is what a hello without services declares.
func DefaultServices() []string { return []string{ServiceKME} }

// DeclaredSchemes returns the schemes h declares, the defaults when it is silent.
func (h HelloResult) DeclaredSchemes() []string {
	if h.AuthSchemes == nil {
		return DefaultAuthSchemes()
	}
	return slices.Clone(h.AuthSchemes)
}

// DeclaredServices returns the services h declares, the defaults when it is silent.
func (h HelloResult) DeclaredServices() []string {
	if h.Services == nil {
		return DefaultServices()
	}
	return slices.Clone(h.Services)
}

// Operations of OAuth 2.0, Knox Configure and Knox Guard.
const (
	// OpOAuthToken obtains an access token with client_credentials.
	OpOAuthToken Op = "oauth.token"
	// OpOAuthExchangeCode exchanges an authorization code (authorization_code grant).
	OpOAuthExchangeCode Op = "oauth.exchangeCode"
	// OpOAuthRefresh renews the access token with the refresh token the client holds.
	OpOAuthRefresh Op = "oauth.refresh"
	// OpOAuthRevoke revokes the client's tokens.
	OpOAuthRevoke Op = "oauth.revoke"
	// OpKCListDevices lists every Knox Configure device, following the cursor.
	OpKCListDevices Op = "kc.listDevices"
	// OpKGLock, OpKGUnlock and OpKGSendMessage are Knox Guard device commands.
	OpKGLock        Op = "kg.lock"
	OpKGUnlock      Op = "kg.unlock"
	OpKGSendMessage Op = "kg.sendMessage"
)

// ServiceOps lists the operations added to protocol v1 for OAuth 2.0 and the
// newer services.
func ServiceOps() []Op {
	return []Op{OpOAuthToken, OpOAuthExchangeCode, OpOAuthRefresh, OpOAuthRevoke, OpKCListDevices,
		OpKGLock, OpKGUnlock, OpKGSendMessage}
}

// Operation parameters and values of the newer operations.
type (
	// OAuthTokenParams: Scope "" means the scope the client is configured with
	// for its calls (kc.devices:view for Knox Configure).
	OAuthTokenParams struct {
		Scope string `json:"scope,omitempty"`
	}
	// OAuthExchangeCodeParams: CodeVerifier is the PKCE verifier that belongs to
	// the code_challenge the code was requested with, "" without PKCE.
	OAuthExchangeCodeParams struct {
		Code         string `json:"code"`
		CodeVerifier string `json:"codeVerifier,omitempty"`
	}
	// OAuthTokenValue is what a token operation reports (never the token).
	OAuthTokenValue struct {
		ExpiresIn int    `json:"expiresIn"`
		Scope     string `json:"scope,omitempty"`
	}
	// KCListDevicesParams: PageSize 0 is the client's default.
	KCListDevicesParams struct {
		PageSize int `json:"pageSize,omitempty"`
	}
	KCListDevicesValue struct {
		TotalCount int `json:"totalCount"`
		Devices    int `json:"devices"`
		Pages      int `json:"pages"`
	}
	// GuardCommandParams names the devices (IMEI or serial): one device is a
	// single command, several a bulk.
	GuardCommandParams struct {
		Devices []string `json:"devices"`
		Message string   `json:"message,omitempty"`
	}
	// GuardCommandValue counts the per-device results of the answer.
	GuardCommandValue struct {
		Success int `json:"success"`
		Failed  int `json:"failed"`
	}
)
