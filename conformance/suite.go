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
const startTimeout = target.StartTimeout

// maxRestarts is how often a process restarts an adapter that became unusable
// (crashed, or stuck in a client that never gave up) before it stops trying.
const maxRestarts = 3

// maxWedgedInARow is how many sessions in a row may end wedged (answering
// nothing at all, not even the liveness probe) before the process stops
// starting the adapter: the remaining cases are then ERROR at once instead of
// each waiting out its deadlines.
const maxWedgedInARow = 2

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
	// wedgedRow counts the sessions in a row that ended wedged; a case that
	// runs to its verdict resets it. wedgedTgt is the last one counted.
	wedgedRow int
	wedgedTgt target.Target

	clientSeq atomic.Int64
	runLog    *runLog
}

// Register builds the Ginkgo tree of the suite: a BeforeSuite that starts the
// target, one table entry per case (description = case ID, labels = level,
// area and codes), and a ReportAfterSuite that writes the artifacts. Call it
// once per process, identically in every parallel worker, before RunSpecs.
func Register(opts Options) {
	s := &suite{opts: opts, runLog: openRunLog()}
	if opts.Trace != nil {
		s.trace = &lockedWriter{w: opts.Trace}
	}
	ginkgo.BeforeSuite(func(ctx ginkgo.SpecContext) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.startLocked(ctx)
	}, ginkgo.NodeTimeout(startTimeout+5*time.Second))
	ginkgo.AfterSuite(func() { s.stop(); s.runLog.close() })

	defs := catalogue()
	entries := make([]ginkgo.TableEntry, 0, len(defs))
	for _, d := range defs {
		args := []any{d.labels(), ginkgo.SpecTimeout(d.specTimeout() * (1 + confirmRuns)), ginkgo.SpecPriority(schedulePriority(d.ID))}
		if d.runWide {
			// Last: in a parallel run Ginkgo runs Serial specs on process 1 once
			// every worker is done; in a serial run the lowest priority is last.
			args = []any{d.labels(), ginkgo.SpecTimeout(d.specTimeout() * (1 + confirmRuns)), ginkgo.Serial, ginkgo.SpecPriority(runWidePriority)}
		}
		entries = append(entries, ginkgo.Entry(d.ID, append(args, d.ID)...))
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
	"ratelimit/retry-after-date":       2500, // an HTTP-date 2 to 3 s ahead
	"ratelimit/retry-after-persisting": 2000, // Retry-After: 1, twice
	"jwt/resigned-fresh":               1200, // a rejection held back 1.2 s
	"ratelimit/jitter":                 500,  // a 500 ms advised base delay
	"ratelimit/natural-429":            1000, // Retry-After: 1 from the real limiter
	"http/429/retry-after-seconds":     1000, // Retry-After: 1
	"ratelimit/503-retry-after":        1000, // Retry-After: 1
	"network/hang-timeout":             800,  // hangTimeout, then giving up
	"ratelimit/retry-after-garbage":    300,  // backoff after two unparseable Retry-Afters
	"lic/LIC_5101/bounded-backoff":     150,  // a bounded retry schedule
	"http/500/bounded-backoff":         100,
	"http/429/backoff":                 100,
	"tls/verify":                       100,
	"oauth/token-lifetime":             1300, // the token's 1 s lifetime must end between two calls
}

// SchedulePriority is the Ginkgo SpecPriority of the case with this ID: higher
// runs earlier (see longCases; the run-wide cases run last).
func SchedulePriority(id string) int {
	if d, ok := catalogueByIDs()[id]; ok && d.runWide {
		return runWidePriority
	}
	return schedulePriority(id)
}

// runWidePriority puts the run-wide cases after every other case.
const runWidePriority = -1 << 20

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

// wedged records that tgt answered nothing at all, not even the liveness
// probe: it is broken, counts once towards maxWedgedInARow, and is stopped.
func (s *suite) wedged(tgt target.Target) {
	s.mu.Lock()
	current := tgt != nil && tgt == s.tgt
	if current {
		s.broken = true
		if s.wedgedTgt != tgt {
			s.wedgedTgt = tgt
			s.wedgedRow++
		}
	}
	s.mu.Unlock()
	if current {
		// Stop it now (no bye: it answers nothing; its process group is
		// killed) rather than when the next case restarts it.
		_ = tgt.Close()
	}
}

// healthy records that a case ran to its verdict on tgt: the adapter works,
// whatever earlier sessions did.
func (s *suite) healthy(tgt target.Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tgt != nil && tgt == s.tgt && s.wedgedTgt != tgt {
		s.wedgedRow = 0
	}
}

