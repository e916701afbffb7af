package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// responseTypes says which response types may answer each request type. It is
// the one rule no per-message schema can state (a response does not say what
// it answers); docs/protocol.md shows it as a generated table.
var responseTypes = map[string][]string{
	TypeHello:       {TypeHello, TypeError},
	TypeNewClient:   {TypeOK, TypeSkip, TypeError},
	TypeInvoke:      {TypeResult, TypeSkip, TypeError},
	TypeCloseClient: {TypeOK, TypeError},
	TypeBye:         {TypeOK, TypeError},
	TypePing:        {TypeOK, TypeError},
}

// ResponseTypes lists the response types of protocol v1.
func ResponseTypes() []string {
	return []string{TypeHello, TypeOK, TypeResult, TypeSkip, TypeError}
}

// ResponseTypesFor lists the response types that may answer a request of type reqType.
func ResponseTypesFor(reqType string) []string { return slices.Clone(responseTypes[reqType]) }

// ValidateRequest checks one suite → adapter line against protocol v1 and returns
// the decoded envelope. The JSON Schema of the request's type (target/schema)
// is the judge; for invoke it also checks the operation's params.
func ValidateRequest(line []byte) (Request, error) {
	var req Request
	typ, err := envelopeType(line, RequestTypes())
	if err != nil {
		return req, err
	}
	if err := validateAgainst("request."+typ, "", line); err != nil {
		return req, err
	}
	if err := json.Unmarshal(line, &req); err != nil {
		return req, fmt.Errorf("decoding the request: %v", err)
	}
	return req, nil
}

// ValidateResponse checks one adapter → suite line that answers a request of type
// reqType (and, for invoke, operation op; "" when unknown) and returns the
// decoded envelope. The JSON Schema of the response's type is the judge, with
// the value schema of op for a successful result; the Go code adds only what a
// schema of one message cannot know: which response types answer reqType.
func ValidateResponse(reqType string, op Op, line []byte) (Response, error) {
	var resp Response
	typ, err := envelopeType(line, ResponseTypes())
	if err != nil {
		return resp, err
	}
	if allowed := responseTypes[reqType]; !slices.Contains(allowed, typ) {
		return resp, fmt.Errorf(`a %s request is answered with type %q, got %q`, reqType, allowed, typ)
	}
	if err := validateAgainst("response."+typ, "", line); err != nil {
		return resp, err
	}
	if err := json.Unmarshal(line, &resp); err != nil {
		return resp, fmt.Errorf("decoding the response: %v", err)
	}
	switch {
	case typ == TypeOK && len(resp.Result) > 0 && reqType != TypeNewClient:
		return resp, fmt.Errorf(`an ok answering %s carries no "result" (only newClient's ok may, to declare the client's own timeout)`, reqType)
	case typ == TypeResult:
		if err := validateValue(op, resp.Result, "result"); err != nil {
			return resp, err
		}
	}
	return resp, nil
}

// CheckOutcome checks an invoke outcome of operation op ("" when unknown)
// against the "result" of response.result and op's value schema: ok and error
// agree, the kind is one of knoxerr.Kinds(), the value fits the operation.
func CheckOutcome(op Op, o Outcome) error {
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if err := validateAgainst("response.result", "/properties/result", raw); err != nil {
		return err
	}
	return validateValue(op, raw, "")
}

// validateValue checks the outcome raw (at instance path at) against op's
// value schema, when op has one.
func validateValue(op Op, raw []byte, at string) error {
	if op == "" || OpValue(op) == nil {
		return nil
	}
	err := validateAgainst("response.result", "/$defs/value/"+string(op), raw)
	if err != nil && at != "" {
		err = fmt.Errorf("%s of %s: %w", at, op, err)
	}
	return err
}

// envelopeType checks that line is one JSON object and returns its "type",
// which picks the schema.
func envelopeType(line []byte, known []string) (string, error) {
	obj, err := decodeObject(line)
	if err != nil {
		return "", err
	}
	raw, ok := obj["type"]
	if !ok || isNull(raw) {
		return "", fmt.Errorf(`field "type" is missing, want one of %q`, known)
	}
	var typ string
	if json.Unmarshal(raw, &typ) != nil || !slices.Contains(known, typ) {
		shown := string(raw)
		if len(shown) > 60 {
			shown = shown[:60] + "…"
		}
		return "", fmt.Errorf(`field "type" is %s, want one of %q`, shown, known)
	}
	return typ, nil
}

