package mutation

import (
	"strings"
	"testing"
)

func loadSample(t *testing.T) *Package {
	t.Helper()
	p, err := Load("testdata/sample", nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMutantsOfSample(t *testing.T) {
	p := loadSample(t)
	got := map[string]*Mutant{}
	for _, m := range p.Mutants {
		got[m.ID] = m
	}
	want := []string{
		"sample.go package int-plus-one 3→4 #1",
		"sample.go (*counter).step boundary >=→> #1",
		"sample.go (*counter).step negate >=→< #1",
		"sample.go (*counter).step error-nil errOver→nil #1",
		"sample.go (*counter).step incdec c.n++→c.n-- #1",
		"sample.go (*counter).step delete c.n++→deleted #1",
		"sample.go (*counter).step arithmetic *→/ #1",
		"sample.go (*counter).step int-plus-one 2→3 #1",
		"sample.go (*counter).step delete record(…)→deleted #1",
		"sample.go (*counter).after arithmetic +→- #1",
		"sample.go (*counter).after int-plus-one 1→2 #1",
	}
	for _, id := range want {
		if got[id] == nil {
			t.Errorf("no mutant %q", id)
		}
	}
	for id, m := range got {
		if strings.Contains(id, "Loop") {
			t.Errorf("%s mutates a quirk expression", id)
		}
		// Both branches a quirk condition selects are quirk-guarded (coverage
		// then tells whether the reference runs them); what follows is not.
		guarded := strings.Contains(id, "c.n =→deleted") || strings.Contains(id, ">=") || strings.Contains(id, "errOver") || strings.Contains(id, "after")
		if m.QuirkGuarded != guarded {
			t.Errorf("%s: quirk-guarded %v, want %v", id, m.QuirkGuarded, guarded)
		}
	}
	if len(got) != len(want)+1 {
		var ids []string
		for id := range got {
			ids = append(ids, id)
		}
		t.Errorf("%d mutants, want %d:\n%s", len(got), len(want)+1, strings.Join(ids, "\n"))
	}
}

// A mutant is the original with exactly one edit, and Lines shows that line
// before and after.
func TestMutantSourceAndLines(t *testing.T) {
	p := loadSample(t)
	for _, m := range p.Mutants {
		if m.ID != "sample.go (*counter).step negate >=→< #1" {
			continue
		}
		orig := p.Files[m.Path]
		mut := string(m.Source(orig))
		if strings.Count(mut, "c.n < Limit") != 1 || strings.Contains(mut, "c.n >= Limit") {
			t.Errorf("mutated source does not hold exactly the one edit")
		}
		before, after := m.Lines(orig)
		if before != "if c.n >= Limit {" || after != "if c.n < Limit {" {
			t.Errorf("Lines = %q → %q", before, after)
		}
		return
	}
	t.Fatal("mutant not generated")
}

// Deleting the only use of a variable's assignment still compiles; an edit that
// does not type-check is not viable, and never run.
func TestNotViableMutantsAreSetAside(t *testing.T) {
	p := loadSample(t)
	for _, m := range p.NotViable {
		if err := p.typeCheck(m); err == nil {
			t.Errorf("%s is set aside as not viable but type-checks", m.ID)
		}
	}
	for _, m := range p.Mutants {
		if err := p.typeCheck(m); err != nil {
			t.Errorf("%s is kept but does not type-check: %v", m.ID, err)
		}
	}
}

func TestLoadRejectsUnknownFile(t *testing.T) {
	_, err := Load("testdata/sample", []string{"nope.go"})
	if err == nil || !strings.Contains(err.Error(), "sample.go") {
		t.Errorf("err = %v, want one naming the package's files", err)
	}
}
