package target

import (
	"embed"
	"slices"
	"strings"
)

//go:generate env KNOXCONFORM_UPDATE_DOCS=1 go test -run TestProtocolDocIsCurrent .

// The JSON Schemas (draft 2020-12) of every protocol v1 message, one file per
// message: request.<type>.json and response.<type>.json. They are the
// validator: ValidateRequest and ValidateResponse (used by the suite and by
// Serve) check every message against them, so what docs/protocol.md shows is
// exactly what is enforced. A test also runs an independent implementation
// (Python's jsonschema) over the examples and the documented session.
//
//go:embed schema/*.json
var schemaFS embed.FS

// SchemaNames lists the message schemas ("request.hello", "response.result", …),
// requests first, each in session order.
func SchemaNames() []string {
	var names []string
	for _, t := range RequestTypes() {
		names = append(names, "request."+t)
	}
	for _, t := range []string{TypeHello, TypeOK, TypeResult, TypeSkip, TypeError} {
		names = append(names, "response."+t)
	}
	return names
}

// Schema returns the JSON Schema of one message, by a name from SchemaNames.
func Schema(name string) ([]byte, bool) {
	if !slices.Contains(SchemaNames(), name) || strings.ContainsAny(name, "/\\") {
		return nil, false
	}
	b, err := schemaFS.ReadFile("schema/" + name + ".json")
	return b, err == nil
}