// schemas compiles each message schema (or subschema) the first time it is
// needed and keeps it. Compiling is lazy because every worker and every Go
// adapter is a process of its own and each needs only its side of the
// protocol: compiling all eleven schemas and every operation's value schema
// up front cost about 8 ms of CPU per process (about 0.5 s of a 2-core
// machine's start-up at the default 32 workers, where the longest cases wait
// for it), while one side's few schemas cost about a third of that. A schema
// that does not compile is a bug of this package, reported on every
// validation against it (TestSchemasCompile compiles them all).
var schemas struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	err      error
	done     map[string]*jsonschema.Schema
}

// compiledSchema returns the compiled schema name (ptr: a JSON pointer into
// it, "" for the whole document).
func compiledSchema(name, ptr string) (*jsonschema.Schema, error) {
	key := name + "#" + ptr
	schemas.mu.Lock()
	defer schemas.mu.Unlock()
	if sch := schemas.done[key]; sch != nil {
		return sch, nil
	}
	if schemas.compiler == nil && schemas.err == nil {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		for _, n := range SchemaNames() {
			doc, err := schemaDoc(n)
			if err == nil {
				err = c.AddResource(schemaID(n), doc)
			}
			if err != nil {
				schemas.err = fmt.Errorf("schema %s: %v", n, err)
				break
			}
		}
		if schemas.err == nil {
			schemas.compiler, schemas.done = c, map[string]*jsonschema.Schema{}
		}
	}
	if schemas.err != nil {
		return nil, schemas.err
	}
	if !slices.Contains(SchemaNames(), name) {
		return nil, fmt.Errorf("no schema %s", name)
	}
	sch, err := schemas.compiler.Compile(schemaID(name) + "#" + ptr)
	if err != nil {
		return nil, fmt.Errorf("schema %s#%s: %v", name, ptr, err)
	}
	schemas.done[key] = sch
	return sch, nil
}

// compileAll compiles every schema and subschema validation uses (for tests).
func compileAll() error {
	for _, name := range SchemaNames() {
		if _, err := compiledSchema(name, ""); err != nil {
			return err
		}
	}
	if _, err := compiledSchema("response.result", "/properties/result"); err != nil {
		return err
	}
	for _, op := range Ops() {
		if OpValue(op) != nil {
			if _, err := compiledSchema("response.result", "/$defs/value/"+string(op)); err != nil {
				return err
			}
		}
	}
	return nil
}

// schemaDocs are the parsed schema files, for compiling and for the hints
// (descriptions) that error messages quote.
var schemaDocs = sync.OnceValue(func() map[string]any {
	docs := map[string]any{}
	for _, name := range SchemaNames() {
		raw, ok := Schema(name)
		if !ok {
			continue
		}
		if doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw)); err == nil {
			docs[name] = doc
		}
	}
	return docs
})

func schemaDoc(name string) (any, error) {
	doc, ok := schemaDocs()[name]
	if !ok {
		return nil, fmt.Errorf("schema %s is missing or not JSON", name)
	}
	return doc, nil
}

func schemaID(name string) string { return "urn:knoxconform:protocol:v1:" + name }

