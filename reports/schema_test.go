package reports

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// A validator for the subset of JSON Schema 2020-12 that docs/summary.schema.json
// uses. It refuses keywords it does not implement, so the schema cannot grow a
// constraint this test silently ignores.

var annotationKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$comment": true,
	"title": true, "description": true, "format": true, "examples": true, "default": true,
}

type schemaValidator struct {
	root map[string]any
}

func (v *schemaValidator) validate(schema any, inst any, path string) []string {
	sch, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool {
			if !b {
				return []string{path + ": not allowed"}
			}
			return nil
		}
		return []string{path + ": schema is not an object"}
	}
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	for _, k := range slices.Sorted(maps.Keys(sch)) {
		kw := sch[k]
		switch k {
		case "$ref":
			ref, _ := kw.(string)
			const prefix = "#/$defs/"
			defs, _ := v.root["$defs"].(map[string]any)
			target, found := defs[strings.TrimPrefix(ref, prefix)]
			if !strings.HasPrefix(ref, prefix) || !found {
				add("unresolvable $ref %q", ref)
				continue
			}
			errs = append(errs, v.validate(target, inst, path)...)
		case "type":
			var types []string
			switch t := kw.(type) {
			case string:
				types = []string{t}
			case []any:
				for _, x := range t {
					types = append(types, x.(string))
				}
			}
			okType := false
			for _, t := range types {
				okType = okType || hasType(inst, t)
			}
			if !okType {
				add("is %s, want %s", typeName(inst), strings.Join(types, " or "))
			}
		case "enum":
			found := false
			for _, e := range kw.([]any) {
				found = found || jsonEqual(e, inst)
			}
			if !found {
				add("%v is not one of %v", inst, kw)
			}
		case "const":
			if !jsonEqual(kw, inst) {
				add("%v, want %v", inst, kw)
			}
		case "minimum":
			if n, isNum := inst.(float64); isNum && n < kw.(float64) {
				add("%v is below the minimum %v", n, kw)
			}
		case "minLength":
			if s, isStr := inst.(string); isStr && float64(len([]rune(s))) < kw.(float64) {
				add("%q is shorter than %v", s, kw)
			}
		case "required":
			if obj, isObj := inst.(map[string]any); isObj {
				for _, r := range kw.([]any) {
					if _, present := obj[r.(string)]; !present {
						add("required property %q is missing", r)
					}
				}
			}
		case "properties", "additionalProperties", "propertyNames":
			// They interact, so they are applied together below.
		case "items":
			if arr, isArr := inst.([]any); isArr {
				for i, x := range arr {
					errs = append(errs, v.validate(kw, x, fmt.Sprintf("%s[%d]", path, i))...)
				}
			}
		default:
			if !annotationKeywords[k] {
				add("schema keyword %q is not implemented by this test's validator", k)
			}
		}
	}
	// Object keywords, which interact.
	if obj, isObj := inst.(map[string]any); isObj {
		props, _ := sch["properties"].(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(obj)) {
			val := obj[name]
			if pn, has := sch["propertyNames"]; has {
				errs = append(errs, v.validate(pn, name, path+" key "+name)...)
			}
			if ps, has := props[name]; has {
				errs = append(errs, v.validate(ps, val, path+"."+name)...)
			} else if ap, has := sch["additionalProperties"]; has {
				if b, isBool := ap.(bool); isBool && !b {
					add("property %q is not in the schema", name)
				} else {
					errs = append(errs, v.validate(ap, val, path+"."+name)...)
				}
			}
		}
	}
	return errs
}

func hasType(inst any, t string) bool {
	switch t {
	case "object":
		_, ok := inst.(map[string]any)
		return ok
	case "array":
		_, ok := inst.([]any)
		return ok
	case "string":
		_, ok := inst.(string)
		return ok
	case "boolean":
		_, ok := inst.(bool)
		return ok
	case "number":
		_, ok := inst.(float64)
		return ok
	case "integer":
		n, ok := inst.(float64)
		return ok && n == math.Trunc(n)
	case "null":
		return inst == nil
	}
	return false
}

