package target

import (
	"testing"
)

// Validation compiles schemas lazily, so a schema (or an operation's value
// subschema) that no other test happens to validate against would only fail
// to compile in a user's run. Compile them all here.
func TestSchemasCompile(t *testing.T) {
	if err := compileAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := compiledSchema("request.nonesuch", ""); err == nil {
		t.Fatal("an unknown schema name compiled")
	}
}

// BenchmarkSchemaStartup is what one process spends compiling the schemas of
// its side of the protocol on its first messages, against compiling all of
// them: run with -bench SchemaStartup.
func BenchmarkSchemaStartup(b *testing.B) {
	sides := map[string][][2]string{
		"adapter": {{"request.hello", ""}, {"request.newClient", ""}, {"request.invoke", ""}, {"request.closeClient", ""}},
		"worker": {{"response.hello", ""}, {"response.ok", ""}, {"response.result", ""}, {"response.result", "/properties/result"},
			{"response.result", "/$defs/value/" + string(OpListDevices)}},
	}
	for side, need := range sides {
		b.Run(side, func(b *testing.B) {
			for b.Loop() {
				resetSchemas()
				for _, n := range need {
					if _, err := compiledSchema(n[0], n[1]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			resetSchemas()
			if err := compileAll(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func resetSchemas() {
	schemas.mu.Lock()
	schemas.compiler, schemas.err, schemas.done = nil, nil, nil
	schemas.mu.Unlock()
}
