package protocol

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// ProtocolVersion is the version of the adapter protocol this package speaks.
const ProtocolVersion = 1

// Message types. A request carries one of the request types; the adapter answers
// each request with exactly one response echoing its id.
const (
	TypeHello       = "hello"       // request and response
	TypeNewClient   = "newClient"   // request
	TypeInvoke      = "invoke"      // request
	TypeCloseClient = "closeClient" // request
	TypeBye         = "bye"         // request
	TypePing        = "ping"        // request: liveness, only to adapters that declare FeaturePing
	TypeOK          = "ok"          // response to newClient, closeClient, bye, ping
	TypeResult      = "result"      // response to invoke
	TypeSkip        = "skip"        // response: the adapter cannot run this
	TypeError       = "error"       // response: the adapter failed to handle the request
)

// Features an adapter may declare in its hello answer.
const (
	// FeatureConcurrency: several invokes may be in flight at once.
	FeatureConcurrency = "concurrency"
	// FeaturePing: the adapter answers ping with ok at once, even while invokes
	// (and a newClient) are in flight, so the suite can tell a client that
	// never gives up from an adapter that answers nothing at all. Serve
	// declares it and answers ping itself.
	FeaturePing = "ping"
)

// Op is an operation a client can be asked to perform.
type Op string

const (
	OpAccessToken    Op = "knox.accessToken"
	OpListDevices    Op = "kme.listDevices"
	OpDeleteDevices  Op = "kme.deleteDevices"
	OpExchangeCode   Op = "sa.exchangeCode"
	OpAuthorizeToken Op = "sa.authorizeToken"
)

// Ops lists every v1 operation, the first five and then ServiceOps.
func Ops() []Op {
	return append([]Op{OpAccessToken, OpListDevices, OpDeleteDevices, OpExchangeCode, OpAuthorizeToken}, ServiceOps()...)
}

// Request is the envelope of every suite → adapter line.
type Request struct {
	V      int             `json:"v"`
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Params json.RawMessage `json:"params,omitempty"`
}

// Response is the envelope of every adapter → suite line.
type Response struct {
	// V is the protocol version; optional in responses (Serve always sets it).
	V      int             `json:"v,omitempty"`
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Result json.RawMessage `json:"result,omitempty"`
	// Reason explains a skip.
	Reason string `json:"reason,omitempty"`
	// Message explains an error.
	Message string `json:"message,omitempty"`
}

// HelloParams opens a session.
type HelloParams struct {
	Protocol int `json:"protocol"`
}

// Software names a program and its version.
type Software struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Lang    string `json:"lang,omitempty"`
}

// HelloResult describes the adapter and the client behind it.
type HelloResult struct {
	Protocol   int      `json:"protocol"`
	Adapter    Software `json:"adapter"`
	Client     Software `json:"client"`
	Operations []Op     `json:"operations"`
	// Features are optional capabilities, e.g. "concurrency" (several invokes in flight).
	Features []string `json:"features,omitempty"`
	// AuthSchemes and Services say what the client supports (AuthSchemes(),
	// Services()); absent means DefaultAuthSchemes and DefaultServices.
	AuthSchemes []string `json:"authSchemes,omitempty"`
	Services    []string `json:"services,omitempty"`
}

// Endpoints are the base URLs a client is bound to.
type Endpoints struct {
	KnoxBaseURL    string `json:"knoxBaseURL"`
	SATokenURL     string `json:"saTokenURL"`
	SAAuthorizeURL string `json:"saAuthorizeURL"`
	// APIBaseURL is the base of the OAuth 2.0 token server and the newer APIs
	// (api.samsungknox.com in production).
	APIBaseURL string `json:"apiBaseURL,omitempty"`
}

// Credentials are the client's secrets and identifiers. KeysFile is a path to keys.json.
type Credentials struct {
	KeysFile         string `json:"keysFile"`
	ClientIdentifier string `json:"clientIdentifier"`
	SAClientID       string `json:"saClientId"`
	SAClientSecret   string `json:"saClientSecret"`
	SARedirectURI    string `json:"saRedirectUri"`
	SAAppID          string `json:"saAppId"`
	// OAuth 2.0: the registered client, its redirect URI, and for an MSP the
	// managed customer to send as x-wsm-managed-tenantid.
	OAuthClientID     string `json:"oauthClientId,omitempty"`
	OAuthClientSecret string `json:"oauthClientSecret,omitempty"`
	OAuthRedirectURI  string `json:"oauthRedirectUri,omitempty"`
	OAuthTenantID     string `json:"oauthTenantId,omitempty"`
}

