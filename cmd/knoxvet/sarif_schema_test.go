package main

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sarifSchemaFile is the OASIS SARIF 2.1.0 schema (errata 01, the $schema
// knoxvet writes), vendored from github.com/oasis-tcs/sarif-spec,
// sarif-2.1/schema/sarif-schema-2.1.0.json at commit
// a560296ca8c921f3bdb8d4a8db57ab83dae968a7. The test reads it from disk so
// that no network is needed.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

// validateSARIF checks a SARIF log against the vendored schema.
func validateSARIF(t *testing.T, log string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(sarifSchemaFile)
	if err != nil {
		t.Fatalf("compiling the SARIF schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(log))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("SARIF output does not match the SARIF 2.1.0 schema: %v", err)
	}
}

// The validator must be able to fail: a log with a result lacking its
// message, and a fix with no artifactChanges, are refused.
func TestSARIFSchemaRefusesBadLogs(t *testing.T) {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, log := range map[string]string{
		"result without message": `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"knoxvet"}},"results":[{"ruleId":"KNX101"}]}]}`,
		"fix without changes":    `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"knoxvet"}},"results":[{"ruleId":"KNX101","message":{"text":"m"},"fixes":[{"description":{"text":"d"}}]}]}]}`,
	} {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(log))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(doc) == nil {
			t.Errorf("%s: accepted by the schema", name)
		}
	}
}
