package observe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/knoxconform/knoxconform/knoxtest"
)

// Plan is a fault plan: which documented faults the simulated Knox Cloud
// injects into COMMAND's traffic, and where. It is chosen by a seed (NewPlan)
// or read from a file (LoadPlan); either way it is written beside the reports,
// so any run can be repeated exactly.
type Plan struct {
	// Seed chose the plan; 0 for a hand-written plan.
	Seed   int64          `json:"seed"`
	Faults []PlannedFault `json:"faults"`
}

// PlannedFault puts one fault on the Nth request to Route.
type PlannedFault struct {
	Class Class          `json:"class"`
	Route knoxtest.Route `json:"route"`
	// Nth counts the requests to Route from 1: the Nth one gets the fault.
	Nth int `json:"nth"`
}

// ID is the case ID of the fault's verdict, e.g. "observe/ratelimit/list-4".
func (f PlannedFault) ID() string {
	return fmt.Sprintf("observe/%s/%s-%d", f.Class, routeShort(f.Route), f.Nth)
}

func (f PlannedFault) String() string {
	return fmt.Sprintf("%s on request %d to %s", f.Class, f.Nth, f.Route)
}

// routeShort names a route in a case ID.
func routeShort(r knoxtest.Route) string {
	switch r {
	case knoxtest.RouteAccessToken:
		return "token"
	case knoxtest.RouteListDevices:
		return "list"
	case knoxtest.RouteDeleteDevices:
		return "delete"
	}
	return strings.NewReplacer("/", "-", " ", "").Replace(strings.ToLower(string(r)))
}

// ParseClasses reads a --faults value: class names separated by commas, or
// "all". The result keeps the catalogue's order and has no duplicates.
func ParseClasses(list []string) ([]Class, error) {
	want := map[Class]bool{}
	for _, item := range list {
		for _, name := range strings.Split(item, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
				continue
			case name == "all":
				for _, c := range Classes() {
					want[c] = true
				}
				continue
			}
			if _, known := classByName(Class(name)); !known {
				return nil, fmt.Errorf("--faults: unknown fault class %q; use one or more of %s, or all", name, classNames())
			}
			want[Class(name)] = true
		}
	}
	var out []Class
	for _, c := range Classes() {
		if want[c] {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--faults: no fault class given; use one or more of %s, or all", classNames())
	}
	return out, nil
}

func classNames() string {
	var names []string
	for _, c := range Classes() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

// NewPlan places one fault of each class, chosen and ordered by seed. The
// token fault goes on the first token request (a client that reuses its token
// may make no second one unless a fault makes it refresh); the others go on
// device-list calls from the second on, two or three calls apart, so the
// client's own retry of one fault never meets the next, and a command that
// makes enough calls meets every class.
func NewPlan(seed int64, classes []Class) Plan {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6b6e6f78)) // "knox"
	order := slices.Clone(classes)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	p := Plan{Seed: seed}
	next := map[knoxtest.Route]int{}
	for _, c := range order {
		def, _ := classByName(c)
		route := def.routes[0]
		n, seen := next[route]
		if !seen {
			n = def.first + rng.IntN(2)
			if route == knoxtest.RouteAccessToken {
				n = 1
			}
		}
		p.Faults = append(p.Faults, PlannedFault{Class: c, Route: route, Nth: n})
		next[route] = n + 2 + rng.IntN(2)
	}
	p.sort()
	return p
}

func (p *Plan) sort() {
	sort.SliceStable(p.Faults, func(i, j int) bool {
		a, b := p.Faults[i], p.Faults[j]
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		return a.Nth < b.Nth
	})
}

// maxPlanFaults bounds a plan file: each fault is a case in the reports.
const maxPlanFaults = 1000

// LoadPlan reads a plan file written by an earlier run (observe-plan.json in
// its report directory) or by hand. A fault without a route gets its class's
// usual route.
func LoadPlan(path string) (Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Plan{}, fmt.Errorf("--plan: %w", err)
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, fmt.Errorf(`--plan %s: not a fault plan (want {"seed": N, "faults": [{"class": "ratelimit", "route": "GET /kcs/v1/kme/devices/list", "nth": 3}, …]}): %v`, path, err)
	}
	for i := range p.Faults {
		if p.Faults[i].Route == "" {
			if def, known := classByName(p.Faults[i].Class); known {
				p.Faults[i].Route = def.routes[0]
			}
		}
	}
	if err := p.Validate(); err != nil {
		return Plan{}, fmt.Errorf("--plan %s: %w", path, err)
	}
	p.sort()
	return p, nil
}

// Validate reports the first thing wrong with the plan, saying how to fix it.
func (p Plan) Validate() error {
	if len(p.Faults) == 0 {
		return fmt.Errorf("the plan has no fault; list at least one in \"faults\"")
	}
	if len(p.Faults) > maxPlanFaults {
		return fmt.Errorf("the plan has %d faults; at most %d are allowed", len(p.Faults), maxPlanFaults)
	}
	taken := map[string]int{}
	for i, f := range p.Faults {
		def, known := classByName(f.Class)
		if !known {
			return fmt.Errorf("faults[%d]: unknown class %q; use one of %s", i, f.Class, classNames())
		}
		if !slices.Contains(def.routes, f.Route) {
			var rs []string
			for _, r := range def.routes {
				rs = append(rs, string(r))
			}
			return fmt.Errorf("faults[%d]: class %s cannot be put on %q; use %s", i, f.Class, f.Route, strings.Join(rs, " or "))
		}
		if f.Nth < 1 {
			return fmt.Errorf("faults[%d]: nth is %d; requests are counted from 1", i, f.Nth)
		}
		key := fmt.Sprintf("%s#%d", f.Route, f.Nth)
		if j, dup := taken[key]; dup {
			return fmt.Errorf("faults[%d]: request %d to %s already has faults[%d]; one fault per request", i, f.Nth, f.Route, j)
		}
		taken[key] = i
	}
	return nil
}

// Steps turns the plan into knoxtest fault scripts: for each route, requests
// before a fault pass through untouched, the planned one gets the fault, and
// after the last fault the route behaves naturally.
func (p Plan) Steps() map[knoxtest.Route][]knoxtest.Step {
	byRoute := map[knoxtest.Route][]PlannedFault{}
	for _, f := range p.Faults {
		byRoute[f.Route] = append(byRoute[f.Route], f)
	}
	out := map[knoxtest.Route][]knoxtest.Step{}
	for route, fs := range byRoute {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Nth < fs[j].Nth })
		next := 1
		for _, f := range fs {
			if f.Nth > next {
				out[route] = append(out[route], knoxtest.Step{Pass: true, Times: f.Nth - next})
			}
			def, _ := classByName(f.Class)
			out[route] = append(out[route], def.step)
			next = f.Nth + 1
		}
	}
	return out
}

// WriteFile writes the plan as indented JSON, the form LoadPlan reads.
func (p Plan) WriteFile(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Describe lists the plan, one fault a line.
func (p Plan) Describe() string {
	var b strings.Builder
	for _, f := range p.Faults {
		def, _ := classByName(f.Class)
		fmt.Fprintf(&b, "  %-22s request %d to %s: %s\n", f.Class, f.Nth, f.Route, def.injects)
	}
	return b.String()
}
