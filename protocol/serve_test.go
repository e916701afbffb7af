package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The lean Serve decodes requests strictly instead of validating them against
// the JSON Schemas. Every request the schemas accept must be accepted, and the
// mistakes a strict decoder can see (an unknown type, version, operation or
// field) refused; what only the schemas know (a required field, a minimum
// length) is left to package target's Serve and to the suite, which validates
// every answer.
func TestDecodeRequestAgreesWithTheSchemas(t *testing.T) {
	f, err := os.Open("../target/testdata/messages.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	strictlyVisible := []string{"protocol 2", "unknown request type", "unknown operation", "misspelt op param",
		"a param it does not take", "takes no parameters", "hello without params"}
	seen := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			Why   string          `json:"why"`
			Dir   string          `json:"dir"`
			Valid bool            `json:"valid"`
			Msg   json.RawMessage `json:"msg"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Dir != "request" {
			continue
		}
		seen++
		_, err := decodeRequest(e.Msg)
		switch {
		case e.Valid && err != nil:
			t.Errorf("%s: the schemas accept it, the strict decoder refuses it: %v\n%s", e.Why, err, e.Msg)
		case !e.Valid && err == nil && containsAny(e.Why, strictlyVisible):
			t.Errorf("%s: a strict decoder should refuse it\n%s", e.Why, e.Msg)
		}
	}
	if seen < 15 {
		t.Fatalf("only %d request examples read", seen)
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

type nopAdapter struct{}

func (nopAdapter) Hello(context.Context, HelloParams) (HelloResult, error) {
	return HelloResult{Protocol: ProtocolVersion}, nil
}
func (nopAdapter) NewClient(context.Context, NewClientParams) error { return nil }
func (nopAdapter) Invoke(context.Context, InvokeParams) (Outcome, error) {
	return Outcome{OK: true}, nil
}
func (nopAdapter) CloseClient(context.Context, CloseClientParams) error { return nil }

func TestServeAnswersBadRequestsAndGoesOn(t *testing.T) {
	in := strings.Join([]string{
		`{"v":1,"id":"1","type":"reset"}`,
		`{"v":1,"id":"2","type":"invoke","params":{"client":"c","op":"kme.listDevices","params":{"page":1}}}`,
		`{"v":2,"id":"3","type":"hello","params":{"protocol":2}}`,
		`{"v":1,"id":"4","type":"invoke","params":{"client":"c","op":"kme.listDevices","params":{"pageNum":1}}}`,
		`{"v":1,"id":"5","type":"ping"}`,
		`{"v":1,"id":"6","type":"bye"}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	if err := Serve(context.Background(), nopAdapter{}, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]Response{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r Response
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		got[r.ID] = r
	}
	for id, want := range map[string]string{"1": `"reset"`, "2": `unknown field "page"`, "3": "protocol 1"} {
		if r := got[id]; r.Type != TypeError || !strings.Contains(r.Message, want) {
			t.Errorf("request %s: answered %+v, want an error saying %s", id, r, want)
		}
	}
	for id, typ := range map[string]string{"4": TypeResult, "5": TypeOK, "6": TypeOK} {
		if got[id].Type != typ {
			t.Errorf("request %s: answered %+v, want %s", id, got[id], typ)
		}
	}
}

// An adapter built on this package must not link the schema library (nor
// Ginkgo, the reports or x/tools): that is what makes it start fast.
func TestLinksNoHeavyDependency(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, pkg := range []string{".", "../fixtures/clients/reference"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, heavy := range []string{"santhosh-tekuri/jsonschema", "onsi/ginkgo", "golang.org/x/tools", "knoxconform/reports", "knoxconform/target"} {
				if strings.Contains(dep, heavy) {
					t.Errorf("%s links %s", pkg, dep)
				}
			}
		}
	}
}

// Every request type has a params type the strict decoder knows.
func TestEveryRequestTypeDecodes(t *testing.T) {
	for _, typ := range RequestTypes() {
		if _, ok := requestParams(typ); !ok {
			t.Errorf("request type %q has no params type in requestParams", typ)
		}
	}
}
