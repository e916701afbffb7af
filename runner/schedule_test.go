package runner

import (
	"runtime"
	"slices"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/conformance"
)

// order is the order a run with this seed hands cases out in (serially, or to
// parallel workers from Ginkgo's queue): a dry preview with the runner's own
// ordering flags.
func order(t *testing.T, seed int64) []string {
	t.Helper()
	previewRegistered.Do(func() {
		suiteRegister(suiteOptions{Target: "list", RerunCommand: func(string) string { return "" }})
	})
	sc, rc := ginkgoConfig(&Config{Seed: seed, NoColor: true})
	rc.Succinct, rc.Verbose = true, false
	report := ginkgo.PreviewSpecs(SuiteDescription, sc, rc)
	var ids []string
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt {
			ids = append(ids, suiteCaseIDOf(sr))
		}
	}
	return ids
}

// The cases that mandate the longest waits are handed out first whatever the
// seed, so that none starts last and stretches a parallel run's tail; the rest
// stay shuffled by the seed, and the same seed gives the same order.
func TestLongCasesAreScheduledFirst(t *testing.T) {
	a, b, again := order(t, 1), order(t, 2), order(t, 1)
	if len(a) != len(suiteCases()) {
		t.Fatalf("the preview ordered %d specs for %d cases", len(a), len(suiteCases()))
	}
	if !slices.Equal(a, again) {
		t.Error("the same seed gave two different orders: parallel workers would disagree")
	}
	if slices.Equal(a, b) {
		t.Error("seeds 1 and 2 gave the same order: the seed no longer shuffles the cases")
	}
	for _, ids := range [][]string{a, b} {
		if ids[0] != "ratelimit/retry-after-date" {
			t.Errorf("first case %s, want ratelimit/retry-after-date (it waits for an HTTP-date 2 to 3 s ahead)", ids[0])
		}
		// Longer mandated waits first, the run-wide cases last: priorities never
		// rise along the order.
		for i := 1; i < len(ids); i++ {
			if p, q := conformance.SchedulePriority(ids[i-1]), conformance.SchedulePriority(ids[i]); q > p {
				t.Errorf("%s (priority %d) comes after %s (priority %d)", ids[i], q, ids[i-1], p)
			}
		}
		if last := ids[len(ids)-1]; last != "jwt/unique-jti-run" {
			t.Errorf("last case %s, want the run-wide jwt/unique-jti-run", last)
		}
	}
}

// --procs 0 picks DefaultProcs: more workers than CPUs (cases mostly wait), but
// bounded, and at least two so that a default run is parallel.
func TestDefaultProcs(t *testing.T) {
	n := DefaultProcs()
	if !parallelSupported {
		if n != 1 {
			t.Errorf("DefaultProcs() = %d on a system without parallel runs, want 1", n)
		}
		return
	}
	if n < minProcs || n > maxProcs || n < min(runtime.NumCPU(), maxProcs) {
		t.Errorf("DefaultProcs() = %d with %d CPUs, want at least the CPUs and within [%d, %d]", n, runtime.NumCPU(), minProcs, maxProcs)
	}
	cfg := Config{Target: "a"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Procs != n {
		t.Errorf("--procs 0 validated to %d, want DefaultProcs() = %d", cfg.Procs, n)
	}
}

// A run of a few cases starts no more workers than it has cases (when the
// worker count was left to knoxconform); an explicit --procs is kept.
func TestDefaultProcsCappedByCases(t *testing.T) {
	if DefaultProcs() < 3 {
		t.Skip("this system runs fewer than 3 workers by default")
	}
	for _, tt := range []struct {
		cases []string
		procs int
		want  int
	}{
		{[]string{"ratelimit/jitter"}, 0, 1},
		{[]string{"http/400/no-retry,http/403/no-retry"}, 0, 2},
		{[]string{"ratelimit/jitter"}, 4, 4},
		{nil, 0, DefaultProcs()},
	} {
		cfg := Config{Target: "a", Cases: tt.cases, Procs: tt.procs}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if cfg.Procs != tt.want {
			t.Errorf("--cases %v --procs %d: %d workers, want %d", tt.cases, tt.procs, cfg.Procs, tt.want)
		}
	}
}
