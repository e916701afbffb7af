package target

import (
	"context"
	"io"
	"net"

	"github.com/knoxconform/knoxconform/protocol"
)

// The protocol's types, constants and adapter-side functions live in package
// protocol, which a Go adapter can import alone (it links nothing but the
// standard library and knoxerr, so 32 adapters start fast). They are offered
// here under the same names, so the suite's code and adapters written against
// this package keep working unchanged.

type (
	Adapter                 = protocol.Adapter
	AuthorizeTokenParams    = protocol.AuthorizeTokenParams
	ClientConfig            = protocol.ClientConfig
	ClientOpener            = protocol.ClientOpener
	CloseClientParams       = protocol.CloseClientParams
	Credentials             = protocol.Credentials
	DeleteDevicesParams     = protocol.DeleteDevicesParams
	DeleteDevicesValue      = protocol.DeleteDevicesValue
	Endpoints               = protocol.Endpoints
	ExchangeCodeParams      = protocol.ExchangeCodeParams
	GuardCommandParams      = protocol.GuardCommandParams
	GuardCommandValue       = protocol.GuardCommandValue
	HelloParams             = protocol.HelloParams
	HelloResult             = protocol.HelloResult
	InvokeParams            = protocol.InvokeParams
	KCListDevicesParams     = protocol.KCListDevicesParams
	KCListDevicesValue      = protocol.KCListDevicesValue
	ListDevicesParams       = protocol.ListDevicesParams
	ListDevicesValue        = protocol.ListDevicesValue
	NewClientParams         = protocol.NewClientParams
	NewClientResult         = protocol.NewClientResult
	OAuthExchangeCodeParams = protocol.OAuthExchangeCodeParams
	OAuthTokenParams        = protocol.OAuthTokenParams
	OAuthTokenValue         = protocol.OAuthTokenValue
	Op                      = protocol.Op
	Outcome                 = protocol.Outcome
	OutcomeError            = protocol.OutcomeError
	Request                 = protocol.Request
	Response                = protocol.Response
	SkipError               = protocol.SkipError
	Software                = protocol.Software
)

const (
	FeatureConcurrency   = protocol.FeatureConcurrency
	FeaturePing          = protocol.FeaturePing
	MaxLineBytes         = protocol.MaxLineBytes
	OpAccessToken        = protocol.OpAccessToken
	OpAuthorizeToken     = protocol.OpAuthorizeToken
	OpDeleteDevices      = protocol.OpDeleteDevices
	OpExchangeCode       = protocol.OpExchangeCode
	OpKCListDevices      = protocol.OpKCListDevices
	OpKGLock             = protocol.OpKGLock
	OpKGSendMessage      = protocol.OpKGSendMessage
	OpKGUnlock           = protocol.OpKGUnlock
	OpListDevices        = protocol.OpListDevices
	OpOAuthExchangeCode  = protocol.OpOAuthExchangeCode
	OpOAuthRefresh       = protocol.OpOAuthRefresh
	OpOAuthRevoke        = protocol.OpOAuthRevoke
	OpOAuthToken         = protocol.OpOAuthToken
	ProtocolVersion      = protocol.ProtocolVersion
	SchemeKnoxCloud      = protocol.SchemeKnoxCloud
	SchemeOAuth2         = protocol.SchemeOAuth2
	SchemeSamsungAccount = protocol.SchemeSamsungAccount
	ServiceKC            = protocol.ServiceKC
	ServiceKG            = protocol.ServiceKG
	ServiceKME           = protocol.ServiceKME
	TypeBye              = protocol.TypeBye
	TypeCloseClient      = protocol.TypeCloseClient
	TypeError            = protocol.TypeError
	TypeHello            = protocol.TypeHello
	TypeInvoke           = protocol.TypeInvoke
	TypeNewClient        = protocol.TypeNewClient
	TypeOK               = protocol.TypeOK
	TypePing             = protocol.TypePing
	TypeResult           = protocol.TypeResult
	TypeSkip             = protocol.TypeSkip
)

// AuthSchemes lists every scheme an adapter may declare.
func AuthSchemes() []string { return protocol.AuthSchemes() }

// DefaultAuthSchemes is what a hello without authSchemes declares.
func DefaultAuthSchemes() []string { return protocol.DefaultAuthSchemes() }

// DefaultServices is what a hello without services declares.
func DefaultServices() []string { return protocol.DefaultServices() }

// OpParams returns a pointer to a zero value of op's parameter type, or nil when
// op takes no parameters.
func OpParams(op Op) any { return protocol.OpParams(op) }

// OpValue returns a pointer to a zero value of the type of op's successful value,
// or nil when op's value is free-form.
func OpValue(op Op) any { return protocol.OpValue(op) }

// Ops lists every v1 operation.
func Ops() []Op { return protocol.Ops() }

// ServiceOps lists the operations of the newer schemes and services.
func ServiceOps() []Op { return protocol.ServiceOps() }

// RequestTypes lists the request types of protocol v1, in session order.
func RequestTypes() []string { return protocol.RequestTypes() }

// Services lists every service an adapter may declare.
func Services() []string { return protocol.Services() }

// Skip returns a *SkipError.
func Skip(format string, args ...any) error { return protocol.Skip(format, args...) }

// schemaChecks make this package's Serve validate every request, and every
// outcome the adapter builds, against the protocol's JSON Schemas, so an
// adapter written against it hears about a mistake from the adapter side too.
var schemaChecks = protocol.Checks{
	Request: func(line []byte) error { _, err := ValidateRequest(line); return err },
	Outcome: CheckOutcome,
}

// Serve speaks protocol v1 for a on the adapter side (protocol.Serve), with
// every request and every outcome validated against the JSON Schemas.
func Serve(ctx context.Context, a Adapter, in io.Reader, out io.Writer) error {
	return schemaChecks.Serve(ctx, a, in, out)
}

// ServeStdio runs Serve on stdin/stdout, for an adapter's main package
// (protocol.ServeStdio, with the schema checks of Serve).
func ServeStdio(a Adapter) { schemaChecks.ServeStdio(a) }

// ServeListener runs one Serve per connection accepted on ln, until ctx ends
// (protocol.ServeListener, with the schema checks of Serve).
func ServeListener(ctx context.Context, a Adapter, ln net.Listener) error {
	return schemaChecks.ServeListener(ctx, a, ln)
}

// ServeTCP listens on addr and serves suite connections until ctx ends
// (protocol.ServeTCP, with the schema checks of Serve).
func ServeTCP(ctx context.Context, a Adapter, addr string) error {
	return schemaChecks.ServeTCP(ctx, a, addr)
}

// Main is a complete adapter main (protocol.Main, with the schema checks of
// Serve): stdio, or TCP with -listen HOST:PORT.
func Main(a Adapter) { schemaChecks.Main(a) }
