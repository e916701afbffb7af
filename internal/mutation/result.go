package mutation

import (
	"fmt"
	"sort"
	"strings"
)

// Class is what became of one mutant.
type Class string

// The classes. Killed, TimedOut, Survived and NotCovered make the total the score
// is out of; Equivalent leaves it (a reviewed entry says no client can tell the
// difference); QuirkOnly and NotViable are never mutants of the reference's
// behaviour at all.
const (
	Killed     Class = "killed"      // the oracle failed, and failed again when re-run on its first failing case
	TimedOut   Class = "timed out"   // the oracle did not finish within the time limit: a hang is caught too
	Survived   Class = "survived"    // the oracle passed
	NotCovered Class = "not covered" // the reference never runs the line under the suite: nothing can catch it
	Equivalent Class = "equivalent"  // survived, and listed as unobservable (with the reason) in the reviewed list
	// Conformant: survived, and listed in the reviewed list as observable but
	// conformant either way: no rule of BEHAVIOURS.md tells the two apart.
	Conformant Class = "conformant either way"
	QuirkOnly  Class = "quirk only" // in a branch only a mutant fixture's quirk selects; the reference never runs it
	NotViable  Class = "not viable" // does not compile
)

// Result is the verdict on one mutant.
type Result struct {
	Mutant *Mutant
	Class  Class
	// Judged is the class before the reviewed equivalent list applied.
	Judged Class
	// KilledBy is the case that failed (and failed again alone), or "crash"
	// when the oracle died without writing its summary.
	KilledBy string
	// Note says more: a first failure that did not repeat (the mutant then
	// counts as survived), the build error of an unviable mutant, …
	Note   string
	Before string
	After  string
	// Seconds is how long the oracle ran.
	Seconds float64
}

// Tally counts results by class.
type Tally map[Class]int

// Count tallies results.
func Count(rs []Result) Tally {
	t := Tally{}
	for _, r := range rs {
		t[r.Class]++
	}
	return t
}

// Total is the number of mutants the score is out of, before equivalents leave.
func (t Tally) Total() int {
	return t[Killed] + t[TimedOut] + t[Survived] + t[NotCovered] + t[Equivalent] + t[Conformant]
}

// Detected is the numerator: killed, including those that made the oracle time out.
func (t Tally) Detected() int { return t[Killed] + t[TimedOut] }

// Score is the adjusted mutation score, killed / (total − equivalent), in
// percent, both kinds of reviewed equivalents left out; ok is false when no
// mutant counts.
func (t Tally) Score() (pct float64, ok bool) {
	return t.ratio(t.Total() - t[Equivalent] - t[Conformant])
}

// UnobservableScore is the score with only the unobservable equivalents left
// out: the mutants that are conformant either way count as survivors.
func (t Tally) UnobservableScore() (pct float64, ok bool) { return t.ratio(t.Total() - t[Equivalent]) }

func (t Tally) ratio(d int) (float64, bool) {
	if d == 0 {
		return 0, false
	}
	return 100 * float64(t.Detected()) / float64(d), true
}

// ScoreLine is the one line the README's measured table quotes.
func (t Tally) ScoreLine(subject string) string {
	pct := func(p float64, ok bool) string {
		if !ok {
			return "n/a (no mutant counts)"
		}
		return fmt.Sprintf("%.1f %%", p)
	}
	return fmt.Sprintf("mutation score of %s: %s adjusted = %d killed / (%d mutants − %d equivalent − %d conformant either way) [%s counting only the unobservable as equivalent]; %d killed (%d by timing out), %d survived, %d not covered; left out: %d quirk-only, %d not viable",
		subject, pct(t.Score()), t.Detected(), t.Total(), t[Equivalent], t[Conformant], pct(t.UnobservableScore()),
		t.Detected(), t[TimedOut], t[Survived], t[NotCovered], t[QuirkOnly], t[NotViable])
}

// Survivors returns the results that count against the score (survived and not
// covered), ordered by file and line.
func Survivors(rs []Result) []Result {
	var out []Result
	for _, r := range rs {
		if r.Class == Survived || r.Class == NotCovered {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Mutant, out[j].Mutant
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return out
}

// CheckEquivalents matches the reviewed list against the mutants: an entry that
// names no generated mutant is stale (the code moved on: review it again), and
// is an error when every file and operator was generated (complete).
func CheckEquivalents(eqs []EquivalentEntry, ms []*Mutant, complete bool) (byID map[string]EquivalentEntry, errs []string) {
	ids := map[string]bool{}
	for _, m := range ms {
		ids[m.ID] = true
	}
	byID = map[string]EquivalentEntry{}
	for _, e := range eqs {
		if !ids[e.ID] {
			if complete {
				errs = append(errs, fmt.Sprintf("line %d: %q names no mutant of the current code: the code changed, so review the entry again (find the mutant's new ID with -list) or remove it", e.Line, e.ID))
			}
			continue
		}
		byID[e.ID] = e
	}
	return byID, errs
}

// Markdown writes the report: the score line, counts per operator, and every
// survivor with its line before and after.
func Markdown(subject string, rs []Result, extra []string) string {
	var b strings.Builder
	t := Count(rs)
	fmt.Fprintf(&b, "# Mutation report\n\n%s\n\n", t.ScoreLine(subject))
	for _, e := range extra {
		fmt.Fprintf(&b, "%s\n\n", e)
	}
	b.WriteString("| Operator | Killed | Timed out | Survived | Not covered | Equivalent | Conformant either way | Quirk only | Not viable |\n|---|---|---|---|---|---|---|---|---|\n")
	per := map[Operator]Tally{}
	for _, r := range rs {
		if per[r.Mutant.Op] == nil {
			per[r.Mutant.Op] = Tally{}
		}
		per[r.Mutant.Op][r.Class]++
	}
	for _, op := range Operators {
		pt := per[op]
		if pt == nil {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", op, pt[Killed], pt[TimedOut], pt[Survived], pt[NotCovered], pt[Equivalent], pt[Conformant], pt[QuirkOnly], pt[NotViable])
	}
	sv := Survivors(rs)
	fmt.Fprintf(&b, "\n## Survivors (%d)\n\nEach is either a behaviour no case judges (a case to add) or an equivalent mutant (an entry for the reviewed list, with the reason).\n\n", len(sv))
	for _, r := range sv {
		fmt.Fprintf(&b, "### `%s`\n%s:%d (%s)\n`%s` → `%s`\n", r.Mutant.ID, r.Mutant.File, r.Mutant.Line, r.Class, r.Before, r.After)
		if r.Note != "" {
			fmt.Fprintf(&b, "Note: %s\n", r.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}
