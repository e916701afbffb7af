package knoxtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// The sandbox control API. Everything a user reads about it — docs/sandbox.md,
// the JSON Schema of scripts, the 404/405/400 answers — is generated from the
// tables in this file, so what is documented is what is enforced.

// Limits of the control API.
const (
	// maxControlBody is the largest control request body; larger ones get 413.
	maxControlBody = 64 << 10
	// maxScriptSteps is the most steps one script request may carry.
	maxScriptSteps = 256
	// maxQueuedSteps is the most steps a route may have queued at once.
	maxQueuedSteps = 1024
	// maxRetryAfter bounds a scripted Retry-After value.
	maxRetryAfter = 128
	// journalPage is how many exchanges GET journal copies at a time.
	journalPage = 256
)

// controlEndpoint is one route of the control API, as documented and served.
type controlEndpoint struct {
	Method, Name string
	Summary      string
	Query        string // accepted query parameters, "" when none
	Request      string // an example request body, "" when none is read
	Response     string // an example answer
	handle       func(s *Server, w http.ResponseWriter, r *http.Request)
}

// controlEndpoints lists the control API in documentation order.
func controlEndpoints() []controlEndpoint {
	return []controlEndpoint{
		{Method: "GET", Name: "health", Summary: "Liveness, the endpoints to configure a client with, and the journal's size and bounds.",
			Response: `{"status":"ok","endpoints":{"knoxBaseURL":"http://127.0.0.1:8443",…},"journal":{"entries":3,"bytes":2450,"maxEntries":10000,"maxBytes":16777216,"dropped":0,"lastSeq":3}}`,
			handle:   (*Server).ctlHealth},
		{Method: "GET", Name: "journal", Summary: "The journal, a JSON array of exchanges in arrival order, streamed. Each exchange records the request's route, status, Knox code, decoded JWT (never the raw token), redacted headers and form, body size, and flags; values cut to the journal's limits end with `…[cut: N bytes]` and mark the exchange `truncated`. The journal keeps at most 10000 exchanges and about 16 MiB; the oldest are dropped first (`health` counts them).",
			Query:    "`since=N`: only exchanges with `seq` greater than N (poll with the last `seq` you saw)",
			Response: `[{"seq":1,"route":"POST /ams/v1/users/accesstoken","status":200,"bodySize":1480,…}]`,
			handle:   (*Server).ctlJournal},
		{Method: "GET", Name: "mistakes", Summary: "Client configurations that make the server answer each code it produces naturally (wrong key, unknown client identifier, …).",
			Response: `[{"code":"4032250","op":"knox.accessToken","description":"…","credentials":{…}}]`,
			handle:   (*Server).ctlMistakes},
		{Method: "POST", Name: "script", Summary: "Queue fault-script steps on a route: each of the route's next requests is answered by the next step instead of naturally. Steps are described below; the answer says how many steps the route now has queued.",
			Request:  `{"route":"GET /kcs/v1/kme/devices/list","steps":[{"code":4032251},{"code":"429","retryAfter":"2","times":2},{"fault":"reset"}]}`,
			Response: `{"route":"GET /kcs/v1/kme/devices/list","added":3,"queued":3}`,
			handle:   (*Server).ctlScript},
		{Method: "POST", Name: "authcode", Summary: "Issue a Samsung Account authorization code, as the signInGate redirect would carry it (single use, 60 s). `clientId` defaults to the sandbox's SA client.",
			Request:  `{"clientId":"ab12cd34ef"}`,
			Response: `{"code":"…","clientId":"ab12cd34ef"}`,
			handle:   (*Server).ctlAuthCode},
		{Method: "POST", Name: "oauthcode", Summary: "Issue a Knox OAuth 2.0 authorization code, as the authorization redirect would carry it (single use, 60 s). Every field is optional: `clientId` defaults to the sandbox's OAuth client, `redirectUri` to its registered one, `scope` (space-separated) to kc.devices:view; `codeChallenge` with `codeChallengeMethod` (S256 or plain) binds the code to a PKCE verifier.",
			Request:  `{"scope":"kc.devices:view","codeChallenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM","codeChallengeMethod":"S256"}`,
			Response: `{"code":"…"}`,
			handle:   (*Server).ctlOAuthCode},
		{Method: "POST", Name: "reset", Summary: "Forget the journal, scripts, issued tokens, codes and seen jtis, and reseed the devices; the registered credentials stay valid. The answer counts what was forgotten.",
			Response: `{"reset":true,"forgot":{"exchanges":12,"scriptSteps":0,"accessTokens":2,"jtis":4,"authCodes":1,"saTokens":1,"rateLimitBuckets":0}}`,
			handle:   (*Server).ctlReset},
		{Method: "POST", Name: "expire", Summary: "Make every issued access token expired: its next use gets a natural 403 4032251.",
			Response: `{"expired":2,"tokens":2}`,
			handle:   (*Server).ctlExpire},
		{Method: "POST", Name: "revoke", Summary: "Revoke every issued access token: its next use gets 403 4032252.",
			Response: `{"revoked":2,"tokens":2}`,
			handle:   (*Server).ctlRevoke},
	}
}

