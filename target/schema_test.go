package target_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/target"
)

// example is one message with the verdict both validators must reach.
type example struct {
	Why   string          `json:"why"`
	Dir   string          `json:"dir"` // request or response
	Req   string          `json:"req"` // for a response: the type of request it answers
	Op    target.Op       `json:"op"`
	Valid bool            `json:"valid"`
	Msg   json.RawMessage `json:"msg"`
	// Schema is filled in: the name of the schema the message is checked against.
	Schema string `json:"schema"`
}

func (e example) goVerdict() error {
	if e.Dir == "request" {
		_, err := target.ValidateRequest(e.Msg)
		return err
	}
	_, err := target.ValidateResponse(e.Req, e.Op, e.Msg)
	return err
}

// schemaFor picks the schema of a message by direction and type; "" when the
// type is unknown (then no schema applies and the message is invalid).
func schemaFor(dir string, msg json.RawMessage) string {
	var env struct{ Type string }
	_ = json.Unmarshal(msg, &env)
	name := dir + "." + env.Type
	if _, ok := target.Schema(name); ok {
		return name
	}
	return ""
}

func loadExamples() []example {
	raw, err := os.ReadFile(filepath.Join("testdata", "messages.jsonl"))
	Expect(err).NotTo(HaveOccurred())
	var out []example
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		var e example
		Expect(json.Unmarshal(sc.Bytes(), &e)).To(Succeed(), sc.Text())
		e.Schema = schemaFor(e.Dir, e.Msg)
		out = append(out, e)
	}
	return out
}

// sessionExamples reads the example session in docs/protocol.md: "> " lines
// are requests, "< " lines responses, paired by id.
func sessionExamples() []example {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "protocol.md"))
	Expect(err).NotTo(HaveOccurred())
	block := regexp.MustCompile("(?s)```jsonl session\n(.*?)```").FindSubmatch(doc)
	Expect(block).NotTo(BeNil(), "docs/protocol.md has no ```jsonl session block")
	reqs := map[string]target.Request{}
	var out []example
	for _, line := range strings.Split(strings.TrimSpace(string(block[1])), "\n") {
		dir, msg, ok := strings.Cut(line, " ")
		Expect(ok).To(BeTrue(), line)
		e := example{Why: "docs session: " + msg, Valid: true, Msg: json.RawMessage(msg)}
		switch dir {
		case ">":
			e.Dir = "request"
			var r target.Request
			Expect(json.Unmarshal(e.Msg, &r)).To(Succeed(), msg)
			reqs[r.ID] = r
		case "<":
			e.Dir = "response"
			var r target.Response
			Expect(json.Unmarshal(e.Msg, &r)).To(Succeed(), msg)
			req, ok := reqs[r.ID]
			Expect(ok).To(BeTrue(), "response before its request: %s", msg)
			e.Req = req.Type
			if req.Type == target.TypeInvoke {
				var p target.InvokeParams
				Expect(json.Unmarshal(req.Params, &p)).To(Succeed())
				e.Op = p.Op
			}
		default:
			Fail("a session line starts with > or <: " + line)
		}
		e.Schema = schemaFor(e.Dir, e.Msg)
		out = append(out, e)
	}
	return out
}

