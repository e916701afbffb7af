package main

import (
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
)

func TestUTF16Column(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.go")
	// "é" is 2 bytes and 1 UTF-16 unit; "𝔾" is 4 bytes and 2 units.
	if err := os.WriteFile(name, []byte("package x\nvar s = \"é𝔾\" + y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newLineCache()
	for _, tc := range []struct{ line, col, want int }{
		{1, 1, 1},
		{2, 9, 9},   // the opening quote: ASCII so far
		{2, 17, 14}, // "y": after 1+2 units instead of 2+4 bytes, plus '"', ' ', '+', ' '
		{9, 3, 3},   // past the end: left alone
	} {
		if got := c.utf16Column(name, tc.line, tc.col); got != tc.want {
			t.Errorf("utf16Column(line %d, byte col %d) = %d, want %d", tc.line, tc.col, got, tc.want)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	root := filepath.FromSlash("/repo")
	if uri, base := artifactURI(filepath.FromSlash("/repo/a b/x.go"), root); uri != "a%20b/x.go" || base != srcRootID {
		t.Errorf("inside root: %q %q", uri, base)
	}
	if uri, base := artifactURI(filepath.FromSlash("/elsewhere/x.go"), root); uri != "file:///elsewhere/x.go" || base != "" {
		t.Errorf("outside root: %q %q", uri, base)
	}
}

// TestApplyFixes: identical edits are applied once, an overlapping fix is
// skipped whole and its finding stays unfixed.
func TestApplyFixes(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.go")
	src := "package x\n\nvar a, b = 429, 404\n"
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	tf := fset.AddFile(name, -1, len(src))
	tf.SetLinesForContent([]byte(src))
	at := func(off int) token.Pos { return tf.Pos(off) }
	fix := func(start, end int, text string) []analysis.SuggestedFix {
		return []analysis.SuggestedFix{{Message: "fix", TextEdits: []analysis.TextEdit{{Pos: at(start), End: at(end), NewText: []byte(text)}}}}
	}
	i429, i404 := 22, 27
	fs := []*finding{
		{Diag: analysis.Diagnostic{SuggestedFixes: fix(i429, i429+3, "tooMany")}, Fset: fset, Posn: fset.Position(at(i429))},
		{Diag: analysis.Diagnostic{SuggestedFixes: fix(i429, i429+3, "tooMany")}, Fset: fset, Posn: fset.Position(at(i429))},
		{Diag: analysis.Diagnostic{SuggestedFixes: fix(i429+1, i429+2, "overlap")}, Fset: fset, Posn: fset.Position(at(i429))},
		{Diag: analysis.Diagnostic{SuggestedFixes: fix(i404, i404+3, "notFound")}, Fset: fset, Posn: fset.Position(at(i404))},
	}
	if err := applyFixes(fs); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(name)
	if want := "package x\n\nvar a, b = tooMany, notFound\n"; string(got) != want {
		t.Errorf("fixed file:\n%s\nwant:\n%s", got, want)
	}
	if !fs[0].fixed || !fs[1].fixed || fs[2].fixed || !fs[3].fixed {
		t.Errorf("fixed flags %v %v %v %v, want true true false true", fs[0].fixed, fs[1].fixed, fs[2].fixed, fs[3].fixed)
	}
}
