package reports

import (
	"fmt"
	"io"
	"sort"
)

// rank orders classes from best to worst for comparing runs.
func rank(c Class) int {
	switch c {
	case Pass:
		return 0
	case Unsupported:
		return 1
	case ExpectedFail:
		return 2
	case NonStrict:
		return 3
	case Fail:
		return 4
	case Error:
		return 5
	}
	return 6
}

// bad reports whether a class is a problem worth a regression.
func bad(c Class) bool { return c == NonStrict || c == Fail || c == Error }

// Change is one case whose class differs between two runs.
type Change struct {
	ID  string `json:"id"`
	Old Class  `json:"old,omitempty"`
	New Class  `json:"new,omitempty"`
	// Detail is why the case fails now, for regressions.
	Detail string `json:"detail,omitempty"`
}

// DiffResult compares two summaries case by case (by ID).
type DiffResult struct {
	Old, New Software // the clients compared
	// Regressions: the case got worse and now fails (NON-STRICT, FAIL or ERROR).
	Regressions []Change `json:"regressed"`
	// Fixed: the case failed or was an expected failure and now passes.
	Fixed []Change `json:"fixed"`
	// Changed: any other change of class (e.g. PASS → UNSUPPORTED).
	Changed     []Change `json:"changed"`
	Appeared    []Change `json:"appeared"`
	Disappeared []Change `json:"disappeared"`
	OldVerdict  string   `json:"oldVerdict"`
	NewVerdict  string   `json:"newVerdict"`
}

// Diff compares old and new: cases that regressed, were fixed, changed,
// appeared or disappeared.
func Diff(old, new *Summary) DiffResult {
	d := DiffResult{Old: old.Run.Client, New: new.Run.Client, OldVerdict: verdictLabel(old), NewVerdict: verdictLabel(new)}
	before := map[string]CaseResult{}
	for _, c := range old.Cases {
		before[c.ID] = c
	}
	seen := map[string]bool{}
	for _, n := range new.Cases {
		seen[n.ID] = true
		o, ok := before[n.ID]
		switch {
		case !ok:
			d.Appeared = append(d.Appeared, Change{ID: n.ID, New: n.Class, Detail: detailIfBad(n)})
		case o.Class == n.Class:
		case bad(n.Class) && rank(n.Class) > rank(o.Class):
			d.Regressions = append(d.Regressions, Change{ID: n.ID, Old: o.Class, New: n.Class, Detail: caseLine(n)})
		case n.Class == Pass && (bad(o.Class) || o.Class == ExpectedFail):
			d.Fixed = append(d.Fixed, Change{ID: n.ID, Old: o.Class, New: n.Class})
		default:
			d.Changed = append(d.Changed, Change{ID: n.ID, Old: o.Class, New: n.Class})
		}
	}
	for _, o := range old.Cases {
		if !seen[o.ID] {
			d.Disappeared = append(d.Disappeared, Change{ID: o.ID, Old: o.Class})
		}
	}
	for _, l := range [][]Change{d.Regressions, d.Fixed, d.Changed, d.Appeared, d.Disappeared} {
		sort.Slice(l, func(i, j int) bool { return l[i].ID < l[j].ID })
	}
	return d
}

func detailIfBad(c CaseResult) string {
	if bad(c.Class) {
		return caseLine(c)
	}
	return ""
}

// Regressed reports whether any case got worse and now fails.
func (d DiffResult) Regressed() bool { return len(d.Regressions) > 0 }

// Write prints the comparison for a person.
func (d DiffResult) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("verdict: %s → %s   (client %s → %s)\n", d.OldVerdict, d.NewVerdict, softwareName(d.Old), softwareName(d.New))
	section := func(title string, l []Change, format func(Change) string) {
		ew.printf("\n%s: %d\n", title, len(l))
		for _, c := range l {
			ew.printf("  %s\n", format(c))
		}
	}
	arrow := func(c Change) string {
		s := fmt.Sprintf("%-40s %s → %s", c.ID, c.Old, c.New)
		if c.Detail != "" {
			s += "   " + c.Detail
		}
		return s
	}
	section("regressed", d.Regressions, arrow)
	section("fixed", d.Fixed, arrow)
	section("changed", d.Changed, arrow)
	section("appeared", d.Appeared, func(c Change) string {
		s := fmt.Sprintf("%-40s %s", c.ID, c.New)
		if c.Detail != "" {
			s += "   " + c.Detail
		}
		return s
	})
	section("disappeared", d.Disappeared, func(c Change) string { return fmt.Sprintf("%-40s (was %s)", c.ID, c.Old) })
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
