package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// startTimeout bounds starting the adapter and its hello.
const startTimeout = 30 * time.Second

// maxRestarts is how often a process restarts an adapter that became unusable
// (crashed, or stuck in a client that never gave up) before it stops trying.
const maxRestarts = 3

// suite is the per-process state: the target and what hello said.
type suite struct {
	opts  Options
	trace io.Writer

	mu       sync.Mutex
	tgt      target.Target
	hello    target.HelloResult
	startErr error
	broken   bool
	restarts int

	clientSeq atomic.Int64
}

// Register builds the Ginkgo tree of the suite: a BeforeSuite that starts the
// target, one table entry per case (description = case ID, labels = level,
// area and codes), and a ReportAfterSuite that writes the artifacts. Call it
// once per process, identically in every parallel worker, before RunSpecs.
func Register(opts Options) {
	s := &suite{opts: opts}
	if opts.Trace != nil {
		s.trace = &lockedWriter{w: opts.Trace}
	}
	ginkgo.BeforeSuite(func(ctx ginkgo.SpecContext) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.startLocked(ctx)
	}, ginkgo.NodeTimeout(startTimeout+5*time.Second))
	ginkgo.AfterSuite(func() { s.stop() })

	defs := catalogue()
	entries := make([]ginkgo.TableEntry, 0, len(defs))
	for _, d := range defs {
		entries = append(entries, ginkgo.Entry(d.ID, d.labels(), ginkgo.SpecTimeout(d.specTimeout()),
			ginkgo.SpecPriority(schedulePriority(d.ID)), d.ID))
	}
	ginkgo.DescribeTable(SuiteText, func(ctx ginkgo.SpecContext, id string) {
		s.runCase(ctx, catalogueByID[id])
	}, entries)

	ginkgo.ReportAfterSuite("knoxconform artifacts", func(r ginkgo.Report) {
		s.writeReports(r)
	})
}

// longCases are the cases that take well over the grace window with a correct
// client, with roughly how long (ms) beyond it: the wait the scenario mandates
// (a Retry-After, an HTTP-date, the advised timeout of a hang) or the advised
// backoffs of a retry schedule. The numbers only order the cases: a parallel
// run hands the longest out first, so that none of them starts last and
// stretches the run's tail. They change no check and no case's timing.
var longCases = map[string]int{
	"ratelimit/retry-after-date":    2500, // an HTTP-date 2 to 3 s ahead
	"ratelimit/natural-429":         1000, // Retry-After: 1 from the real limiter
	"http/429/retry-after-seconds":  1000, // Retry-After: 1
	"ratelimit/503-retry-after":     1000, // Retry-After: 1
	"network/hang-timeout":          800,  // hangTimeout, then giving up
	"ratelimit/retry-after-garbage": 300,  // backoff after two unparseable Retry-Afters
	"lic/LIC_5101/bounded-backoff":  150,  // a bounded retry schedule
	"http/500/bounded-backoff":      100,
	"http/429/backoff":              100,
	"tls/verify":                    100,
	"oauth/token-lifetime":          1300, // the token's 1 s lifetime must end between two calls
}

// schedulePriority is the Ginkgo SpecPriority of a case: higher runs earlier.
// Ginkgo shuffles by the seed first and then sorts stably by priority, so the
// order stays a function of the seed and every parallel worker computes the
// same one; cases of equal priority (most of them) stay shuffled.
func schedulePriority(id string) int { return longCases[id] }