// ClientConfig is advice a client may honour to keep runs short. Zero means "your default".
type ClientConfig struct {
	MaxAttempts int `json:"maxAttempts,omitempty"`
	BaseDelayMs int `json:"baseDelayMs,omitempty"`
	MaxDelayMs  int `json:"maxDelayMs,omitempty"`
	// TimeoutMs bounds one whole operation, retries included.
	TimeoutMs int `json:"timeoutMs,omitempty"`
	// MaxRetryAfterMs is the longest Retry-After the client should be willing to wait.
	MaxRetryAfterMs int `json:"maxRetryAfterMs,omitempty"`
}

// NewClientParams asks for a fresh client instance bound to a server.
type NewClientParams struct {
	Client      string       `json:"client"`
	Endpoints   Endpoints    `json:"endpoints"`
	Credentials Credentials  `json:"credentials"`
	CAFile      string       `json:"caFile,omitempty"`
	Config      ClientConfig `json:"config"`
}

// NewClientResult is what newClient's ok may carry (its "result"; absent is
// the zero value). A v1 adapter that sends no result promises that its client
// honours config.timeoutMs.
type NewClientResult struct {
	// TimeoutMs declares the client's own operation timeout, when the client
	// keeps one instead of honouring config.timeoutMs (1..MaxDeclaredTimeoutMs;
	// 0 or absent: it honours config.timeoutMs). The suite then judges "gave
	// up within its configured timeout" against this value and waits for it.
	TimeoutMs int `json:"timeoutMs,omitempty"`
}

// InvokeParams asks a client to perform one operation.
type InvokeParams struct {
	Client string          `json:"client"`
	Op     Op              `json:"op"`
	Params json.RawMessage `json:"params,omitempty"`
}

// CloseClientParams releases a client.
type CloseClientParams struct {
	Client string `json:"client"`
}

// Operation parameters and values.
type (
	ListDevicesParams struct {
		PageNum int `json:"pageNum"`
	}
	ListDevicesValue struct {
		TotalCount int `json:"totalCount"`
		Devices    int `json:"devices"`
	}
	DeleteDevicesParams struct {
		Devices []string `json:"devices"`
	}
	DeleteDevicesValue struct {
		Success  int `json:"success"`
		Failed   int `json:"failed"`
		NotFound int `json:"notFound"`
	}
	ExchangeCodeParams struct {
		Code string `json:"code"`
	}
	// AuthorizeTokenParams: AuthToken "" means the Samsung Account token the last
	// successful sa.exchangeCode of this client obtained.
	AuthorizeTokenParams struct {
		AuthToken string `json:"authToken,omitempty"`
	}
)

// Outcome is what a client reports for one invoke.
type Outcome struct {
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value,omitempty"`
	Error *OutcomeError   `json:"error,omitempty"`
}

// OutcomeError is a failure the client surfaced to its caller.
type OutcomeError struct {
	Kind       knoxerr.Kind `json:"kind"`
	HTTPStatus int          `json:"httpStatus,omitempty"`
	// Code is the Knox code the client surfaced ("4032251", "AUT_1802"), "" if none.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// SkipError is returned by an adapter that cannot run an operation or a case; the
// suite reports UNSUPPORTED, never FAIL.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skip returns a *SkipError.
func Skip(format string, args ...any) error { return &SkipError{Reason: fmt.Sprintf(format, args...)} }

// Adapter is the protocol seen as a Go interface. A Go adapter implements it and
// hands it to Serve; the suite drives any Target through the same methods.
// Invoke may be called concurrently.
type Adapter interface {
	Hello(ctx context.Context, p HelloParams) (HelloResult, error)
	NewClient(ctx context.Context, p NewClientParams) error
	Invoke(ctx context.Context, p InvokeParams) (Outcome, error)
	CloseClient(ctx context.Context, p CloseClientParams) error
}

// ClientOpener is an optional interface of an Adapter whose clients keep their
// own operation timeout: Serve calls OpenClient instead of NewClient and sends
// the result in newClient's ok answer.
type ClientOpener interface {
	OpenClient(ctx context.Context, p NewClientParams) (NewClientResult, error)
}
