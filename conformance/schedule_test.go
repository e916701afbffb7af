package conformance

import "testing"

// A scheduling hint for a case that no longer exists (renamed, removed) would
// silently stop ordering anything: every hint must name a case, with a weight.
func TestLongCasesNameCases(t *testing.T) {
	if len(longCases) == 0 {
		t.Fatal("no long cases: a parallel run would hand out the 2-3 s Retry-After case at a random point")
	}
	catalogue()
	for id, w := range longCases {
		if catalogueByID[id] == nil {
			t.Errorf("longCases names %q, which is not a case ID (see `knoxconform list`)", id)
		}
		if w <= 0 || schedulePriority(id) != w {
			t.Errorf("longCases[%q] = %d: want a positive weight used as its priority (got %d)", id, w, schedulePriority(id))
		}
	}
	if p := schedulePriority("no/such/case"); p != 0 {
		t.Errorf("an ordinary case has priority %d, want 0", p)
	}
}