// startLocked starts the target and says hello; a failure is kept in startErr
// and turns every case into ERROR (the suite never fails BeforeSuite, so the
// reports still list every case with the reason).
func (s *suite) startLocked(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	topts := target.Options{RequestTimeout: requestTimeout(s.opts.RequestTimeout), Trace: s.trace}
	var tgt target.Target
	var err error
	switch {
	case s.opts.InProcess != nil:
		tgt = target.InProcessWith(s.opts.InProcess, topts)
	case s.opts.Target != "":
		tgt, err = target.Start(ctx, s.opts.Target, topts)
	case s.opts.TargetAddr != "":
		tgt, err = target.Dial(ctx, s.opts.TargetAddr, topts)
	default:
		err = errors.New("no target: pass --target \"COMMAND\" (an adapter to start) or --target-addr HOST:PORT (one already listening)")
	}
	if err != nil {
		s.startErr = fmt.Errorf("starting the adapter: %w", err)
		return
	}
	hello, err := tgt.Hello(ctx, target.HelloParams{Protocol: target.ProtocolVersion})
	if err == nil && hello.Protocol != target.ProtocolVersion {
		err = &target.HarnessError{Op: "hello", Reason: fmt.Sprintf("the adapter speaks protocol %d; this suite speaks %d", hello.Protocol, target.ProtocolVersion), Stderr: tgt.Stderr()}
	}
	if err != nil {
		s.startErr = fmt.Errorf("the adapter's hello failed: %w", err)
		_ = tgt.Close()
		return
	}
	s.tgt, s.hello, s.startErr, s.broken = tgt, hello, nil, false
}

func (s *suite) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tgt != nil {
		_ = s.tgt.Close()
		s.tgt = nil
	}
}

// markBroken records that tgt failed; the next case checks whether it is still
// usable (an adapter's error reply leaves the session usable; a crash, a hang
// or garbage poisons it) and restarts it if not.
func (s *suite) markBroken(tgt target.Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tgt != nil && tgt == s.tgt {
		s.broken = true
	}
}

// probeTimeout bounds the hello that checks a suspect adapter.
const probeTimeout = 3 * time.Second

// acquire returns a usable target, restarting a broken one (boundedly).
func (s *suite) acquire(ctx context.Context) (target.Target, target.HelloResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken && s.startErr == nil && s.tgt != nil {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		_, err := s.tgt.Hello(pctx, target.HelloParams{Protocol: target.ProtocolVersion})
		cancel()
		if err == nil {
			s.broken = false
		}
	}
	if s.broken && s.startErr == nil {
		if s.restarts >= maxRestarts {
			return nil, s.hello, fmt.Errorf("the adapter became unusable and was restarted %d times already; fix the adapter (see its stderr) and run again", maxRestarts)
		}
		s.restarts++
		s.tracef("restarting the adapter (restart %d of at most %d)", s.restarts, maxRestarts)
		if s.tgt != nil {
			_ = s.tgt.Close()
			s.tgt = nil
		}
		s.startLocked(ctx)
	}
	if s.startErr != nil {
		return nil, s.hello, s.startErr
	}
	if s.tgt == nil {
		return nil, s.hello, errors.New("the adapter was not started (BeforeSuite did not run)")
	}
	return s.tgt, s.hello, nil
}

// runCase is the body of every table entry.
func (s *suite) runCase(ctx ginkgo.SpecContext, d *caseDef) {
	r := &caseRun{ctx: ctx, def: d, s: s, res: &reports.CaseResult{Case: d.Case}}
	ginkgo.DeferCleanup(r.cleanup)

	tgt, hello, err := s.acquire(ctx)
	// A case the adapter cannot run is UNSUPPORTED even when the adapter is
	// unusable by now, as long as its hello was heard.
	if hello.Protocol != 0 {
		if why := d.unsupported(hello); why != "" {
			r.skip(why)
		}
	}
	if err != nil {
		var h *target.HarnessError
		if errors.As(err, &h) {
			r.res.Stderr = h.Stderr
		}
		r.harness(err)
	}
	r.tgt = tgt

	srv, err := startServer(append(baseServerOptions(), d.server...))
	if err != nil {
		r.harness(err)
	}
	r.srv = srv
	c := srv.Credentials()
	r.useCredentials(c)
	e := srv.Endpoints()
	r.endpoints = target.Endpoints{KnoxBaseURL: e.KnoxBaseURL, SATokenURL: e.SATokenURL, SAAuthorizeURL: e.SAAuthorizeURL}
	if slices.Contains(d.schemes(), target.SchemeOAuth2) {
		r.endpoints.APIBaseURL = e.APIBaseURL
	}
	r.caFile = srv.CAFile()
	r.config = d.clientConfig()
	r.clientID = fmt.Sprintf("p%d-%d-%s", ginkgo.GinkgoParallelProcess(), s.clientSeq.Add(1), d.ID)
	s.tracef("case %s: client %s, server %s", d.ID, r.clientID, srv.URL)

	d.run(r)
	r.verdict()
}

