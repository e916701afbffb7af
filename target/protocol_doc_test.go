package target

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// docPath is the protocol specification this package keeps current.
var docPath = filepath.Join("..", "docs", "protocol.md")

// updateDocsEnv, when set to 1, makes TestProtocolDocIsCurrent rewrite the
// generated sections of docs/protocol.md instead of failing on drift.
const updateDocsEnv = "KNOXCONFORM_UPDATE_DOCS"

// opMeaning says, for the operations table, what each operation asks the client
// to do. A new operation without an entry fails the doc test.
var opMeaning = map[Op]string{
	OpAccessToken:    "Obtain a Knox Cloud access token (sign the Client Identifier JWT, `POST /ams/v1/users/accesstoken`).",
	OpListDevices:    "List KME devices, one page (`GET /kcs/v1/kme/devices/list`); needs an access token, which the client obtains or reuses as it sees fit.",
	OpDeleteDevices:  "Delete KME devices by IMEI or serial (`POST /kcs/v1/kme/devices/delete`); needs an access token.",
	OpExchangeCode:   "Exchange a Samsung Account authorization code for a Samsung Account token.",
	OpAuthorizeToken: "Call the Samsung Account authorizeToken API with a Samsung Account token.",

	OpOAuthToken:        "Obtain a Knox OAuth 2.0 access token with client_credentials (`POST /ams/v1/oauth2/token`, form-encoded); scheme `oauth2`.",
	OpOAuthExchangeCode: "Exchange a Knox OAuth 2.0 authorization code (authorization_code grant, with the PKCE `codeVerifier` when given); keep the refresh token; scheme `oauth2`.",
	OpOAuthRefresh:      "Renew the access token with the refresh token the client holds (refresh_token grant); keep the rotated refresh token; scheme `oauth2`.",
	OpOAuthRevoke:       "Revoke the client's OAuth 2.0 tokens (`POST /ams/v1/oauth2/revoke`); scheme `oauth2`.",
	OpKCListDevices:     "List every Knox Configure device (`POST /kc/v2/devices/getDevices`), following `nextSearchAfter` to the end; Bearer token with scope `kc.devices:view`; service `kc`.",
	OpKGLock:            "Lock Knox Guard devices (one device: a single command, several: a bulk); legacy authentication; service `kg`.",
	OpKGUnlock:          "Unlock Knox Guard devices; as `kg.lock`.",
	OpKGSendMessage:     "Send a message to Knox Guard devices; as `kg.lock`.",
}

// kindMeaning says, for the kinds table, when a client reports each kind.
var kindMeaning = map[knoxerr.Kind]string{
	knoxerr.KindValidation:     "The request was invalid (HTTP 400, 406, 422, and any other 4xx without a kind of its own): Knox validation codes, and every `AUT_` code and 4xx `LIC_` code. Never retried.",
	knoxerr.KindAuth:           "Authentication failed (HTTP 401; the Knox token and JWT codes) after any refresh or re-sign the client attempts.",
	knoxerr.KindForbidden:      "Authenticated but not allowed (HTTP 403).",
	knoxerr.KindNotFound:       "The resource or the account configuration does not exist (HTTP 404; 4042251, 4042252).",
	knoxerr.KindRateLimited:    "Throttled (HTTP 429) and the client gave up waiting (attempts or Retry-After budget exhausted).",
	knoxerr.KindServer:         "The server failed (HTTP 5xx other than 501) and retries, if any, did not help.",
	knoxerr.KindNotImplemented: "HTTP 501: the server does not support the request. Not transient.",
	knoxerr.KindNetwork:        "No HTTP response: connection refused or reset, TLS failure, malformed response.",
	knoxerr.KindTimeout:        "The client's own deadline (config.timeoutMs or its default) expired.",
	knoxerr.KindCancelled:      "The caller cancelled the operation.",
	knoxerr.KindUnknown:        "Anything else; prefer a precise kind.",
}

func TestProtocolDocIsCurrent(t *testing.T) {
	onDisk, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("reading %s: %v", docPath, err)
	}
	want, err := regenerate(onDisk)
	if err != nil {
		t.Fatalf("%s: %v", docPath, err)
	}
	if bytes.Equal(onDisk, want) {
		return
	}
	if os.Getenv(updateDocsEnv) == "1" {
		if err := os.WriteFile(docPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the generated sections of %s", docPath)
		return
	}
	t.Errorf("the generated sections of %s are stale: run `go generate ./target` (or %s=1 go test ./target -run TestProtocolDocIsCurrent)", docPath, updateDocsEnv)
}

// generatedSection matches one generated block: the begin marker names the
// generator, the body is replaced wholesale.
var generatedSection = regexp.MustCompile(`(?s)(<!-- BEGIN GENERATED ([a-z:.A-Z]+) -->\n).*?(<!-- END GENERATED -->)`)

