package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func summaryOf(classes map[string]Class) *Summary {
	s := &Summary{}
	for id, c := range classes {
		s.Cases = append(s.Cases, CaseResult{Case: Case{ID: id, Title: id}, Class: c,
			Checks: []Check{{Name: "check of " + id, Level: "MUST", Passed: c == Pass, Expected: "x", Actual: "y"}}})
	}
	Finalize(s)
	return s
}

func TestDiff(t *testing.T) {
	old := summaryOf(map[string]Class{"a": Pass, "b": Fail, "c": Pass, "d": Pass, "e": ExpectedFail, "gone": Pass, "f": Pass})
	new := summaryOf(map[string]Class{"a": Fail, "b": Pass, "c": Pass, "d": Unsupported, "e": Pass, "new": Fail, "f": Error})
	d := Diff(old, new)
	ids := func(l []Change) string {
		var out []string
		for _, c := range l {
			out = append(out, c.ID)
		}
		return strings.Join(out, ",")
	}
	for name, got := range map[string][2]string{
		"regressed":   {ids(d.Regressions), "a,f"},
		"fixed":       {ids(d.Fixed), "b,e"},
		"changed":     {ids(d.Changed), "d"},
		"appeared":    {ids(d.Appeared), "new"},
		"disappeared": {ids(d.Disappeared), "gone"},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %q, want %q", name, got[0], got[1])
		}
	}
	if !d.Regressed() {
		t.Error("Regressed() is false with two regressions")
	}
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"regressed: 2", "PASS → FAIL", "check of a", "disappeared: 1"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("diff output lacks %q:\n%s", want, buf.String())
		}
	}
	if Diff(old, old).Regressed() {
		t.Error("a run regressed against itself")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	for name, tc := range map[string]struct{ content, want string }{
		"empty":       {"", "empty"},
		"not json":    {"<html>", "invalid JSON"},
		"ginkgo json": {`[{"SuitePath":"x"}]`, "Ginkgo's report.json"},
		"no version":  {`{"cases":[]}`, "schemaVersion"},
		"future":      {`{"schemaVersion":99}`, "newer than this knoxconform"},
		"bad types":   {`{"schemaVersion":1,"cases":"nope"}`, "does not match format version 1"},
	} {
		_, err := Load(write(strings.ReplaceAll(name, " ", "_")+".json", tc.content))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("loading a missing file succeeded")
	}
}
