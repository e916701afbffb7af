// Package directive parses the //knoxvet: comments that suppress or sharpen knoxvet
// findings, and reports every diagnostic through them so suppression works the
// same under go vet, the standalone driver and golangci-lint.
//
// Forms (no space after //, like //go: directives):
//
//	//knoxvet:ignore KNX101[,KNX102] reason text   same line, or the next line when the comment stands alone
//	//knoxvet:file-ignore KNX101 reason text       the whole file
//	//knoxvet:enforce                              asks knoxswitch for a fully exhaustive switch
//
// A reason is mandatory and so is at least one rule ID: a blanket ignore does not
// exist. A malformed directive, or an ignore that matched nothing, is itself a
// finding (rule KNX900). The package must not read anything but the pass.
package directive

import (
	"go/ast"
	"go/token"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Rule is the rule ID of problems with directives themselves.
const Rule = "KNX900"

const prefix = "//knoxvet:"

// Known lists every rule ID knoxvet has ever defined, so that an ignore naming
// an unknown (typically mistyped) ID is reported. Add new IDs here; never
// remove or reuse one.
var Known = []string{
	"KNX101", "KNX102", // knoxcode
	"KNX110",                                         // knoxhttp
	"KNX201", "KNX202", "KNX203", "KNX204", "KNX205", // knoxunhandled
	"KNX301",                                                   // knoxswitch
	"KNX401", "KNX402", "KNX403", "KNX404", "KNX405", "KNX406", // knoxretry
	"KNX501", "KNX502", "KNX503", "KNX504", "KNX505", // knoxwire
	Rule, // directives themselves
}

// ruleID is the shape of a knoxvet rule ID; IDs are stable and never reused.
var ruleID = regexp.MustCompile(`^KNX[0-9]{3}$`)

type kind int

const (
	lineIgnore kind = iota
	fileIgnore
	enforce
	malformed
)

// directive is one parsed //knoxvet: comment.
type directive struct {
	kind  kind
	pos   token.Pos
	end   token.Pos
	file  *token.File
	line  int // the line covered by a lineIgnore or enforce directive
	rules []string
	used  map[string]bool // rule → matched a diagnostic
	// problem says what is wrong with a malformed directive.
	problem string
	// skipped is set for directives in files the analyzer chose not to analyse.
	skipped bool
}

// Set holds the directives of one pass.
type Set struct {
	pass *analysis.Pass
	dirs []*directive
	// enforced holds the lines of //knoxvet:enforce comments.
	enforced map[lineKey]bool
	// cgo holds the files cmd/cgo translated: findings there keep no edits.
	cgo map[*token.File]bool
}

// New parses every //knoxvet: comment in pass.Files. Call it once per pass, at the
// start of run.
func New(pass *analysis.Pass) *Set {
	s := &Set{pass: pass, enforced: map[lineKey]bool{}, cgo: map[*token.File]bool{}}
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.FileStart)
		if tf == nil {
			continue
		}
		if CgoTranslated(pass.Fset, f) {
			s.cgo[tf] = true
		}
		var src []byte // read lazily: only files with directives need their text
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if !strings.HasPrefix(c.Text, prefix) {
					continue
				}
				if src == nil {
					src, _ = pass.ReadFile(tf.Name())
				}
				d := parse(c, tf, src)
				if d.kind == enforce {
					s.enforced[key(tf, d.line)] = true
					continue
				}
				s.dirs = append(s.dirs, d)
			}
		}
	}
	return s
}

// lineKey names one line of one file.
type lineKey struct {
	file *token.File
	line int
}

func key(tf *token.File, line int) lineKey { return lineKey{tf, line} }

func parse(c *ast.Comment, tf *token.File, src []byte) *directive {
	d := &directive{pos: c.Pos(), end: c.End(), file: tf, line: tf.Line(c.Pos()), used: map[string]bool{}}
	body := strings.TrimPrefix(c.Text, prefix)
	verb, rest := cutSpace(body)
	switch verb {
	case "enforce":
		d.kind = enforce
		return d
	case "ignore":
		d.kind = lineIgnore
		if standsAlone(tf, c.Pos(), src) {
			d.line++
		}
	case "file-ignore":
		d.kind = fileIgnore
	default:
		d.kind = malformed
		d.problem = "unknown knoxvet directive " + quote(verb) + "; the forms are //knoxvet:ignore RULE reason, //knoxvet:file-ignore RULE reason and //knoxvet:enforce"
		return d
	}
	list, reason := cutSpace(rest)
	// Allow the separators other linters use before a justification.
	for _, sep := range []string{"//", "--"} {
		reason = strings.TrimSpace(strings.TrimPrefix(reason, sep))
	}
	for _, r := range strings.Split(list, ",") {
		if r = strings.TrimSpace(r); r != "" {
			d.rules = append(d.rules, r)
		}
	}
	form := "//knoxvet:" + verb
	switch {
	case len(d.rules) == 0:
		d.problem = "malformed " + form + " directive: no rule ID; write " + form + " KNX101 reason"
	case slices.ContainsFunc(d.rules, func(r string) bool { return !ruleID.MatchString(r) }):
		bad := d.rules[slices.IndexFunc(d.rules, func(r string) bool { return !ruleID.MatchString(r) })]
		d.problem = "malformed " + form + " directive: " + quote(bad) + " is not a rule ID (KNX followed by three digits); separate several IDs with commas, no spaces"
	case reason == "":
		d.problem = "malformed " + form + " directive for " + strings.Join(d.rules, ",") + ": missing reason; say why the finding does not apply, e.g. " + form + " " + d.rules[0] + " wire value asserted on purpose"
	}
	if d.problem != "" {
		d.kind = malformed
	}
	return d
}