// stepField documents one field of a script step; the schema, the docs and the
// error messages come from this table.
type stepField struct {
	Name, Type string
	Allowed    string // in words
	Doc        string
	schema     map[string]any
}

func stepFields() []stepField {
	codes := stepCodes()
	codeEnum := make([]any, 0, 2*len(codes))
	for _, c := range codes {
		codeEnum = append(codeEnum, string(c))
		if n, isNum := c.Number(); isNum {
			codeEnum = append(codeEnum, n)
		}
	}
	return []stepField{
		{Name: "times", Type: "integer", Allowed: "≥ 0, or -1 (forever); 0 and absent mean 1",
			Doc:    "How many requests the step answers.",
			schema: map[string]any{"type": "integer", "minimum": Forever}},
		{Name: "pass", Type: "boolean", Allowed: "true or false",
			Doc:    "Let the request through to the natural behaviour (it still consumes the step).",
			schema: map[string]any{"type": "boolean"}},
		{Name: "status", Type: "integer", Allowed: "200–599; 0 and absent take the catalogue status of `code`",
			Doc:    "The HTTP status to answer with.",
			schema: map[string]any{"type": "integer", "anyOf": []any{map[string]any{"const": 0}, map[string]any{"minimum": 200, "maximum": 599}}}},
		{Name: "code", Type: "string or integer", Allowed: "a documented Knox or Samsung Account code, as a string (`\"4032251\"`, `\"AUT_1802\"`) or, when numeric, as a number (`4032251`); see docs/codes.md",
			Doc:    "The code put in the error body (in `shape`). Absent: the body of the status alone.",
			schema: map[string]any{"enum": codeEnum}},
		{Name: "shape", Type: "string", Allowed: quoteList(shapes()),
			Doc:    "The error body's layout; absent means the route's natural one (classic).",
			schema: map[string]any{"enum": stringsAny(shapes())}},
		{Name: "retryAfter", Type: "string", Allowed: "up to " + strconv.Itoa(maxRetryAfter) + " characters: seconds (`\"2\"`) or an HTTP date",
			Doc:    "Sent as the Retry-After header.",
			schema: map[string]any{"type": "string", "maxLength": maxRetryAfter}},
		{Name: "fault", Type: "string", Allowed: quoteList(faults()),
			Doc:    "A socket-level fault instead of a normal reply: `reset` closes the connection before any byte, `hang` never answers, `empty` sends the status with no body, `html` an HTML gateway page.",
			schema: map[string]any{"enum": stringsAny(faults())}},
	}
}

// stepCodes are the codes a step may name: every documented code and alias.
func stepCodes() []knoxerr.Code { return knoxerr.AllSpellings() }

func shapes() []string {
	return []string{string(knoxerr.ShapeClassic), string(knoxerr.ShapeArray), string(knoxerr.ShapeResult),
		string(knoxerr.ShapeOAuth), string(knoxerr.ShapeEmpty), string(knoxerr.ShapeOpaque)}
}

func faults() []string {
	return []string{string(FaultReset), string(FaultHang), string(FaultEmpty), string(FaultHTML)}
}

func routeNames() []string {
	out := make([]string, 0, len(Routes()))
	for _, r := range Routes() {
		out = append(out, string(r))
	}
	return out
}

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "`\"" + s + "\"`"
	}
	return strings.Join(q, ", ")
}

// ScriptSchema is the JSON Schema (2020-12) of a POST script body, as
// docs/sandbox-script.schema.json holds it. The control API validates every
// script against it.
func ScriptSchema() []byte {
	props := map[string]any{}
	for _, f := range stepFields() {
		p := map[string]any{"description": f.Doc + " Allowed: " + strings.ReplaceAll(f.Allowed, "`", "") + "."}
		for k, v := range f.schema {
			p[k] = v
		}
		props[f.Name] = p
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  "urn:knoxconform:sandbox-script:v1",
		"title":                "knoxconform sandbox fault script",
		"description":          "The body of POST " + ControlPrefix + "script. Generated from knoxtest/sandbox_api.go; see docs/sandbox.md.",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"route", "steps"},
		"properties": map[string]any{
			"route": map[string]any{"description": "The route whose next requests the steps answer.", "enum": routeNames()},
			"steps": map[string]any{"type": "array", "maxItems": maxScriptSteps,
				"items": map[string]any{"type": "object", "additionalProperties": false, "properties": props}},
		},
	}
	b, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		panic("knoxtest: the script schema does not encode: " + err.Error())
	}
	return append(b, '\n')
}

var compiledScriptSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ScriptSchema()))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	const url = "sandbox-script.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

// validateScript checks a decoded script body against ScriptSchema and says
// what is wrong in the user's terms: where, and what is allowed there.
func validateScript(v any) error {
	sch, err := compiledScriptSchema()
	if err != nil {
		return fmt.Errorf("the script schema does not compile (a bug): %w", err)
	}
	err = sch.Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	p := message.NewPrinter(language.English)
	var msgs []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		msgs = append(msgs, describeInvalid(e.InstanceLocation, e.ErrorKind.LocalizedString(p)))
	}
	walk(ve)
	slices.Sort(msgs)
	return errors.New(strings.Join(slices.Compact(msgs), "; "))
}

// describeInvalid names the place of a schema violation and, for a step field,
// what the field allows (the schema's own wording lists every code as a number
// and a string, which says less).
func describeInvalid(loc []string, what string) string {
	where := "body"
	switch {
	case len(loc) >= 2 && loc[0] == "steps":
		where = "steps[" + loc[1] + "]"
		if len(loc) > 2 {
			where += "." + strings.Join(loc[2:], ".")
		}
	case len(loc) > 0:
		where = strings.Join(loc, ".")
	}
	if len(loc) == 3 && loc[0] == "steps" {
		for _, f := range stepFields() {
			if f.Name != loc[2] {
				continue
			}
			msg := where + ": must be " + f.Type + ", " + strings.ReplaceAll(f.Allowed, "`", "")
			if f.Name == "code" {
				codes := make([]string, 0, len(stepCodes()))
				for _, c := range stepCodes() {
					codes = append(codes, string(c))
				}
				msg += "; one of: " + strings.Join(codes, ", ")
			}
			return msg
		}
	}
	if len(loc) == 1 && loc[0] == "route" {
		return "route: unknown route; use one of " + strings.Join(routeNames(), ", ")
	}
	if strings.Contains(what, "additionalProperties") || strings.Contains(what, "additional properties") {
		names := make([]string, 0, len(stepFields()))
		for _, f := range stepFields() {
			names = append(names, f.Name)
		}
		if len(loc) == 2 && loc[0] == "steps" {
			return where + ": " + what + "; a step's fields are " + strings.Join(names, ", ")
		}
		return where + ": " + what + `; the body is {"route": …, "steps": […]}`
	}
	return where + ": " + what
}

// controlHandler serves the sandbox control API.
func (s *Server) controlHandler() http.Handler {
	eps := controlEndpoints()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, ControlPrefix)
		var allow []string
		for _, ep := range eps {
			if ep.Name != name {
				continue
			}
			if ep.Method == r.Method || (ep.Method == "GET" && r.Method == "HEAD") {
				ep.handle(s, w, r)
				return
			}
			allow = append(allow, ep.Method)
		}
		if len(allow) > 0 {
			if slices.Contains(allow, "GET") {
				allow = append(allow, "HEAD")
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			ctlError(w, http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))
			return
		}
		var list []string
		for _, ep := range eps {
			list = append(list, ep.Method+" "+ControlPrefix+ep.Name)
		}
		ctlError(w, http.StatusNotFound, "no control endpoint %s %s; the control API is: %s (see docs/sandbox.md)",
			r.Method, r.URL.Path, strings.Join(list, ", "))
	})
}

func ctlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func ctlError(w http.ResponseWriter, status int, format string, args ...any) {
	ctlJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// errTooLarge reports a control body past maxControlBody.
var errTooLarge = errors.New("too large")

// readControlJSON reads r's body as exactly one JSON value (numbers kept as
// json.Number) and rejects anything after it. An empty body is nil, nil.
func readControlJSON(r *http.Request) (any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %v", err)
	}
	if len(body) > maxControlBody {
		return nil, errTooLarge
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the body has data after its JSON value (at byte %d); send exactly one JSON object", dec.InputOffset())
	}
	return v, nil
}

