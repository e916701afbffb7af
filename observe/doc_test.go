package observe

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/observe.md from the code")

// docs/observe.md is generated from the tables the code runs on; it must not
// drift from them.
func TestDocObserve(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDoc(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "observe.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("docs/observe.md is stale or missing (%v): run `make docs`", err)
	}
}