// declares reports whether the adapter's hello lists feature.
func (s *suite) declares(feature string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.hello.Features, feature)
}

// acquire returns a usable target, restarting a broken one (boundedly).
func (s *suite) acquire(ctx context.Context) (target.Target, target.HelloResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wedgedRow >= maxWedgedInARow {
		if s.tgt != nil {
			_ = s.tgt.Close()
			s.tgt = nil
		}
		return nil, s.hello, fmt.Errorf("not run: the adapter was wedged in %d sessions in a row (the first ERROR cases say what it stopped answering), so it is not started again; fix the adapter (its stderr is in the report) and run again", s.wedgedRow)
	}
	if s.broken && s.startErr == nil && s.tgt != nil {
		// A poisoned session answers at once; a live one within the
		// liveness deadline.
		if s.tgt.Alive(ctx) == nil {
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

// confirmRuns is how many more runs a case gets when its only failures are
// timing-sensitive (Noisy checks, or a call the suite stopped waiting for):
// the verdict is the majority of the runs. A failure that a second run repeats
// stands at once; one that the second run does not repeat is put to a third.
// A correct client on a loaded machine rarely fails one run and practically
// never two; a client that breaks the rule fails them all. The reports say
// when reruns decided the verdict.
const confirmRuns = 2

// runCase is the body of every table entry: the case, then the confirming
// reruns its timing-sensitive failures call for, then the verdict.
func (s *suite) runCase(ctx ginkgo.SpecContext, d *caseDef) {
	r := s.runOnce(ctx, d)
	if !r.timingSuspect() {
		r.verdict()
		return
	}
	failed, passed := 1, 0
	notes := []string{fmt.Sprintf("run 1 failed only timing-sensitive checks (%s; harness lag up to %d ms); run again to confirm", r.failureNames(), ms(r.lag.max()))}
	for run := 2; run <= 1+confirmRuns && failed < 2 && passed < 2; run++ {
		r.superseded = true
		r.cleanup()
		r = s.runOnce(ctx, d)
		if r.timingSuspect() {
			failed++
			notes = append(notes, fmt.Sprintf("run %d failed too (%s; harness lag up to %d ms)", run, r.failureNames(), ms(r.lag.max())))
		} else {
			passed++
			notes = append(notes, fmt.Sprintf("run %d passed", run))
		}
	}
	if failed >= 2 {
		notes = append(notes, fmt.Sprintf("%d of %d runs failed: the failure is the client's, not the machine's", failed, failed+passed))
	} else {
		notes = append(notes, fmt.Sprintf("%d of %d runs passed: the failure is judged noise of a loaded machine", passed, failed+passed))
	}
	r.res.Notes = notes
	r.verdict()
}

// runOnce performs one run of case d and collects its checks.
func (s *suite) runOnce(ctx ginkgo.SpecContext, d *caseDef) *caseRun {
	r := &caseRun{ctx: ctx, def: d, s: s, res: &reports.CaseResult{Case: d.Case}, lag: startLagMonitor()}
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
	s.healthy(tgt)
	return r
}

// baseServerOptions apply to every case's server. Validity sent as a numeric
// string is accepted, so that a client doing so is judged by the one SHOULD
// case about it (knox/4002251/validity-number) instead of failing every case
// that needs a token.
func baseServerOptions() []knoxtest.Option {
	return []knoxtest.Option{knoxtest.WithLenientValidity()}
}

// requestTimeout is the adapter request deadline: at least the longest
// operation timeout a client may have (advised, or declared by the adapter)
// plus giveUpSlack plus a margin, so that the suite's own per-invoke deadline
// (which judges a client that never gives up) always fires first and the
// adapter session stays usable.
func requestTimeout(asked time.Duration) time.Duration {
	longest := target.MaxDeclaredTimeoutMs
	for _, d := range catalogue() {
		longest = max(longest, d.clientConfig().TimeoutMs)
	}
	floor := time.Duration(longest)*time.Millisecond + giveUpSlack + target.RequestTimeoutMargin
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
	if r.cleaned {
		return
	}
	r.cleaned = true
	r.lag.stop()
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
		var sk *target.SkipError
		switch {
		case err == nil || errors.As(err, &sk):
		case target.IsHarness(err):
			r.s.markBroken(r.tgt)
		default:
			// No answer in time: whether the adapter is alive decides
			// whether the next case may use the session.
			if r.tgt.Alive(context.Background()) != nil {
				r.s.wedged(r.tgt)
			} else {
				r.s.markBroken(r.tgt)
			}
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
	r.s.runLog.record(r.def.ID, journal)
	if r.superseded {
		return
	}
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
