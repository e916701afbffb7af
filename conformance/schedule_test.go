package conformance

import "testing"

// Every case has a weight, and every weight names a case: a case added without
// `make weights` would be handed out at a random point (a long one could start
// last and stretch the run), and a weight of a renamed case orders nothing.
func TestCaseWeightsNameEveryCase(t *testing.T) {
	for _, d := range catalogue() {
		if w, ok := caseWeights[d.ID]; !ok || w <= 0 {
			t.Errorf("case %s has no weight in schedule_weights.go: run `make weights`", d.ID)
		}
	}
	for id := range caseWeights {
		if catalogueByIDs()[id] == nil {
			t.Errorf("schedule_weights.go weighs %q, which is not a case ID: run `make weights`", id)
		}
	}
	if p := schedulePriority("no/such/case"); p != 0 {
		t.Errorf("an unknown case has priority %d, want 0", p)
	}
	// The short cases (the grace window and little else) are equals, so the
	// seed shuffles them.
	if p, q := schedulePriority("http/400/no-retry"), schedulePriority("sa/AUT_1045/no-retry"); p != q {
		t.Errorf("two short cases have priorities %d and %d, want the same", p, q)
	}
	if p, q := schedulePriority("ratelimit/retry-after-date"), schedulePriority("http/400/no-retry"); p <= q {
		t.Errorf("ratelimit/retry-after-date (an HTTP-date 2-3 s ahead) has priority %d, not above a short case's %d", p, q)
	}
}
