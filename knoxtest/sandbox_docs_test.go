package knoxtest_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxtest"
)

var update = flag.Bool("update", false, "rewrite docs/sandbox.md and docs/sandbox-script.schema.json from the code")

// TestSandboxDocs keeps docs/sandbox.md and the script schema what the code
// generates; run with -update to rewrite them.
func TestSandboxDocs(t *testing.T) {
	for file, want := range map[string][]byte{
		"../docs/sandbox.md":                 knoxtest.SandboxMarkdown(),
		"../docs/sandbox-script.schema.json": knoxtest.ScriptSchema(),
	} {
		if *update {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (generate it: go test ./knoxtest -run TestSandboxDocs -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the code generates; regenerate it: go test ./knoxtest -run TestSandboxDocs -update", file)
		}
	}
}

// TestSandboxDocExamplesWork sends every script example of docs/sandbox.md to a
// sandbox: a documented example the server refuses is a broken promise.
func TestSandboxDocExamplesWork(t *testing.T) {
	doc := string(knoxtest.SandboxMarkdown())
	examples := regexp.MustCompile(`-d '(\{.*\})'`).FindAllStringSubmatch(doc, -1)
	for _, m := range regexp.MustCompile("(?s)Request:\n\n```json\n(\\{\"route\".*?)\n```").FindAllStringSubmatch(doc, -1) {
		examples = append(examples, m)
	}
	if len(examples) < 3 {
		t.Fatalf("found %d script examples in docs/sandbox.md, want at least 3", len(examples))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan *knoxtest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- knoxtest.RunSandbox(ctx, knoxtest.SandboxConfig{Addr: "127.0.0.1:0", Dir: t.TempDir(),
			Ready: func(s *knoxtest.Server) { ready <- s }}, io.Discard)
	}()
	var srv *knoxtest.Server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox did not start")
	}
	for _, ex := range examples {
		resp, err := srv.Client().Post(srv.URL+knoxtest.ControlPrefix+"script", "application/json", strings.NewReader(ex[1]))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("documented example %s: %d %s", ex[1], resp.StatusCode, body)
		}
	}
	cancel()
	<-done
}
