package target

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// MaxLineBytes bounds one protocol line in either direction. A longer line is a
// protocol violation: the reader stops instead of buffering without limit.
const MaxLineBytes = 1 << 20

// responseTypes says which response types may answer each request type.
var responseTypes = map[string][]string{
	TypeHello:       {TypeHello, TypeError},
	TypeNewClient:   {TypeOK, TypeSkip, TypeError},
	TypeInvoke:      {TypeResult, TypeSkip, TypeError},
	TypeCloseClient: {TypeOK, TypeError},
	TypeBye:         {TypeOK, TypeError},
}

// responseFields lists the fields each response type may carry.
var responseFields = map[string][]string{
	TypeHello:  {"v", "id", "type", "result"},
	TypeOK:     {"v", "id", "type"},
	TypeResult: {"v", "id", "type", "result"},
	TypeSkip:   {"v", "id", "type", "reason"},
	TypeError:  {"v", "id", "type", "message"},
}

// RequestTypes lists the request types of protocol v1, in session order.
func RequestTypes() []string {
	return []string{TypeHello, TypeNewClient, TypeInvoke, TypeCloseClient, TypeBye}
}

// ResponseTypesFor lists the response types that may answer a request of type reqType.
func ResponseTypesFor(reqType string) []string { return slices.Clone(responseTypes[reqType]) }

// ValidateRequest checks one suite → adapter line against protocol v1 and returns
// the decoded envelope. Params are checked for the request's type (and, for
// invoke, for the operation).
func ValidateRequest(line []byte) (Request, error) {
	var req Request
	obj, err := decodeObject(line)
	if err != nil {
		return req, err
	}
	if err := requireFields(obj, "v", "id", "type"); err != nil {
		return req, err
	}
	if err := strictDecode(line, &req); err != nil {
		return req, err
	}
	if req.V != ProtocolVersion {
		return req, fmt.Errorf(`field "v" is %d, this suite speaks protocol %d`, req.V, ProtocolVersion)
	}
	if req.ID == "" {
		return req, fmt.Errorf(`field "id" is empty: every request needs an id to match its response`)
	}
	if _, ok := responseTypes[req.Type]; !ok {
		return req, fmt.Errorf(`field "type" is %q, want one of %q`, req.Type, RequestTypes())
	}
	return req, checkParams(req.Type, req.Params)
}

