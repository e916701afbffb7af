package runner

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// The tree the binary runs must suit the runner: one spec per case, named by
// its ID (progress lines, list and parallel sharding rely on it), and no
// programmatic focus (Ginkgo would exit 197 behind our back). SelectCases
// must select through Ginkgo exactly what the glob says.
func TestSuiteTreeSuitsTheRunner(t *testing.T) {
	cases := suiteCases()
	if len(cases) == 0 {
		t.Fatal("the suite has no case")
	}
	ids := map[string]bool{}
	for _, c := range cases {
		if ids[c.ID] {
			t.Errorf("case ID %s appears twice", c.ID)
		}
		ids[c.ID] = true
	}

	report := preview("", nil)
	if report.SuiteHasProgrammaticFocus {
		t.Error("the suite has programmatic focus (FIt/FDescribe/FEntry): remove it")
	}
	seen := map[string]bool{}
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		id := suiteCaseIDOf(sr)
		if !ids[id] {
			t.Errorf("spec %q is not a case of the catalogue", sr.FullText())
		}
		if seen[id] {
			t.Errorf("two specs for case %s", id)
		}
		seen[id] = true
	}
	if len(seen) != len(cases) {
		t.Errorf("%d specs for %d cases", len(seen), len(cases))
	}

	area := cases[0].ID[:strings.Index(cases[0].ID, "/")+1]
	want := 0
	for _, c := range cases {
		if strings.HasPrefix(c.ID, area) {
			want++
		}
	}
	got, err := SelectCases([]string{area + "*"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != want {
		t.Errorf("--cases %s* selects %d cases through Ginkgo, want %d", area, len(got), want)
	}
	for _, c := range got {
		if !strings.HasPrefix(c.ID, area) {
			t.Errorf("--cases %s* selected %s", area, c.ID)
		}
	}
	one, err := SelectCases([]string{cases[0].ID}, "")
	if err != nil || len(one) != 1 || one[0].ID != cases[0].ID {
		t.Errorf("--cases %s selects %v (%v), want exactly that case", cases[0].ID, one, err)
	}
}