// readControlBody is readControlJSON that answers the error itself; ok is false
// when it did.
func readControlBody(w http.ResponseWriter, r *http.Request, endpoint, shape string) (any, bool) {
	v, err := readControlJSON(r)
	switch {
	case errors.Is(err, errTooLarge):
		ctlError(w, http.StatusRequestEntityTooLarge, "%s: the body is larger than %d bytes; send at most %d steps per request",
			endpoint, maxControlBody, maxScriptSteps)
		return nil, false
	case err != nil:
		ctlError(w, http.StatusBadRequest, "%s: %v; the body is %s", endpoint, err, shape)
		return nil, false
	}
	return v, true
}

func (s *Server) ctlHealth(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"status": "ok", "endpoints": s.Endpoints(), "journal": s.JournalStats()})
}

func (s *Server) ctlMistakes(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, s.Mistakes())
}

// ctlJournal streams the journal page by page: its size in memory is one page,
// whatever the journal holds. It stops at the newest exchange present when the
// request arrived, so a busy server does not keep the answer open.
func (s *Server) ctlJournal(w http.ResponseWriter, r *http.Request) {
	since := 0
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			ctlError(w, http.StatusBadRequest, "journal: since=%q is not a sequence number; use an exchange's seq (an integer ≥ 0)", truncate(v, 32))
			return
		}
		since = n
	}
	for k := range r.URL.Query() {
		if k != "since" {
			ctlError(w, http.StatusBadRequest, "journal: unknown query parameter %q; the only one is since=N", truncate(k, 32))
			return
		}
	}
	stats := s.JournalStats()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Knoxtest-Journal-Dropped", strconv.Itoa(stats.Dropped))
	w.Header().Set("X-Knoxtest-Journal-Last-Seq", strconv.Itoa(stats.LastSeq))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	flusher, _ := w.(http.Flusher)
	_, _ = io.WriteString(w, "[")
	first := true
	for after := since; after < stats.LastSeq; {
		page := s.journalAfter(after, journalPage)
		if len(page) == 0 {
			break
		}
		var buf bytes.Buffer
		for _, e := range page {
			if e.Seq > stats.LastSeq {
				break
			}
			if !first {
				buf.WriteString(",")
			}
			first = false
			b, err := json.Marshal(e)
			if err != nil {
				return
			}
			buf.WriteString("\n")
			buf.Write(b)
			after = e.Seq
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return // the reader went away
		}
		if flusher != nil {
			flusher.Flush()
		}
		if page[len(page)-1].Seq > stats.LastSeq {
			break
		}
	}
	_, _ = io.WriteString(w, "\n]\n")
}

// wireCode is a step's code as the control API accepts it: a JSON string or,
// for numeric codes, a JSON number (as Knox bodies write them).
type wireCode knoxerr.Code

func (c *wireCode) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*c = wireCode(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("code must be a string or a number")
	}
	*c = wireCode(s)
	return nil
}

// wireStep is Step as the control API reads it.
type wireStep struct {
	Times      int           `json:"times"`
	Pass       bool          `json:"pass"`
	Status     int           `json:"status"`
	Code       wireCode      `json:"code"`
	Shape      knoxerr.Shape `json:"shape"`
	RetryAfter string        `json:"retryAfter"`
	Fault      Fault         `json:"fault"`
}

