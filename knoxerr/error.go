package knoxerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Shape names the error-body layout a response used.
type Shape string

const (
	ShapeClassic Shape = "classic" // {errorId?, code, message, data}, code numeric or string
	ShapeArray   Shape = "array"   // {code:[…], message:[…], data:[…]} (KBA-1242 variant)
	ShapeResult  Shape = "result"  // {result:"FAIL", error:{code, message, reason}} (Knox Guard, KAI)
	ShapeOAuth   Shape = "oauth"   // {error, error_description} (RFC 6749 §5.2)
	ShapeEmpty   Shape = "empty"   // no body: only the HTTP status is known
	ShapeOpaque  Shape = "opaque"  // HTML, text or JSON of no known layout: only the HTTP status is known
)

// Kind is the coarse category of a failure, as the adapter protocol reports it.
type Kind string

const (
	KindValidation     Kind = "validation"
	KindAuth           Kind = "auth"
	KindForbidden      Kind = "forbidden"
	KindNotFound       Kind = "not_found"
	KindRateLimited    Kind = "rate_limited"
	KindServer         Kind = "server"
	KindNotImplemented Kind = "not_implemented"
	KindNetwork        Kind = "network"
	KindTimeout        Kind = "timeout"
	KindCancelled      Kind = "cancelled"
	KindUnknown        Kind = "unknown"
)

// Kinds lists every Kind, in protocol order.
func Kinds() []Kind {
	return []Kind{KindValidation, KindAuth, KindForbidden, KindNotFound, KindRateLimited, KindServer,
		KindNotImplemented, KindNetwork, KindTimeout, KindCancelled, KindUnknown}
}

// Error is a Knox error response, decoded.
type Error struct {
	// HTTPStatus is the status line's code.
	HTTPStatus int
	// Code is the Knox code, canonicalised (4012250 becomes 40122050). When the body
	// carries no code, it is the HTTP status ("503").
	Code Code
	// RawCode is the code exactly as the body spelled it, "" when there was none.
	RawCode string
	// Name is the symbolic message (ACCESS_TOKEN_EXPIRED, invalid_client), when given.
	Name string
	// Detail is the human text: data, reason or error_description.
	Detail string
	// Shape is the body layout the code was read from.
	Shape Shape
	// RetryAfter is the Retry-After header as sent, "" when absent.
	RetryAfter string
}

// New returns an Error for a catalogue code, with the status and name the catalogue gives.
func New(c Code, detail string) *Error {
	e := &Error{Code: c.Canonical(), RawCode: string(c), Detail: detail, Shape: ShapeClassic}
	if ent, ok := Lookup(c); ok {
		e.HTTPStatus, e.Name = ent.HTTPStatus, ent.Name
	} else if n, ok := c.Number(); ok && n >= 100 && n < 600 {
		e.HTTPStatus = n
	}
	return e
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "knox: HTTP %d", e.HTTPStatus)
	if e.Code != "" && string(e.Code) != strconv.Itoa(e.HTTPStatus) {
		fmt.Fprintf(&b, " code %s", e.Code)
	}
	if e.Name != "" {
		fmt.Fprintf(&b, " %s", e.Name)
	}
	if e.Detail != "" && e.Detail != e.Name {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	return b.String()
}

// Entry returns the catalogue entry of e's code, falling back to its HTTP status.
func (e *Error) Entry() (Entry, bool) {
	if ent, ok := Lookup(e.Code); ok {
		return ent, true
	}
	if ent, ok := LookupOAuth(e.Code); ok {
		return ent, true
	}
	if e.Name != "" {
		if ent, ok := LookupName(e.Name); ok && ent.Family != FamilyHTTP {
			return ent, true
		}
	}
	return Lookup(Code(strconv.Itoa(e.HTTPStatus)))
}

// Class returns how a client should treat e; unknown codes are classed by HTTP status
// (any other 5xx is ClassServer, any other 4xx ClassValidation).
func (e *Error) Class() Class {
	if ent, ok := e.Entry(); ok {
		return ent.Class
	}
	switch {
	case e.HTTPStatus == http.StatusServiceUnavailable:
		return ClassRateLimited
	case e.HTTPStatus >= 500:
		return ClassServer
	default:
		return ClassValidation
	}
}

// Kind maps e to the adapter protocol's failure kind.
func (e *Error) Kind() Kind {
	switch e.Class() {
	case ClassRateLimited:
		// A 503 counts as rate limiting only when it says when to come back.
		if e.HTTPStatus == http.StatusTooManyRequests || e.RetryAfter != "" {
			return KindRateLimited
		}
		return KindServer
	case ClassServer:
		return KindServer
	case ClassNotImplemented:
		return KindNotImplemented
	case ClassNotFound, ClassConfig:
		return KindNotFound
	case ClassReauth, ClassRefresh, ClassAuth, ClassAuthConfig, ClassResign:
		return KindAuth
	case ClassPermission:
		return KindForbidden
	default:
		if e.HTTPStatus == http.StatusUnauthorized {
			return KindAuth
		}
		return KindValidation
	}
}