// cutSpace splits s at its first run of white space (spaces or tabs).
func cutSpace(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func quote(s string) string { return `"` + s + `"` }

// standsAlone reports whether only white space precedes the comment on its line.
// Without the source text (a driver that cannot read the file) only a comment in
// column 1 is known to stand alone.
func standsAlone(tf *token.File, pos token.Pos, src []byte) bool {
	off := tf.Offset(pos)
	if src == nil || off > len(src) {
		return tf.PositionFor(pos, false).Column == 1
	}
	for i := off - 1; i >= 0 && src[i] != '\n'; i-- {
		if src[i] != ' ' && src[i] != '\t' {
			return false
		}
	}
	return true
}

// NotAnalyzed tells the set that the analyzer skipped file f (generated code, a
// test file without -knoxcode.tests): its ignore directives are then not reported
// as unused, since nothing there was checked.
func (s *Set) NotAnalyzed(f *ast.File) {
	tf := s.pass.Fset.File(f.FileStart)
	for _, d := range s.dirs {
		if d.file == tf {
			d.skipped = true
		}
	}
}

// Report emits d, with d.Category set to rule, unless an ignore directive covering
// d.Pos names rule.
func (s *Set) Report(d analysis.Diagnostic, rule string) {
	d.Category = rule
	tf := s.pass.Fset.File(d.Pos)
	line := 0
	if tf != nil {
		line = tf.Line(d.Pos)
	}
	suppressed := false
	for _, dir := range s.dirs {
		if dir.kind == malformed || dir.file != tf || !slices.Contains(dir.rules, rule) {
			continue
		}
		if dir.kind == fileIgnore || dir.line == line {
			dir.used[rule] = true
			suppressed = true
		}
	}
	if s.cgo[tf] {
		// The file on disk is cgo's output, rebuilt on every build: an edit
		// there would be lost, and its offsets are not the author's.
		d.SuggestedFixes = nil
	}
	if !suppressed {
		s.pass.Report(d)
	}
}

// Finish reports, for the given rules only, ignore directives that matched nothing
// and malformed directives naming those rules. Problems no rule owns (a
// directive that names no valid rule ID, an unknown verb, a rule ID not in
// Known) are reported only when rules includes Rule (KNX900), so that exactly
// one analyzer (knoxcode) owns them. Call Finish at the end of run.
func (s *Set) Finish(rules ...string) {
	for _, d := range s.dirs {
		switch d.kind {
		case malformed:
			named := slices.ContainsFunc(d.rules, func(r string) bool { return slices.Contains(rules, r) })
			orphan := !slices.ContainsFunc(d.rules, ruleID.MatchString)
			if named || (orphan && slices.Contains(rules, Rule)) {
				s.pass.Report(analysis.Diagnostic{Pos: d.pos, End: d.end, Category: Rule, Message: d.problem})
			}
		case lineIgnore, fileIgnore:
			if slices.Contains(rules, Rule) {
				for _, r := range d.rules {
					if !slices.Contains(Known, r) {
						s.pass.Report(analysis.Diagnostic{Pos: d.pos, End: d.end, Category: Rule,
							Message: "knoxvet directive names unknown rule " + r + "; the rules are " + strings.Join(Known, ", ")})
					}
				}
			}
			if d.skipped {
				continue
			}
			for _, r := range d.rules {
				if slices.Contains(rules, r) && !d.used[r] {
					form := "knoxvet:ignore"
					if d.kind == fileIgnore {
						form = "knoxvet:file-ignore"
					}
					s.pass.Report(analysis.Diagnostic{Pos: d.pos, End: d.end, Category: Rule,
						Message: "unused " + form + " directive for " + r + ": nothing it covers is reported as " + r + "; remove it or correct the rule ID"})
				}
			}
		}
	}
}

// Enforced reports whether a //knoxvet:enforce directive sits on the line of pos
// or on the line above it.
func (s *Set) Enforced(pos token.Pos) bool {
	tf := s.pass.Fset.File(pos)
	if tf == nil {
		return false
	}
	line := tf.Line(pos)
	return s.enforced[key(tf, line)] || s.enforced[key(tf, line-1)]
}

// cgoHeader is the first line cmd/cgo writes into every file it produces.
const cgoHeader = "// Code generated by cmd/cgo; DO NOT EDIT."

// CgoTranslated reports whether f is cmd/cgo's translation of a hand-written
// file: it carries cgo's header and its package clause is mapped by a //line
// directive to another file (the author's). Findings there belong to the
// author's file; edits do not, since the file on disk is cgo's output.
func CgoTranslated(fset *token.FileSet, f *ast.File) bool {
	if len(f.Comments) == 0 || f.Comments[0].List[0].Text != cgoHeader {
		return false
	}
	tf := fset.File(f.FileStart)
	return tf != nil && fset.Position(f.Package).Filename != tf.Name()
}
