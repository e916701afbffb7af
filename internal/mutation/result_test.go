package mutation

import (
	"strings"
	"testing"
)

func TestParseEquivalents(t *testing.T) {
	good := "# Equivalent mutants\n\nProse.\n\n## Unobservable\n\n### `a.go f negate ==→!= #1`\n`x == y` → `x != y`\nReason: x and y are\nalways equal here.\n\n## Conformant either way\n\n### `a.go f delete g(…)→deleted #2`\nReason: g does nothing.\n"
	eqs, err := ParseEquivalents("EQ.md", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(eqs) != 2 || eqs[0].ID != "a.go f negate ==→!= #1" || eqs[0].Reason != "x and y are always equal here." || eqs[1].Reason != "g does nothing." ||
		eqs[0].Class != Equivalent || eqs[1].Class != Conformant {
		t.Errorf("got %+v", eqs)
	}
	for name, bad := range map[string]string{
		"no reason":  "## Unobservable\n### `a.go f negate ==→!= #1`\nno reason line\n",
		"duplicate":  "## Unobservable\n### `x #1`\nReason: r\n### `x #1`\nReason: r\n",
		"no backquo": "## Unobservable\n### a.go f negate ==→!= #1\nReason: r\n",
		"no section": "## Other\n### `x #1`\nReason: r\n",
	} {
		if _, err := ParseEquivalents("EQ.md", []byte(bad)); err == nil || !strings.Contains(err.Error(), "EQ.md:") {
			t.Errorf("%s: err = %v, want one naming the file and line", name, err)
		}
	}
}

func TestCheckEquivalents(t *testing.T) {
	ms := []*Mutant{{ID: "m #1"}}
	eqs := []EquivalentEntry{{ID: "m #1", Reason: "r", Line: 3}, {ID: "gone #1", Reason: "r", Line: 7}}
	byID, errs := CheckEquivalents(eqs, ms, true)
	if len(byID) != 1 || len(errs) != 1 || !strings.Contains(errs[0], "line 7") {
		t.Errorf("complete run: byID %v errs %v; want the stale entry of line 7 reported", byID, errs)
	}
	if _, errs := CheckEquivalents(eqs, ms, false); len(errs) != 0 {
		t.Errorf("a partial run cannot tell a stale entry: errs %v", errs)
	}
}

func TestCoverage(t *testing.T) {
	prof := "mode: atomic\n" +
		"example.com/p/a.go:10.2,12.3 2 1\n" +
		"example.com/p/a.go:12.3,14.10 1 0\n" +
		"example.com/other/a.go:1.1,99.1 1 1\n"
	cov, err := ParseCoverProfile([]byte(prof), "example.com/p")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line, col      int
		covered, known bool
	}{
		{11, 5, true, true},
		{13, 1, false, true},
		{20, 1, false, false}, // outside every block: unknown, must be run
	} {
		covered, known := cov.Covered(&Mutant{File: "a.go", Line: c.line, Col: c.col})
		if covered != c.covered || known != c.known {
			t.Errorf("%d.%d: covered %v known %v, want %v %v", c.line, c.col, covered, known, c.covered, c.known)
		}
	}
	cc := CaseCoverage{"x/one": cov, "x/two": Coverage{}}
	if cases, known := cc.Cases(&Mutant{File: "a.go", Line: 11, Col: 1}); !known || len(cases) != 1 || cases[0] != "x/one" {
		t.Errorf("Cases = %v %v, want [x/one] true", cases, known)
	}
	if _, err := ParseCoverProfile([]byte("mode: set\nnot a line\n"), "p"); err == nil {
		t.Error("a malformed profile line is accepted")
	}
}

func TestScore(t *testing.T) {
	rs := []Result{}
	add := func(c Class, n int) {
		for range n {
			rs = append(rs, Result{Mutant: &Mutant{Op: OpNegate}, Class: c})
		}
	}
	add(Killed, 17)
	add(TimedOut, 1)
	add(Survived, 1)
	add(NotCovered, 1)
	add(Equivalent, 3)
	add(Conformant, 2)
	add(QuirkOnly, 9)
	add(NotViable, 2)
	tl := Count(rs)
	pct, ok := tl.Score()
	if !ok || pct != 90 || tl.Total() != 25 {
		t.Errorf("score %v (ok %v), total %d; want 90 %% of 25", pct, ok, tl.Total())
	}
	line := tl.ScoreLine("x")
	if p, _ := tl.UnobservableScore(); p != 18.0/22*100 {
		t.Errorf("score counting only unobservable equivalents: %v, want 18/22", p)
	}
	for _, want := range []string{"90.0 %", "18 killed / (25 mutants − 3 equivalent − 2 conformant either way)", "[81.8 % counting only", "1 by timing out", "9 quirk-only", "2 not viable"} {
		if !strings.Contains(line, want) {
			t.Errorf("score line %q lacks %q", line, want)
		}
	}
	if _, ok := (Tally{}).Score(); ok {
		t.Error("an empty tally has a score")
	}
	md := Markdown("x", rs, nil)
	if !strings.Contains(md, "## Survivors (2)") {
		t.Errorf("report does not list the 2 survivors:\n%s", md)
	}
}
