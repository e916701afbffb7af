package runner

import (
	"runtime"
	"slices"
	"strings"
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

// With neither --procs nor --parallel a run is one process running
// DefaultParallel() cases at once: more than CPUs (cases mostly wait), but
// bounded, and at least two.
func TestDefaultParallel(t *testing.T) {
	n := DefaultParallel()
	if n < minParallel || n > maxParallel || n < min(runtime.NumCPU(), maxParallel) {
		t.Errorf("DefaultParallel() = %d with %d CPUs, want at least the CPUs and within [%d, %d]", n, runtime.NumCPU(), minParallel, maxParallel)
	}
	cfg := Config{Target: "a"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Procs != 1 || cfg.Parallel != n || cfg.pool() != n {
		t.Errorf("defaults validated to --procs %d --parallel %d (pool %d), want 1 process with DefaultParallel() = %d at once", cfg.Procs, cfg.Parallel, cfg.pool(), n)
	}
}

// A run of a few cases starts no more sessions than it has cases (when the
// number was left to knoxconform); explicit --parallel and --procs are kept,
// and a worker of --procs runs its cases one at a time.
func TestParallelSettings(t *testing.T) {
	if DefaultParallel() < 3 {
		t.Skip("this system runs fewer than 3 cases at once by default")
	}
	for _, tt := range []struct {
		cases                   []string
		procs, parallel         int
		wantProcs, wantParallel int
	}{
		{[]string{"ratelimit/jitter"}, 0, 0, 1, 1},
		{[]string{"http/400/no-retry,http/403/no-retry"}, 0, 0, 1, 2},
		{[]string{"ratelimit/jitter"}, 0, 4, 1, 4},
		{nil, 0, 0, 1, DefaultParallel()},
		{nil, 1, 0, 1, 1},
		{nil, 4, 0, 4, 1},
		{nil, 0, 7, 1, 7},
	} {
		cfg := Config{Target: "a", Cases: tt.cases, Procs: tt.procs, Parallel: tt.parallel}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if cfg.Procs != tt.wantProcs || cfg.Parallel != tt.wantParallel {
			t.Errorf("--cases %v --procs %d --parallel %d: validated to --procs %d --parallel %d, want %d and %d", tt.cases, tt.procs, tt.parallel, cfg.Procs, cfg.Parallel, tt.wantProcs, tt.wantParallel)
		}
	}
	cfg := Config{Target: "a", Procs: 4, Parallel: 8}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "use one of them") {
		t.Errorf("--procs 4 --parallel 8: got %v, want a usage error saying to use one", err)
	}
}

// The pool starts the cases itself, so it must select exactly the specs that
// Ginkgo runs with the same --cases and --label-filter.
func TestPoolSelectsWhatGinkgoRuns(t *testing.T) {
	for _, tt := range []struct {
		cases  []string
		labels string
	}{
		{nil, "MUST && !area:network"},
		{[]string{"ratelimit/*", "knox/*"}, ""},
		{[]string{"route/*"}, "SHOULD || area:oauth"},
		{nil, "code:4032251 || code:AUT_1001"},
	} {
		want, err := SelectCases(tt.cases, tt.labels)
		if err != nil {
			t.Fatal(err)
		}
		got, err := suiteSelectedIDs(splitList(tt.cases), tt.labels)
		if err != nil {
			t.Fatal(err)
		}
		var wantIDs []string
		for _, c := range want {
			wantIDs = append(wantIDs, c.ID)
		}
		if len(wantIDs) == 0 {
			t.Errorf("--cases %v --label-filter %q selects nothing: not a test of the selection", tt.cases, tt.labels)
		}
		if strings.Join(got, " ") != strings.Join(wantIDs, " ") {
			t.Errorf("--cases %v --label-filter %q: the pool selects %v, Ginkgo %v", tt.cases, tt.labels, got, wantIDs)
		}
	}
}
