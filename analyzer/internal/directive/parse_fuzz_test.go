package directive

import (
	"go/ast"
	"go/token"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary comment text to the parser: whatever a user writes
// after //knoxvet:, parse must classify it without panicking, and a directive it
// accepts as an ignore must carry at least one well-formed rule ID and a reason.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"ignore KNX101 reason", "ignore KNX101,KNX102 -- why", "file-ignore KNX201 generated elsewhere",
		"enforce", "", "ignore", "ignore ,", "ignore KNX1 x", "ignore\tKNX101\t//\t", "ignroe KNX101 x",
		"ignore KNX101,,KNX102 x", "ignore KNX101 \u00a0", "file-ignore   KNX101   ",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, body string, trailing bool) {
		if strings.ContainsAny(body, "\n\r") {
			t.Skip("a // comment ends at the line break")
		}
		src := prefix + body + "\n"
		if trailing {
			src = "x := 1 " + src
		}
		fset := token.NewFileSet()
		tf := fset.AddFile("f.go", -1, len(src))
		tf.SetLinesForContent([]byte(src))
		pos := tf.Pos(strings.Index(src, prefix))
		d := parse(&ast.Comment{Slash: pos, Text: strings.TrimSuffix(src[strings.Index(src, prefix):], "\n")}, tf, []byte(src))
		switch d.kind {
		case lineIgnore, fileIgnore:
			if len(d.rules) == 0 {
				t.Errorf("%q accepted as an ignore without a rule", body)
			}
			for _, r := range d.rules {
				if !ruleID.MatchString(r) {
					t.Errorf("%q accepted with rule %q", body, r)
				}
			}
			if d.kind == lineIgnore && d.line != 1 && trailing {
				t.Errorf("%q: a trailing ignore covers line %d, want its own line 1", body, d.line)
			}
			if d.kind == lineIgnore && d.line != 2 && !trailing {
				t.Errorf("%q: a standalone ignore covers line %d, want the next line 2", body, d.line)
			}
		case malformed:
			if d.problem == "" {
				t.Errorf("%q is malformed but says nothing about why", body)
			}
		}
	})
}
