package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/analyzer"
)

// TestDocsUpToDate fails when docs/analyzers.md no longer matches the
// analyzers' Doc strings.
func TestDocsUpToDate(t *testing.T) {
	want := markdown()
	got, err := os.ReadFile("../../docs/analyzers.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/analyzers.md is stale; regenerate it: go run ./cmd/knoxvet help -markdown > docs/analyzers.md")
	}
	for _, r := range analyzer.Rules() {
		if !strings.Contains(want, "| "+r.ID+" |") {
			t.Errorf("docs table lacks rule %s", r.ID)
		}
	}
	for _, a := range analyzer.All() {
		if !strings.Contains(want, "\n## "+a.Name+"\n") {
			t.Errorf("docs lack a section for %s", a.Name)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitClean, "KNX201"},
		{[]string{"KNX204"}, exitClean, "never read"},
		{[]string{"knx900"}, exitClean, "//knoxvet:ignore"},
		{[]string{"knoxunhandled"}, exitClean, "Rule KNX203"},
		{[]string{"printf"}, exitClean, "printf"},
		{[]string{"KNX999"}, exitUsage, `no analyzer or rule named "KNX999"`},
	} {
		var out, errOut bytes.Buffer
		code := help(&out, &errOut, tc.args)
		if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.want) {
			t.Errorf("help %v: exit %d, output %q; want exit %d and %q", tc.args, code, out.String()+errOut.String(), tc.code, tc.want)
		}
	}
}
