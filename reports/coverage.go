package reports

import (
	"slices"
)

// CoverageRow is how the cases of one authentication scheme or one Knox
// service fared in a run.
type CoverageRow struct {
	// Kind is "scheme" or "service".
	Kind string
	Name string
	// Declared is whether the adapter's hello declares it.
	Declared bool
	Cases    int
	Counts   map[Class]int
}

// Verdict is the row's word: "not declared" when the adapter does not claim it,
// else FAIL when a case of it failed, then NON-STRICT, ERROR, PASS, or
// UNSUPPORTED when none of its cases ran.
func (r CoverageRow) Verdict(strict bool) string {
	switch {
	case !r.Declared:
		return "not declared"
	case r.Counts[Fail] > 0 || (strict && r.Counts[NonStrict] > 0):
		return string(Fail)
	case r.Counts[Error] > 0:
		return string(Error)
	case r.Counts[NonStrict] > 0:
		return string(NonStrict)
	case r.Counts[Pass]+r.Counts[ExpectedFail] > 0:
		return string(Pass)
	}
	return string(Unsupported)
}

// Coverage lists every scheme and service that a case of the run uses or the
// adapter declares, schemes first, each sorted by name.
func Coverage(s *Summary) []CoverageRow {
	var rows []CoverageRow
	for _, kind := range []string{"scheme", "service"} {
		declared := s.Run.AuthSchemes
		of := func(c CaseResult) []string { return c.Schemes }
		if kind == "service" {
			declared = s.Run.Services
			of = func(c CaseResult) []string { return c.Services }
		}
		names := slices.Clone(declared)
		for _, c := range s.Cases {
			for _, n := range of(c) {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
		slices.Sort(names)
		for _, n := range names {
			row := CoverageRow{Kind: kind, Name: n, Declared: slices.Contains(declared, n), Counts: map[Class]int{}}
			for _, c := range s.Cases {
				if slices.Contains(of(c), n) {
					row.Cases++
					row.Counts[c.Class]++
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}