// CodeOf returns the Code of the first *Error in err's chain, "" when there is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsCode reports whether err carries code c (aliases compare equal).
func IsCode(err error, c Code) bool {
	got := CodeOf(err)
	return got != "" && got.Canonical() == c.Canonical()
}

// MaxBody is how much of an error body Parse reads.
const MaxBody = 64 << 10

// FromResponse reads (at most MaxBody of) resp.Body and returns the Knox error it
// carries, or nil for a 2xx or 3xx response. The body is consumed but not closed.
func FromResponse(resp *http.Response) *Error {
	if resp.StatusCode < 400 {
		return nil
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(http.MaxBytesReader(nil, resp.Body, MaxBody))
	return Parse(resp.StatusCode, resp.Header, buf.Bytes())
}

// Parse decodes an error response of any shape Knox uses. It never fails: a body it
// cannot read yields an Error that carries only the HTTP status. It returns nil for
// a status below 400.
func Parse(status int, header http.Header, body []byte) *Error {
	if status < 400 {
		return nil
	}
	e := &Error{HTTPStatus: status, Shape: ShapeOpaque}
	if header != nil {
		e.RetryAfter = header.Get("Retry-After")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		e.Shape = ShapeEmpty
	} else if trimmed[0] == '{' {
		parseJSON(e, trimmed)
	}
	if e.Code == "" {
		e.Code = Code(strconv.Itoa(status))
		if e.Name != "" {
			if ent, ok := LookupName(e.Name); ok && ent.Family != FamilyHTTP {
				e.Code = ent.Code
			}
		}
	}
	return e
}

// body is the union of every JSON layout Knox error responses use.
type body struct {
	Code             json.RawMessage `json:"code"`
	Message          json.RawMessage `json:"message"`
	Data             json.RawMessage `json:"data"`
	Result           string          `json:"result"`
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	ErrorCode        json.RawMessage `json:"errorCode"`
	ErrorMessage     string          `json:"errorMessage"`
}

type resultError struct {
	Code    json.RawMessage `json:"code"`
	Message json.RawMessage `json:"message"`
	Reason  json.RawMessage `json:"reason"`
}

func parseJSON(e *Error, raw []byte) {
	var b body
	if json.Unmarshal(raw, &b) != nil {
		return
	}
	switch {
	case len(b.Error) > 0 && b.Error[0] == '{':
		var re resultError
		if json.Unmarshal(b.Error, &re) != nil {
			return
		}
		e.Shape = ShapeResult
		setCode(e, scalar(re.Code))
		e.Name, e.Detail = scalar(re.Message), scalar(re.Reason)
	case len(b.Error) > 0 && b.Error[0] == '"':
		e.Shape = ShapeOAuth
		name := scalar(b.Error)
		e.Name, e.Detail = name, b.ErrorDescription
		if isSACode(name) {
			setCode(e, name)
		} else if ent, ok := LookupOAuth(Code(name)); ok {
			// An RFC 6749 error is the code: invalid_grant, not "400".
			e.RawCode, e.Code = name, ent.Code
		}
	case len(b.Code) > 0 && b.Code[0] == '[':
		e.Shape = ShapeArray
		setCode(e, first(b.Code))
		e.Name, e.Detail = first(b.Message), first(b.Data)
	case len(b.Code) > 0:
		e.Shape = ShapeClassic
		setCode(e, scalar(b.Code))
		e.Name, e.Detail = scalar(b.Message), scalar(b.Data)
	case len(b.ErrorCode) > 0:
		e.Shape = ShapeClassic
		setCode(e, scalar(b.ErrorCode))
		e.Detail = b.ErrorMessage
	}
	if e.Detail == "" && e.Name != "" && e.Shape == ShapeClassic && isSACode(string(e.Code)) {
		// AUT_/LIC_ bodies put the explanation in message.
		e.Detail, e.Name = e.Name, ""
	}
}

func setCode(e *Error, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	e.RawCode = s
	e.Code = Code(strings.ToUpper(s)).Canonical()
}

func isSACode(s string) bool {
	s = strings.ToUpper(s)
	return strings.HasPrefix(s, "AUT_") || strings.HasPrefix(s, "LIC_")
}

// scalar renders a JSON string or number as text; anything else as "".
func scalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) == nil {
		return n.String()
	}
	return ""
}

func first(raw json.RawMessage) string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return scalar(raw)
	}
	return scalar(list[0])
}

// ParseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): delay-seconds or an
// HTTP-date, relative to now. ok is false for an absent or unparseable value; a date
// in the past gives 0 with ok true.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 63); err == nil {
		const maxSeconds = int64(1<<63-1) / int64(time.Second)
		if int64(n) > maxSeconds {
			return time.Duration(maxSeconds) * time.Second, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}