// checkParams checks the params object of a request of type typ.
func checkParams(typ string, raw json.RawMessage) error {
	switch typ {
	case TypeHello:
		var p HelloParams
		return decodeParams(raw, &p, "protocol")
	case TypeNewClient:
		var p NewClientParams
		if err := decodeParams(raw, &p, "client", "endpoints", "credentials", "config"); err != nil {
			return err
		}
		if p.Client == "" {
			return fmt.Errorf(`newClient: params.client is empty`)
		}
		return nil
	case TypeInvoke:
		var p InvokeParams
		if err := decodeParams(raw, &p, "client", "op"); err != nil {
			return err
		}
		if p.Client == "" {
			return fmt.Errorf(`invoke: params.client is empty`)
		}
		if !slices.Contains(Ops(), p.Op) {
			return fmt.Errorf(`invoke: params.op is %q, want one of %q`, p.Op, Ops())
		}
		return checkOpParams(p.Op, p.Params)
	case TypeCloseClient:
		var p CloseClientParams
		if err := decodeParams(raw, &p, "client"); err != nil {
			return err
		}
		if p.Client == "" {
			return fmt.Errorf(`closeClient: params.client is empty`)
		}
		return nil
	case TypeBye:
		if len(raw) != 0 && !isNull(raw) {
			if _, err := decodeObject(raw); err != nil {
				return fmt.Errorf("bye: params: %w", err)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown request type %q", typ)
}

// OpParams returns a pointer to a zero value of op's parameter type, or nil when
// op takes no parameters.
func OpParams(op Op) any {
	switch op {
	case OpListDevices:
		return &ListDevicesParams{}
	case OpDeleteDevices:
		return &DeleteDevicesParams{}
	case OpExchangeCode:
		return &ExchangeCodeParams{}
	case OpAuthorizeToken:
		return &AuthorizeTokenParams{}
	case OpAccessToken, OpOAuthRefresh, OpOAuthRevoke:
		return &struct{}{} // no parameters; any field is a mistake
	case OpOAuthToken:
		return &OAuthTokenParams{}
	case OpOAuthExchangeCode:
		return &OAuthExchangeCodeParams{}
	case OpKCListDevices:
		return &KCListDevicesParams{}
	case OpKGLock, OpKGUnlock, OpKGSendMessage:
		return &GuardCommandParams{}
	}
	return nil
}

// OpValue returns a pointer to a zero value of the type of op's successful value,
// or nil when op's value is free-form.
func OpValue(op Op) any {
	switch op {
	case OpListDevices:
		return &ListDevicesValue{}
	case OpDeleteDevices:
		return &DeleteDevicesValue{}
	case OpOAuthToken, OpOAuthExchangeCode, OpOAuthRefresh:
		return &OAuthTokenValue{}
	case OpKCListDevices:
		return &KCListDevicesValue{}
	case OpKGLock, OpKGUnlock, OpKGSendMessage:
		return &GuardCommandValue{}
	}
	return nil
}

// opParamsRequired lists the fields an operation's params must carry.
var opParamsRequired = map[Op][]string{
	OpDeleteDevices:     {"devices"},
	OpExchangeCode:      {"code"},
	OpOAuthExchangeCode: {"code"},
	OpKGLock:            {"devices"},
	OpKGUnlock:          {"devices"},
	OpKGSendMessage:     {"devices"},
}

// opValueRequired lists the fields a successful value of an operation must carry.
var opValueRequired = map[Op][]string{
	OpListDevices:       {"totalCount", "devices"},
	OpDeleteDevices:     {"success", "failed", "notFound"},
	OpOAuthToken:        {"expiresIn"},
	OpOAuthExchangeCode: {"expiresIn"},
	OpOAuthRefresh:      {"expiresIn"},
	OpKCListDevices:     {"totalCount", "devices", "pages"},
	OpKGLock:            {"success", "failed"},
	OpKGUnlock:          {"success", "failed"},
	OpKGSendMessage:     {"success", "failed"},
}

func checkOpParams(op Op, raw json.RawMessage) error {
	dst := OpParams(op)
	if dst == nil {
		if len(raw) != 0 && !isNull(raw) {
			if _, err := decodeObject(raw); err != nil {
				return fmt.Errorf("invoke %s: params.params: %w", op, err)
			}
		}
		return nil
	}
	if len(raw) == 0 || isNull(raw) {
		raw = json.RawMessage("{}")
	}
	if err := decodeParams(raw, dst, opParamsRequired[op]...); err != nil {
		return fmt.Errorf("invoke %s: params.params: %w", op, err)
	}
	return nil
}

// ValidateResponse checks one adapter → suite line that answers a request of type
// reqType (and, for invoke, operation op; "" when unknown) and returns the
// decoded envelope.
func ValidateResponse(reqType string, op Op, line []byte) (Response, error) {
	var resp Response
	obj, err := decodeObject(line)
	if err != nil {
		return resp, err
	}
	if err := requireFields(obj, "id", "type"); err != nil {
		return resp, err
	}
	if err := strictDecode(line, &resp); err != nil {
		return resp, err
	}
	for name := range obj {
		if !slices.Contains(responseFields[resp.Type], name) {
			return resp, fmt.Errorf("a %q response has no field %q", resp.Type, name)
		}
	}
	if resp.V != 0 && resp.V != ProtocolVersion {
		return resp, fmt.Errorf(`field "v" is %d, this suite speaks protocol %d`, resp.V, ProtocolVersion)
	}
	allowed := responseTypes[reqType]
	if !slices.Contains(allowed, resp.Type) {
		return resp, fmt.Errorf(`a %s request is answered with type %q, got %q`, reqType, allowed, resp.Type)
	}
	switch resp.Type {
	case TypeHello:
		if err := requireFields(obj, "result"); err != nil {
			return resp, err
		}
		var h HelloResult
		if err := decodeParams(resp.Result, &h, "protocol", "adapter", "client", "operations"); err != nil {
			return resp, fmt.Errorf("hello result: %w", err)
		}
		return resp, checkHello(h)
	case TypeResult:
		if err := requireFields(obj, "result"); err != nil {
			return resp, err
		}
		return resp, checkOutcome(op, resp.Result)
	case TypeSkip:
		if resp.Reason == "" {
			return resp, fmt.Errorf(`a skip needs a non-empty "reason" saying why the adapter cannot run this`)
		}
	case TypeError:
		if resp.Message == "" {
			return resp, fmt.Errorf(`an error needs a non-empty "message" saying what went wrong`)
		}
	}
	return resp, nil
}

func checkHello(h HelloResult) error {
	if h.Protocol != ProtocolVersion {
		return fmt.Errorf("hello result: the adapter speaks protocol %d, this suite speaks %d", h.Protocol, ProtocolVersion)
	}
	if h.Adapter.Name == "" || h.Client.Name == "" {
		return fmt.Errorf(`hello result: "adapter.name" and "client.name" must not be empty`)
	}
	for i, op := range h.Operations {
		if !slices.Contains(Ops(), op) {
			return fmt.Errorf("hello result: operations[%d] is %q, want one of %q", i, op, Ops())
		}
		if slices.Contains(h.Operations[:i], op) {
			return fmt.Errorf("hello result: operations lists %q twice", op)
		}
	}
	return checkDeclared(h)
}

// CheckOutcome checks an invoke outcome of operation op ("" when unknown): ok and
// error agree, the kind is one of knoxerr.Kinds(), the value fits the operation.
func CheckOutcome(op Op, o Outcome) error {
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return checkOutcome(op, raw)
}

func checkOutcome(op Op, raw json.RawMessage) error {
	obj, err := decodeObject(raw)
	if err != nil {
		return fmt.Errorf("result: %w", err)
	}
	var o Outcome
	if err := decodeParams(raw, &o, "ok"); err != nil {
		return fmt.Errorf("result: %w", err)
	}
	_, hasErr := obj["error"]
	hasErr = hasErr && !isNull(obj["error"])
	if o.OK {
		if hasErr {
			return fmt.Errorf(`result: "ok" is true but an "error" is present; send one or the other`)
		}
		dst := OpValue(op)
		if dst == nil {
			return nil
		}
		if len(o.Value) == 0 || isNull(o.Value) {
			return fmt.Errorf(`result of %s: "ok" is true but "value" is missing`, op)
		}
		if err := decodeParams(o.Value, dst, opValueRequired[op]...); err != nil {
			return fmt.Errorf("result of %s: value: %w", op, err)
		}
		return nil
	}
	if !hasErr {
		return fmt.Errorf(`result: "ok" is false but "error" is missing; say what the client surfaced`)
	}
	if len(o.Value) != 0 && !isNull(o.Value) {
		return fmt.Errorf(`result: "ok" is false but a "value" is present`)
	}
	var e OutcomeError
	if err := decodeParams(obj["error"], &e, "kind"); err != nil {
		return fmt.Errorf("result: error: %w", err)
	}
	if !slices.Contains(knoxerr.Kinds(), e.Kind) {
		return fmt.Errorf("result: error.kind is %q, want one of %q", e.Kind, knoxerr.Kinds())
	}
	if e.HTTPStatus != 0 && (e.HTTPStatus < 100 || e.HTTPStatus > 599) {
		return fmt.Errorf("result: error.httpStatus is %d, want 100..599 or absent", e.HTTPStatus)
	}
	return nil
}

// decodeObject parses raw as one JSON object and nothing else.
func decodeObject(raw []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(raw) {
		return nil, fmt.Errorf("not UTF-8")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty, want a JSON object")
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	return obj, nil
}

func requireFields(obj map[string]json.RawMessage, names ...string) error {
	for _, n := range names {
		v, ok := obj[n]
		if !ok || isNull(v) {
			return fmt.Errorf("field %q is missing", n)
		}
	}
	return nil
}

// decodeParams decodes raw (an object) into dst, rejecting unknown fields and
// checking that the named fields are present.
func decodeParams(raw json.RawMessage, dst any, required ...string) error {
	if len(raw) == 0 || isNull(raw) {
		raw = json.RawMessage("{}")
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return err
	}
	if err := requireFields(obj, required...); err != nil {
		return err
	}
	return strictDecode(raw, dst)
}

func strictDecode(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%v", err)
	}
	// encoding/json matches field names case-insensitively; the protocol does not.
	return exactKeys(raw, reflect.TypeOf(dst), "")
}

// exactKeys checks that every object key in raw is spelt exactly as a json tag
// of the Go type t it decodes into, at any depth.
func exactKeys(raw []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(json.RawMessage(nil)) || isNull(raw) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil // the decoder has already said what is wrong
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			fields[name] = t.Field(i).Type
		}
		for k, v := range obj {
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("unknown field %q%s (field names are case-sensitive)", k, where(path))
			}
			if err := exactKeys(v, ft, path+"."+k); err != nil {
				return err
			}
		}
	case reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for i, it := range items {
			if err := exactKeys(it, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func where(path string) string {
	if path == "" {
		return ""
	}
	return " in " + strings.TrimPrefix(path, ".")
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