var _ = Describe("message validation", func() {
	It("accepts every line of the documented session", func() {
		examples := sessionExamples()
		Expect(len(examples)).To(BeNumerically(">=", 16))
		for _, e := range examples {
			Expect(e.goVerdict()).To(Succeed(), e.Why)
		}
	})

	It("reaches the expected verdict on each example message", func() {
		for _, e := range loadExamples() {
			err := e.goVerdict()
			if e.Valid {
				Expect(err).NotTo(HaveOccurred(), e.Why)
			} else {
				Expect(err).To(HaveOccurred(), "should reject: %s", e.Why)
			}
		}
	})

	It("publishes a draft 2020-12 schema for every message, with the Go enums", func() {
		for _, name := range target.SchemaNames() {
			raw, ok := target.Schema(name)
			Expect(ok).To(BeTrue(), name)
			var s map[string]any
			Expect(json.Unmarshal(raw, &s)).To(Succeed(), name)
			Expect(s["$schema"]).To(Equal("https://json-schema.org/draft/2020-12/schema"), name)
		}
		_, ok := target.Schema("../validate.go")
		Expect(ok).To(BeFalse())

		var kinds []string
		for _, k := range knoxerr.Kinds() {
			kinds = append(kinds, string(k))
		}
		var ops []string
		for _, op := range target.Ops() {
			ops = append(ops, string(op))
		}
		result, _ := target.Schema("response.result")
		Expect(enumsIn(result)).To(ContainElement(kinds), "response.result lists exactly knoxerr.Kinds()")
		hello, _ := target.Schema("response.hello")
		Expect(enumsIn(hello)).To(ContainElement(ops), "response.hello lists exactly target.Ops()")
		invoke, _ := target.Schema("request.invoke")
		Expect(enumsIn(invoke)).To(ContainElement(ops), "request.invoke lists exactly target.Ops()")
	})

	It("agrees with the JSON Schemas on every example (needs python3 with jsonschema)", func() {
		if exec.Command("python3", "-c", "import jsonschema").Run() != nil {
			Skip("python3 with the jsonschema module is not installed")
		}
		dir := GinkgoT().TempDir()
		for _, name := range target.SchemaNames() {
			raw, _ := target.Schema(name)
			Expect(os.WriteFile(filepath.Join(dir, name+".json"), raw, 0o644)).To(Succeed())
		}
		examples := append(loadExamples(), sessionExamples()...)
		cases, err := json.Marshal(examples)
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "python3", "-c", schemaCheckPy, dir)
		cmd.Stdin = bytes.NewReader(cases)
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		var verdicts []bool
		Expect(json.Unmarshal(out, &verdicts)).To(Succeed(), string(out))
		Expect(verdicts).To(HaveLen(len(examples)))
		for i, e := range examples {
			Expect(verdicts[i]).To(Equal(e.Valid), "schema verdict on %q: %s", e.Why, e.Msg)
		}
	})

	It("runs the minimal Python adapter from the docs (needs python3)", func() {
		if _, err := exec.LookPath("python3"); err != nil {
			Skip("python3 is not installed")
		}
		doc, err := os.ReadFile(filepath.Join("..", "docs", "protocol.md"))
		Expect(err).NotTo(HaveOccurred())
		src := regexp.MustCompile("(?s)```python adapter\n(.*?)```").FindSubmatch(doc)
		Expect(src).NotTo(BeNil())
		file := filepath.Join(GinkgoT().TempDir(), "adapter.py")
		Expect(os.WriteFile(file, src[1], 0o644)).To(Succeed())

		t, err := target.Start(context.Background(), "python3 -u "+file, target.Options{RequestTimeout: 10 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		ctx := context.Background()
		h, err := t.Hello(ctx, target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		Expect(h.Adapter.Lang).To(Equal("python"))
		Expect(t.NewClient(ctx, newClientParams("c1"))).To(Succeed())
		_, err = t.Invoke(ctx, listDevices("c1", 0))
		var sk *target.SkipError
		Expect(err).To(BeAssignableToTypeOf(sk))
		Expect(err.Error()).To(ContainSubstring("does not list kme.listDevices"), "an operation missing from hello is skipped by the suite")
		Expect(t.Close()).To(Succeed())
		Expect(t.Stderr()).To(Equal("got hello\ngot newClient\ngot bye\n"))
	})
})

// enumsIn collects every "enum" array in a schema, as string lists.
func enumsIn(schema []byte) [][]string {
	var doc any
	Expect(json.Unmarshal(schema, &doc)).To(Succeed())
	var out [][]string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if list, ok := x.([]any); ok && k == "enum" {
					var s []string
					for _, e := range list {
						s = append(s, e.(string))
					}
					out = append(out, s)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// schemaCheckPy validates each example against its schema (or reports it
// invalid when no schema applies) and prints the verdicts as a JSON list.
const schemaCheckPy = `
import json, os, sys
from jsonschema import Draft202012Validator
d = sys.argv[1]
schemas = {}
for f in os.listdir(d):
    s = json.load(open(os.path.join(d, f)))
    Draft202012Validator.check_schema(s)
    schemas[f[:-len(".json")]] = Draft202012Validator(s)
raw = {n: v.schema for n, v in schemas.items()}
verdicts = []
for e in json.load(sys.stdin):
    v = schemas.get(e["schema"])
    ok = bool(v) and v.is_valid(e["msg"])
    # A result of an operation with a structured value: its value schema too.
    values = raw.get("response.result", {}).get("$defs", {}).get("value", {})
    if ok and e["schema"] == "response.result" and e.get("op") in values:
        ok = Draft202012Validator(values[e["op"]]).is_valid(e["msg"]["result"])
    verdicts.append(ok)
print(json.dumps(verdicts))
`