func typeName(inst any) string {
	switch inst.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	}
	return fmt.Sprintf("%T", inst)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func loadSchema(t *testing.T) *schemaValidator {
	t.Helper()
	b, err := os.ReadFile("../docs/summary.schema.json")
	if err != nil {
		t.Fatalf("docs/summary.schema.json: %v", err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatalf("docs/summary.schema.json is not JSON: %v", err)
	}
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("docs/summary.schema.json: $schema = %v, want draft 2020-12", root["$schema"])
	}
	return &schemaValidator{root: root}
}

func summaryAsJSON(t *testing.T, s *Summary) any {
	t.Helper()
	b, err := MarshalSummary(s)
	if err != nil {
		t.Fatal(err)
	}
	var inst any
	if err := json.Unmarshal(b, &inst); err != nil {
		t.Fatal(err)
	}
	return inst
}

// everyFieldSummary sets every optional field too, so a field added to the
// model but not to the schema is caught by additionalProperties: false.
func everyFieldSummary() *Summary {
	s := sampleSummary()
	s.Run.Interrupted = true
	s.Run.HarnessError = "adapter exited with status 2"
	s.Run.Strict = true
	s.Run.Command = &CommandRun{Line: "npm test", ExitStatus: 1, DurationMs: 12.5, Note: "stopped by knoxconform after --timeout 1s", OutputTail: "1 failing"}
	s.Cases = append(s.Cases, CaseResult{
		Case:            Case{ID: "auth/401/refresh-once", Title: "t", Level: "MUST", Area: "auth", Codes: []string{"401"}, Requirement: "r", Source: "s"},
		Class:           ExpectedFail,
		Checks:          []Check{{Name: "n", Level: "MUST", Expected: "e", Actual: "a"}},
		Timeline:        []Attempt{{Seq: 1, GapMs: -1, Method: "GET", Route: "/x", Fault: "reset_before_headers", RetryAfter: "2", JTI: "j", JWTFingerprint: "f", TokenFingerprint: "g", Note: "refresh", Code: "401"}},
		Outcome:         &Outcome{Kind: "auth", HTTPStatus: 401, Code: "401", Message: "m"},
		Reason:          "r",
		Stderr:          "e",
		Rerun:           "knoxconform run",
		ExpectedFailure: "known bug #12",
	}, CaseResult{Case: Case{ID: "auth/401/x", Area: "auth"}, Class: Pass, UnexpectedPass: true, ExpectedFailure: "was #3"})
	Finalize(s)
	return s
}

func TestSummaryMatchesSchema(t *testing.T) {
	v := loadSchema(t)
	for name, s := range map[string]*Summary{"sample": sampleSummary(), "every field": everyFieldSummary(), "empty": {}} {
		Finalize(s)
		if errs := v.validate(v.root, summaryAsJSON(t, s), "$"); len(errs) > 0 {
			t.Errorf("%s summary.json does not match docs/summary.schema.json:\n%s", name, strings.Join(errs, "\n"))
		}
	}
}

func TestSchemaRejectsBadSummaries(t *testing.T) {
	v := loadSchema(t)
	mutate := map[string]func(m map[string]any){
		"unknown class":      func(m map[string]any) { m["cases"].([]any)[0].(map[string]any)["class"] = "MAYBE" },
		"missing verdict":    func(m map[string]any) { delete(m, "verdict") },
		"undocumented field": func(m map[string]any) { m["run"].(map[string]any)["token"] = "x" },
		"gap below -1": func(m map[string]any) {
			m["cases"].([]any)[0].(map[string]any)["timeline"].([]any)[0].(map[string]any)["gapMs"] = -5.0
		},
		"wrong schemaVersion": func(m map[string]any) { m["schemaVersion"] = 2.0 },
		"count key":           func(m map[string]any) { m["counts"].(map[string]any)["OK"] = 1.0 },
	}
	for name, f := range mutate {
		inst := summaryAsJSON(t, sampleSummary()).(map[string]any)
		f(inst)
		if errs := v.validate(v.root, inst, "$"); len(errs) == 0 {
			t.Errorf("%s: the schema accepted an invalid summary", name)
		}
	}
}