func regenerate(doc []byte) ([]byte, error) {
	var firstErr error
	seen := map[string]bool{}
	out := generatedSection.ReplaceAllFunc(doc, func(m []byte) []byte {
		sub := generatedSection.FindSubmatch(m)
		name := string(sub[2])
		seen[name] = true
		body, err := renderSection(name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return []byte(string(sub[1]) + body + string(sub[3]))
	})
	if firstErr != nil {
		return nil, firstErr
	}
	for _, name := range append([]string{"ops", "kinds", "codekinds", "deadlines", "responses", "waitrule"}, schemaSectionNames()...) {
		if !seen[name] {
			return nil, fmt.Errorf("no generated section %q (add <!-- BEGIN GENERATED %s --><!-- END GENERATED -->)", name, name)
		}
	}
	return out, nil
}

func schemaSectionNames() []string {
	var names []string
	for _, n := range SchemaNames() {
		names = append(names, "schema:"+n)
	}
	return names
}

func renderSection(name string) (string, error) {
	var b strings.Builder
	switch {
	case name == "ops":
		b.WriteString("| Operation | What the client does | `params` | `value` when ok |\n|---|---|---|---|\n")
		for _, op := range Ops() {
			meaning, ok := opMeaning[op]
			if !ok {
				return "", fmt.Errorf("operation %s has no entry in opMeaning", op)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", op, meaning, fieldsOf(OpParams(op), opParamsRequired(op)), fieldsOf(OpValue(op), opValueRequired(op)))
		}
	case name == "kinds":
		b.WriteString("| `kind` | When |\n|---|---|\n")
		for _, k := range knoxerr.Kinds() {
			meaning, ok := kindMeaning[k]
			if !ok {
				return "", fmt.Errorf("kind %s has no entry in kindMeaning", k)
			}
			fmt.Fprintf(&b, "| `%s` | %s |\n", k, meaning)
		}
	case name == "codekinds":
		// The same function the checks use (conformance kindOf), so the
		// table and the verdicts cannot disagree.
		b.WriteString("| Code | Name | HTTP | `kind` |\n|---|---|---|---|\n")
		for _, e := range knoxerr.Catalogue() {
			kind := fmt.Sprintf("`%s`", knoxerr.New(e.Code, "").Kind())
			withRA := knoxerr.New(e.Code, "")
			withRA.RetryAfter = "1"
			if k := withRA.Kind(); fmt.Sprintf("`%s`", k) != kind {
				kind += fmt.Sprintf("; `%s` when the answer carries Retry-After", k)
			}
			code := fmt.Sprintf("`%s`", e.Code)
			for _, a := range e.Aliases {
				code += fmt.Sprintf(" (also `%s`)", a)
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", code, e.Name, e.HTTPStatus, kind)
		}
	case name == "deadlines":
		b.WriteString("| Deadline | Value | When it expires |\n|---|---|---|\n")
		for _, d := range Deadlines() {
			v := d.Rule
			if v == "" {
				v = "**" + d.Value.String() + "**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", d.What, v, d.Then)
		}
	case name == "waitrule":
		b.WriteString(WaitRule())
	case name == "responses":
		b.WriteString("| Request | Possible responses |\n|---|---|\n")
		for _, t := range RequestTypes() {
			var rs []string
			for _, r := range ResponseTypesFor(t) {
				rs = append(rs, "`"+r+"`")
			}
			fmt.Fprintf(&b, "| `%s` | %s |\n", t, strings.Join(rs, ", "))
		}
	case strings.HasPrefix(name, "schema:"):
		s, ok := Schema(strings.TrimPrefix(name, "schema:"))
		if !ok {
			return "", fmt.Errorf("no schema %q", name)
		}
		fmt.Fprintf(&b, "```json\n%s```\n", s)
	default:
		return "", fmt.Errorf("unknown generated section %q", name)
	}
	return b.String(), nil
}

// opParamsRequired reads, from the request.invoke schema, the fields op's
// params must carry: the schema is the validator, so it is the source.
func opParamsRequired(op Op) []string {
	doc, _ := schemaDoc("request.invoke")
	params := dig(doc, "properties", "params")
	branches, _ := dig(params, "allOf").([]any)
	for _, b := range branches {
		if dig(b, "if", "properties", "op", "const") == string(op) {
			return stringsOf(dig(b, "then", "properties", "params", "required"))
		}
	}
	return nil
}

// opValueRequired reads, from the response.result schema, the fields op's
// successful value must carry.
func opValueRequired(op Op) []string {
	doc, _ := schemaDoc("response.result")
	return stringsOf(dig(doc, "$defs", "value", string(op), "then", "properties", "value", "required"))
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func stringsOf(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// fieldsOf lists the JSON fields of the struct v points to, marking optional ones.
func fieldsOf(v any, required []string) string {
	if v == nil {
		return "free-form (any JSON)"
	}
	t := reflect.TypeOf(v).Elem()
	if t.NumField() == 0 {
		return "none"
	}
	var parts []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		typ := jsonType(f.Type)
		opt := ""
		if !contains(required, name) {
			opt = "?"
		}
		parts = append(parts, fmt.Sprintf("`%s%s`: %s", name, opt, typ))
	}
	return strings.Join(parts, ", ")
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return jsonType(t.Elem()) + "[]"
	}
	return t.Kind().String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