func (s *Server) ctlScript(w http.ResponseWriter, r *http.Request) {
	const shape = `{"route": "METHOD /path", "steps": [{…}, …]} (see docs/sandbox.md)`
	v, ok := readControlBody(w, r, "script", shape)
	if !ok {
		return
	}
	if v == nil {
		ctlError(w, http.StatusBadRequest, "script: the body is empty; it is %s", shape)
		return
	}
	if err := validateScript(v); err != nil {
		ctlError(w, http.StatusBadRequest, "script: %v", err)
		return
	}
	// The schema passed, so this decoding cannot meet a surprise.
	raw, _ := json.Marshal(v)
	var req struct {
		Route Route      `json:"route"`
		Steps []wireStep `json:"steps"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		ctlError(w, http.StatusBadRequest, "script: %v", err)
		return
	}
	steps := make([]Step, len(req.Steps))
	for i, ws := range req.Steps {
		steps[i] = Step{Times: ws.Times, Pass: ws.Pass, Status: ws.Status, Code: knoxerr.Code(ws.Code),
			Shape: ws.Shape, RetryAfter: ws.RetryAfter, Fault: ws.Fault}
	}
	s.mu.Lock()
	queued := len(s.scripts[req.Route])
	if queued+len(steps) > maxQueuedSteps {
		s.mu.Unlock()
		ctlError(w, http.StatusBadRequest, "script: %s already has %d steps queued, and %d more would pass the limit of %d; POST %sreset to clear the scripts, or use \"times\" to repeat a step",
			req.Route, queued, len(steps), maxQueuedSteps, ControlPrefix)
		return
	}
	s.mu.Unlock()
	s.Script(req.Route, steps...)
	s.mu.Lock()
	queued = len(s.scripts[req.Route])
	s.mu.Unlock()
	ctlJSON(w, http.StatusOK, map[string]any{"route": req.Route, "added": len(steps), "queued": queued})
}

func (s *Server) ctlAuthCode(w http.ResponseWriter, r *http.Request) {
	const shape = `{"clientId": "…"} or empty`
	v, ok := readControlBody(w, r, "authcode", shape)
	if !ok {
		return
	}
	clientID := s.creds.SAClientID
	if v != nil {
		m, isObj := v.(map[string]any)
		if !isObj {
			ctlError(w, http.StatusBadRequest, "authcode: the body is %s", shape)
			return
		}
		for k, val := range m {
			id, isStr := val.(string)
			if k != "clientId" || !isStr {
				ctlError(w, http.StatusBadRequest, "authcode: field %q is not allowed; the body is %s", truncate(k, 32), shape)
				return
			}
			if id != "" {
				clientID = id
			}
		}
	}
	ctlJSON(w, http.StatusOK, map[string]string{"code": s.IssueAuthCode(clientID), "clientId": clientID})
}

func (s *Server) ctlOAuthCode(w http.ResponseWriter, r *http.Request) {
	const shape = `{"clientId"?, "redirectUri"?, "scope"?, "codeChallenge"?, "codeChallengeMethod"?} or empty`
	v, ok := readControlBody(w, r, "oauthcode", shape)
	if !ok {
		return
	}
	var req OAuthCode
	if v != nil {
		m, isObj := v.(map[string]any)
		if !isObj {
			ctlError(w, http.StatusBadRequest, "oauthcode: the body is %s", shape)
			return
		}
		fields := map[string]*string{"clientId": &req.ClientID, "redirectUri": &req.RedirectURI, "scope": &req.Scope,
			"codeChallenge": &req.CodeChallenge, "codeChallengeMethod": &req.CodeChallengeMethod}
		for k, val := range m {
			dst, known := fields[k]
			str, isStr := val.(string)
			if !known || !isStr {
				ctlError(w, http.StatusBadRequest, "oauthcode: field %q is not allowed or not a string; the body is %s", truncate(k, 32), shape)
				return
			}
			*dst = str
		}
	}
	if m := req.CodeChallengeMethod; m != "" && m != "S256" && m != "plain" {
		ctlError(w, http.StatusBadRequest, "oauthcode: codeChallengeMethod %q is not S256 or plain", truncate(m, 32))
		return
	}
	ctlJSON(w, http.StatusOK, map[string]string{"code": s.IssueOAuthCode(req)})
}

// requireEmptyBody answers 400 unless r has no body (or an empty JSON object).
func requireEmptyBody(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	v, ok := readControlBody(w, r, endpoint, "empty")
	if !ok {
		return false
	}
	if m, isObj := v.(map[string]any); v != nil && (!isObj || len(m) > 0) {
		ctlError(w, http.StatusBadRequest, "%s takes no body; send none (or {})", endpoint)
		return false
	}
	return true
}

func (s *Server) ctlReset(w http.ResponseWriter, r *http.Request) {
	if !requireEmptyBody(w, r, "reset") {
		return
	}
	s.mu.Lock()
	steps := 0
	for _, q := range s.scripts {
		steps += len(q)
	}
	forgot := map[string]int{"exchanges": len(s.journal), "scriptSteps": steps, "accessTokens": len(s.tokens),
		"jtis": len(s.jtis), "authCodes": len(s.authCodes), "saTokens": len(s.saTokens), "rateLimitBuckets": len(s.buckets)}
	s.resetState()
	s.mu.Unlock()
	ctlJSON(w, http.StatusOK, map[string]any{"reset": true, "forgot": forgot})
}

func (s *Server) ctlExpire(w http.ResponseWriter, r *http.Request) {
	if !requireEmptyBody(w, r, "expire") {
		return
	}
	changed, total := s.expireTokens()
	ctlJSON(w, http.StatusOK, map[string]int{"expired": changed, "tokens": total})
}

func (s *Server) ctlRevoke(w http.ResponseWriter, r *http.Request) {
	if !requireEmptyBody(w, r, "revoke") {
		return
	}
	changed, total := s.revokeTokens()
	ctlJSON(w, http.StatusOK, map[string]int{"revoked": changed, "tokens": total})
}