// baseServerOptions apply to every case's server. Validity sent as a numeric
// string is accepted, so that a client doing so is judged by the one SHOULD
// case about it (knox/4002251/validity-number) instead of failing every case
// that needs a token.
func baseServerOptions() []knoxtest.Option {
	return []knoxtest.Option{knoxtest.WithLenientValidity()}
}

// requestTimeout is the adapter request deadline: at least the longest
// advised operation timeout plus giveUpSlack plus a margin, so that the suite's
// own per-invoke deadline (which judges a client that never gives up) always
// fires first and the adapter session stays usable.
func requestTimeout(asked time.Duration) time.Duration {
	longest := 0
	for _, d := range catalogue() {
		longest = max(longest, d.clientConfig().TimeoutMs)
	}
	floor := time.Duration(longest)*time.Millisecond + giveUpSlack + 5*time.Second
	if asked < 0 {
		return asked // no limit: debugging an adapter
	}
	return max(asked, floor)
}

// startServer starts a simulated Knox Cloud, turning a panic into an error.
func startServer(opts []knoxtest.Option) (srv *knoxtest.Server, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("starting the simulated Knox Cloud: %v", p)
		}
	}()
	return knoxtest.NewServer(opts...), nil
}

// cleanup runs after pass, fail, skip, timeout and interrupt: it releases the
// client and the server and attaches the evidence.
func (r *caseRun) cleanup() {
	var journal []knoxtest.Exchange
	if r.srv != nil {
		journal = r.srv.Journal()
		if r.hung {
			// Closing the server first releases a client stuck on a hung
			// connection, so that closeClient can be answered.
			r.srv.Close()
		}
	}
	if r.opened && r.tgt != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		err := r.tgt.CloseClient(ctx, target.CloseClientParams{Client: r.clientID})
		cancel()
		if err != nil && target.IsHarness(err) {
			r.s.markBroken(r.tgt)
		}
	}
	if r.srv != nil && !r.hung {
		r.srv.Close()
	}
	r.res.Timeline = timeline(journal)
	if n := len(r.invokes); n > 0 {
		last := r.invokes[n-1]
		o := &reports.Outcome{OK: last.Outcome.OK}
		if last.GaveUp {
			o.Kind, o.Message = "hang", fmt.Sprintf("client did not give up: no answer after %d ms", ms(last.Elapsed))
		} else if e := last.Outcome.Error; e != nil {
			o.Kind, o.HTTPStatus, o.Code, o.Message = string(e.Kind), e.HTTPStatus, e.Code, e.Message
		}
		r.res.Outcome = o
	}
	if r.res.Class != reports.Error && len(r.mustFailures) > 0 && r.tgt != nil {
		r.res.Stderr = tail(r.tgt.Stderr(), 8<<10)
	}
	r.s.traceJournal(r.def.ID, r.res.Timeline)
	ginkgo.AddReportEntry(reports.EntryName, caseEvidence{*r.res}, ginkgo.ReportEntryVisibilityFailureOrVerbose)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func (s *suite) tracef(format string, args ...any) {
	if s.trace != nil {
		fmt.Fprintf(s.trace, "%s # "+format+"\n", append([]any{time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")}, args...)...)
	}
}

func (s *suite) traceJournal(id string, tl []reports.Attempt) {
	if s.trace == nil {
		return
	}
	for _, a := range tl {
		s.tracef("case %s: http %s", id, attemptLine(a))
	}
}

// lockedWriter serialises writes from the target's goroutines and the suite's.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