// validateAgainst validates raw against the (sub)schema ptr of schema name and
// turns a failure into one sentence naming the field.
func validateAgainst(name, ptr string, raw []byte) error {
	sch, err := compiledSchema(name, ptr)
	if err != nil {
		return fmt.Errorf("the protocol schemas do not compile (a bug of knoxconform): %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	err = sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		return errors.New(describe1(ve))
	}
	return err
}

var printer = message.NewPrinter(language.English)

// describe1 renders the most telling failure in a validation error tree: the
// deepest one, phrased around the field it concerns, with the description of
// the schema branch it failed in (an if/then/else branch says what to send).
func describe1(ve *jsonschema.ValidationError) string {
	leaf := deepestLeaf(ve)
	field := fieldPath(leaf.InstanceLocation)
	var msg string
	switch k := leaf.ErrorKind.(type) {
	case *kind.Required:
		var parts []string
		for _, m := range k.Missing {
			parts = append(parts, fmt.Sprintf("field %q is missing%s", m, where(field)))
		}
		msg = strings.Join(parts, "; ")
	case *kind.AdditionalProperties:
		var parts []string
		for _, p := range k.Properties {
			parts = append(parts, fmt.Sprintf("unknown field %q%s (field names are case-sensitive)", p, where(field)))
		}
		msg = strings.Join(parts, "; ")
	case *kind.FalseSchema:
		msg = fmt.Sprintf("field %q must not be present", lastSegment(leaf.InstanceLocation))
		if parent := fieldPath(leaf.InstanceLocation[:max(0, len(leaf.InstanceLocation)-1)]); parent != "" {
			msg += " in " + parent
		}
	case *kind.Const:
		if f := lastSegment(leaf.InstanceLocation); f == "v" || f == "protocol" {
			msg = fmt.Sprintf("%s is %s, this suite speaks protocol %d", quoteField(field), show(k.Got), ProtocolVersion)
		} else {
			msg = fmt.Sprintf("%s is %s, want %s", field, show(k.Got), show(k.Want))
		}
	case *kind.Enum:
		var want []string
		for _, w := range k.Want {
			want = append(want, show(w))
		}
		msg = fmt.Sprintf("%s is %s, want one of %s", field, show(k.Got), strings.Join(want, ", "))
	case *kind.MinLength:
		if k.Want == 1 {
			msg = fmt.Sprintf("%s is empty", quoteField(field))
		}
	case *kind.Maximum:
		msg = fmt.Sprintf("%s is %s, want at most %s", quoteField(field), k.Got.RatString(), k.Want.RatString())
	case *kind.Minimum:
		msg = fmt.Sprintf("%s is %s, want at least %s", quoteField(field), k.Got.RatString(), k.Want.RatString())
	case *kind.UniqueItems:
		msg = fmt.Sprintf("%s lists the same item twice (at %d and %d); list each once", quoteField(field), k.Duplicates[0], k.Duplicates[1])
	case *kind.Type:
		msg = fmt.Sprintf("%s is %s, want %s", quoteField(field), k.Got, strings.Join(k.Want, " or "))
	}
	if msg == "" {
		msg = fmt.Sprintf("%s: %s", quoteField(field), leaf.ErrorKind.LocalizedString(printer))
	}
	if hint := branchHint(leaf.SchemaURL); hint != "" {
		msg += " (" + hint + ")"
	}
	return msg
}

// deepestLeaf picks, among the failures without causes, the one deepest in the
// instance (the first such in document order).
func deepestLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	best := ve
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			if best == ve || len(e.InstanceLocation) > len(best.InstanceLocation) {
				best = e
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return best
}

// branchHint is the description of the innermost then/else branch of the
// schema location url (absolute, "urn:…:name#/json/pointer"), "" when none.
func branchHint(url string) string {
	name, ptr, ok := strings.Cut(strings.TrimPrefix(url, schemaID("")), "#")
	if !ok {
		return ""
	}
	node := schemaDocs()[name]
	hint := ""
	for _, seg := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		obj, isObj := node.(map[string]any)
		if !isObj {
			break
		}
		node = obj[seg]
		if seg == "then" || seg == "else" {
			if m, isMap := node.(map[string]any); isMap {
				if d, isStr := m["description"].(string); isStr {
					hint = d
				}
			}
		}
	}
	return hint
}

// fieldPath renders an instance location as result.error.kind or operations[2].
func fieldPath(loc []string) string {
	var b strings.Builder
	for _, seg := range loc {
		if seg != "" && strings.Trim(seg, "0123456789") == "" {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

func lastSegment(loc []string) string {
	if len(loc) == 0 {
		return ""
	}
	return loc[len(loc)-1]
}

// quoteField names a field for a message: `field "id"`, or the message itself
// when the path is empty.
func quoteField(field string) string {
	if field == "" {
		return "the message"
	}
	return fmt.Sprintf("field %q", field)
}

// show renders a JSON value from the validator for a message.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
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

func where(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
