package conformance

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// Sources cited by cases that are not Knox's troubleshooting page.
const (
	sourceBehaviours = "BEHAVIOURS.md §2"
	sourceRetryAfter = "RFC 9110 §10.2.3 (Retry-After); RFC 6585 §4 (429)"
	sourceJWT        = "https://docs.samsungknox.com/dev/knox-cloud-authentication/ (client identifier JWT); " + sourceBehaviours
)

// caseDef is one conformance case: its public description, what it needs from
// the target, the server it runs against and the scenario with its checks.
type caseDef struct {
	reports.Case
	// ops are the operations the scenario invokes; an adapter that does not list
	// one of them in hello gets UNSUPPORTED.
	ops []target.Op
	// features are hello features the scenario needs ("concurrency").
	features []string
	// server configures the case's simulated Knox Cloud.
	server []knoxtest.Option
	// config adjusts the advised client config.
	config func(*target.ClientConfig)
	// timeout bounds the whole spec; zero means defaultSpecTimeout.
	timeout time.Duration
	// run is the scenario and its checks.
	run func(r *caseRun)
	// runWide cases judge the whole run (every case, client and worker): they
	// run last, on process 1, after every other case.
	runWide bool
}

// defaultSpecTimeout leaves room for a few invokes that each run to the advised timeout plus
// giveUpSlack, so a slow client is judged (FAIL) rather than timed out (ERROR).
const defaultSpecTimeout = 30 * time.Second

// labels are the Ginkgo labels of the case: level, area and one per code.
func (d *caseDef) labels() ginkgo.Labels {
	ls := ginkgo.Labels{d.Level, "area:" + d.Area}
	for _, c := range d.Codes {
		ls = append(ls, "code:"+c)
	}
	return ls
}

func (d *caseDef) specTimeout() time.Duration {
	if d.timeout > 0 {
		return d.timeout
	}
	return defaultSpecTimeout
}

// clientConfig is the client config the case advises: the default, as the
// case tunes it.
func (d *caseDef) clientConfig() target.ClientConfig {
	c := defaultConfig()
	if d.config != nil {
		d.config(&c)
	}
	return c
}

// newCase starts a case description; the area is the ID's first segment.
func newCase(id string, level knoxerr.Level, title, requirement, source string, codes ...knoxerr.Code) *caseDef {
	d := &caseDef{Case: reports.Case{ID: id, Title: title, Level: string(level), Area: strings.SplitN(id, "/", 2)[0],
		Requirement: requirement, Source: source}}
	for _, c := range codes {
		d.Codes = append(d.Codes, string(c))
	}
	return d
}

func (d *caseDef) needs(ops ...target.Op) *caseDef { d.ops = append(d.ops, ops...); return d }
func (d *caseDef) requires(features ...string) *caseDef {
	d.features = append(d.features, features...)
	return d
}
func (d *caseDef) with(opts ...knoxtest.Option) *caseDef {
	d.server = append(d.server, opts...)
	return d
}
func (d *caseDef) limit(t time.Duration) *caseDef             { d.timeout = t; return d }
func (d *caseDef) wholeRun() *caseDef                         { d.runWide = true; return d }
func (d *caseDef) tune(f func(*target.ClientConfig)) *caseDef { d.config = f; return d }
func (d *caseDef) scenario(f func(r *caseRun)) *caseDef       { d.run = f; return d }

var (
	catalogueOnce sync.Once
	catalogueDefs []*caseDef
	catalogueByID map[string]*caseDef
)

// catalogue is every case, sorted by ID; built once, identically in every
// process (no randomness, no clock, no I/O).
func catalogue() []*caseDef {
	catalogueOnce.Do(func() {
		var defs []*caseDef
		defs = append(defs, httpCases()...)
		defs = append(defs, knoxCloudCases()...)
		defs = append(defs, samsungAccountCases()...)
		defs = append(defs, authorizeTokenCases()...)
		defs = append(defs, rateLimitCases()...)
		defs = append(defs, bodyShapeCases()...)
		defs = append(defs, networkCases()...)
		defs = append(defs, tokenCases()...)
		defs = append(defs, jwtCases()...)
		defs = append(defs, transportSecurityCases()...)
		defs = append(defs, oauthCases()...)
		defs = append(defs, serviceCases()...)
		defs = append(defs, stateCases()...)
		defs = append(defs, surfaceCases()...)
		defs = append(defs, routeCases()...)
		defs = append(defs, successCases()...)
		sort.SliceStable(defs, func(i, j int) bool { return defs[i].ID < defs[j].ID })
		for _, d := range defs {
			d.Schemes, d.Services = d.schemes(), d.services()
		}
		catalogueDefs = defs
		catalogueByID = make(map[string]*caseDef, len(defs))
		for _, d := range defs {
			catalogueByID[d.ID] = d
		}
	})
	return catalogueDefs
}

// catalogueByIDs is every case by ID.
func catalogueByIDs() map[string]*caseDef {
	catalogue()
	return catalogueByID
}

// Cases returns every case, in ID order.
func Cases() []reports.Case {
	defs := catalogue()
	out := make([]reports.Case, len(defs))
	for i, d := range defs {
		out[i] = d.Case
		out[i].Codes = append([]string(nil), d.Codes...)
		out[i].Schemes = append([]string(nil), d.Schemes...)
		out[i].Services = append([]string(nil), d.Services...)
	}
	return out
}
