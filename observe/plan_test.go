package observe

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/knoxtest"
)

func TestNewPlanIsChosenBySeed(t *testing.T) {
	a, b := NewPlan(42, Classes()), NewPlan(42, Classes())
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("the same seed gave two plans:\n%+v\n%+v", a, b)
	}
	differs := false
	for seed := int64(1); seed < 20 && !differs; seed++ {
		differs = !reflect.DeepEqual(NewPlan(seed, Classes()).Faults, a.Faults)
	}
	if !differs {
		t.Errorf("19 other seeds all gave the plan of seed 42: the seed chooses nothing")
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("a generated plan does not validate: %v", err)
	}
	got := map[Class]bool{}
	for _, f := range a.Faults {
		got[f.Class] = true
		if f.Class == ClassResign && (f.Route != knoxtest.RouteAccessToken || f.Nth != 1) {
			t.Errorf("resign is on request %d to %s; it belongs on the first token request", f.Nth, f.Route)
		}
	}
	for _, c := range Classes() {
		if !got[c] {
			t.Errorf("class %s is missing from a plan of every class", c)
		}
	}
}

// The faults on one route are far enough apart that a client's one retry of
// a fault never meets the next.
func TestNewPlanSpacesFaults(t *testing.T) {
	for seed := int64(1); seed <= 50; seed++ {
		last := map[knoxtest.Route]int{}
		for _, f := range NewPlan(seed, Classes()).Faults {
			if prev, ok := last[f.Route]; ok && f.Nth-prev < 2 {
				t.Fatalf("seed %d: faults on requests %d and %d to %s leave no room for a retry", seed, prev, f.Nth, f.Route)
			}
			last[f.Route] = f.Nth
		}
	}
}

// docs/observe.md promises where the last device-list fault can land.
func TestNewPlanLastListFault(t *testing.T) {
	lo, hi := 1<<30, 0
	for seed := int64(1); seed <= 500; seed++ {
		last := 0
		for _, f := range NewPlan(seed, Classes()).Faults {
			if f.Route == knoxtest.RouteListDevices {
				last = max(last, f.Nth)
			}
		}
		lo, hi = min(lo, last), max(hi, last)
	}
	if lo < 12 || hi > 18 {
		t.Errorf("the last list fault lands on requests %d..%d; docs/observe.md says 12 to 18", lo, hi)
	}
}

// The example plan in docs/observe.md is one LoadPlan reads.
func TestExamplePlanLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(path, []byte(examplePlan()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPlan(path); err != nil {
		t.Error(err)
	}
}

func TestStepsPassUntilEachFault(t *testing.T) {
	p := Plan{Faults: []PlannedFault{
		{Class: ClassValidation, Route: knoxtest.RouteListDevices, Nth: 5},
		{Class: ClassRetryAfter, Route: knoxtest.RouteListDevices, Nth: 2},
		{Class: ClassResign, Route: knoxtest.RouteAccessToken, Nth: 1},
	}}
	steps := p.Steps()
	list := steps[knoxtest.RouteListDevices]
	want := []knoxtest.Step{
		{Pass: true, Times: 1},
		{Code: "429", RetryAfter: "1"},
		{Pass: true, Times: 2},
		{Code: "4000000"},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("list steps:\n got %+v\nwant %+v", list, want)
	}
	if tok := steps[knoxtest.RouteAccessToken]; len(tok) != 1 || tok[0].Code != "4002250" {
		t.Errorf("token steps: %+v, want one 4002250 step", tok)
	}
}

func TestParseClasses(t *testing.T) {
	got, err := ParseClasses([]string{"ratelimit, resign", "resign"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Class{ClassResign, ClassRetryAfter}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (catalogue order, no duplicates)", got, want)
	}
	if all, _ := ParseClasses([]string{"all"}); len(all) != len(Classes()) {
		t.Errorf("all gave %v", all)
	}
	for _, bad := range [][]string{{"retry"}, {""}, {" , "}} {
		if _, err := ParseClasses(bad); err == nil || !strings.Contains(err.Error(), "ratelimit") {
			t.Errorf("ParseClasses(%q) = %v; want an error listing the classes", bad, err)
		}
	}
}

func TestLoadPlan(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		path := filepath.Join(dir, "plan.json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p, err := LoadPlan(write(`{"faults":[{"class":"server","nth":4},{"class":"resign","nth":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Faults[0].Route != knoxtest.RouteListDevices || p.Faults[1].Route != knoxtest.RouteAccessToken {
		t.Errorf("routes not defaulted from the classes: %+v", p.Faults)
	}

	// A plan written by a run reads back unchanged.
	orig := NewPlan(9, Classes())
	path := filepath.Join(dir, PlanFile)
	if err := orig.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadPlan(path)
	if err != nil || !reflect.DeepEqual(back, orig) {
		t.Errorf("round trip: %v\n got %+v\nwant %+v", err, back, orig)
	}

	for body, want := range map[string]string{
		`{"faults":[]}`:                           "no fault",
		`{"faults":[{"class":"nope","nth":1}]}`:   `unknown class "nope"`,
		`{"faults":[{"class":"server","nth":0}]}`: "counted from 1",
		`{"faults":[{"class":"resign","route":"GET /kcs/v1/kme/devices/list","nth":2}]}`: "cannot be put on",
		`{"faults":[{"class":"server","nth":3},{"class":"reset","nth":3}]}`:              "one fault per request",
		`{"faults":[{"class":"server","nth":3,"extra":1}]}`:                              "not a fault plan",
		`not json`: "not a fault plan",
	} {
		if _, err := LoadPlan(write(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadPlan(%s) = %v; want an error containing %q", body, err, want)
		}
	}
	if _, err := LoadPlan(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing plan file loaded")
	}
}
