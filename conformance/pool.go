package conformance

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/reports"
)

// A pool runs the cases of one process several at a time. Ginkgo runs one
// spec at a time per process, so without it every case that runs at the same
// time as another needs a process of its own (a worker, and its adapter):
// on a small machine those processes cost more CPU than the cases. The pool
// keeps one adapter session per slot, exactly as a worker keeps one: each
// session serves one case at a time, a session that breaks is replaced, and a
// case never shares an adapter with another that runs at the same time. Each
// spec waits for its case's result and reports it: the same evidence, the
// same ending (ERROR, UNSUPPORTED, a failure), as if it had run the case.
// The run-wide cases still run in their specs, after every other case.
type pool struct {
	ctx    context.Context
	cancel context.CancelFunc
	free   chan *suite
	slots  []*suite

	// primary is the process's own session (nil when it did not start): it
	// runs pooled cases too, then the run-wide ones.
	primary *suite

	mu      sync.Mutex
	results map[string]*pooledResult
	// live counts the sessions that take cases.
	live int
	// dispatched is set once every case has been handed to a session.
	dispatched bool
	wg         sync.WaitGroup
	// drained is closed when every case the pool started has ended.
	drained chan struct{}
}

// pooledResult is how one pooled case ended.
type pooledResult struct {
	done    chan struct{}
	entries []caseEvidence
	end     caseEnd
	took    time.Duration
	started time.Time
	// whole is set when the case ended before the pool was stopped: a case
	// an interrupt cut short is not reported as if it had run.
	whole bool
}

// startPool starts the cases ids (all but the run-wide ones), longest first,
// on n sessions: the primary one, which is up already and so takes the
// longest case at once, and n-1 more.
func startPool(primary *suite, n int, ids []string) *pool {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pool{ctx: ctx, cancel: cancel, free: make(chan *suite, n), results: map[string]*pooledResult{}, drained: make(chan struct{})}
	var order []*caseDef
	for _, id := range ids {
		d, ok := catalogueByIDs()[id]
		if !ok || d.runWide || p.results[id] != nil {
			continue
		}
		p.results[id] = &pooledResult{done: make(chan struct{})}
		order = append(order, d)
	}
	slices.SortStableFunc(order, func(a, b *caseDef) int {
		return cmp.Or(cmp.Compare(caseWeights[b.ID], caseWeights[a.ID]), strings.Compare(a.ID, b.ID))
	})
	n = min(n, max(len(order), 1))
	primary.mu.Lock()
	if primary.startErr == nil && primary.tgt != nil {
		// The primary session serves the pool until its cases are done,
		// then the run-wide cases (release).
		p.primary = primary
		p.free <- primary
		n--
	}
	primary.mu.Unlock()
	for i := range n {
		slot := &suite{opts: primary.opts, trace: primary.trace, runLog: primary.runLog}
		slot.slot = i + 2 // the primary session is process 1
		p.slots = append(p.slots, slot)
	}
	begin := time.Now()
	p.live = len(p.slots)
	if p.primary != nil {
		p.live++
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		// Sessions start a few at a time (warmAtOnce), each taking a case as
		// soon as it is up, longest first. Starting dozens of adapters at once
		// stalls every process on the machine for a moment (on 2 CPUs the
		// cases that started then had to be confirmed by reruns, and the run
		// took longer), and that noise would be measured in their timing.
		tokens := make(chan struct{}, warmAtOnce())
		var warm sync.WaitGroup
		var failedMu sync.Mutex
		var failed []*suite
		for _, slot := range p.slots {
			warm.Add(1)
			go func() {
				defer warm.Done()
				tokens <- struct{}{}
				sctx, cancel := context.WithTimeout(ctx, startTimeout)
				slot.mu.Lock()
				// A session no case needs any more is not started.
				if !p.isDispatched() {
					slot.startLocked(sctx)
				}
				ok := slot.startErr == nil && slot.tgt != nil
				slot.mu.Unlock()
				cancel()
				<-tokens
				if ok {
					p.put(slot)
					return
				}
				if p.isDispatched() {
					return
				}
				failedMu.Lock()
				failed = append(failed, slot)
				failedMu.Unlock()
			}()
		}
		go func() {
			warm.Wait()
			primary.tracef("pool: %d adapter sessions started in %d ms (%d failed to start)", len(p.slots), time.Since(begin).Milliseconds(), len(failed))
			// A session whose adapter would not start takes no case while
			// another runs them; when none started, one of them reports
			// every case as ERROR with the reason.
			p.mu.Lock()
			p.live -= len(failed)
			none := p.live == 0
			if none {
				p.live = 1
			}
			p.mu.Unlock()
			if none {
				p.free <- failed[0]
			}
		}()
		defer func() {
			go func() {
				p.wg.Wait()
				primary.tracef("pool: %d cases done %d ms after the pool started", len(order), time.Since(begin).Milliseconds())
				close(p.drained)
			}()
		}()
		defer p.dispatchedAll()
		for _, d := range order {
			var slot *suite
			select {
			case slot = <-p.free:
			case <-ctx.Done():
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.run(slot, d)
				if p.retire(slot) {
					return
				}
				p.put(slot)
			}()
		}
	}()
	return p
}

// put hands a session that is up and idle back to the pool, or, once every
// case has been handed out, closes it: no case needs it, and the run ends
// sooner when sessions close while the last cases run rather than after.
// The primary session stays open for the run-wide cases.
func (p *pool) put(slot *suite) {
	p.mu.Lock()
	done := p.dispatched
	if !done {
		p.free <- slot // never blocks: it holds every session
	}
	p.mu.Unlock()
	if done && slot != p.primary {
		go slot.stop()
	}
}

// dispatchedAll records that every case has been handed out (or the pool
// stopped) and closes the sessions left idle.
func (p *pool) dispatchedAll() {
	p.mu.Lock()
	p.dispatched = true
	var idle []*suite
	for len(p.free) > 0 {
		idle = append(idle, <-p.free)
	}
	p.mu.Unlock()
	for _, slot := range idle {
		if slot != p.primary {
			go slot.stop()
		}
	}
}

func (p *pool) isDispatched() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dispatched
}

// release waits until every case the pool started has ended, so that a case
// run in its own spec (the run-wide ones, last) has the primary session to
// itself again, with Ginkgo's hooks. It reports false when ctx ended first.
func (p *pool) release(ctx context.Context, primary *suite) bool {
	select {
	case <-p.drained:
		primary.hooks = ginkgoHooks{}
		return true
	case <-ctx.Done():
		return false
	}
}

// retire reports whether slot stops taking cases: its adapter was given up
// on (restarted too often, or wedged in sessions in a row), and another
// session still runs cases. The last one reports the remaining cases as ERROR
// at once, with the reason, as a worker process does.
func (p *pool) retire(slot *suite) bool {
	slot.mu.Lock()
	gone := slot.gaveUpLocked()
	slot.mu.Unlock()
	if !gone {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live <= 1 {
		return false
	}
	p.live--
	return true
}

// has reports whether the pool runs the case.
func (p *pool) has(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.results[id] != nil
}

// run runs case d on slot's session and records how it ended.
func (p *pool) run(slot *suite, d *caseDef) {
	res := p.results[d.ID]
	defer close(res.done)
	hooks := &poolHooks{proc: max(slot.slot, 1)}
	slot.hooks = hooks
	ctx, cancel := context.WithTimeout(p.ctx, d.specTimeout()*(1+confirmRuns))
	defer cancel()
	start := time.Now()
	res.started = start
	func() {
		defer func() {
			if v := recover(); v != nil {
				if e, ok := v.(caseEnd); ok {
					res.end = e
					return
				}
				res.end = caseEnd{msg: fmt.Sprintf("ERROR (a harness problem, not a verdict on the client): the suite panicked: %v", v)}
			}
		}()
		slot.runCase(ctx, d)
	}()
	hooks.runCleanups(&res.end)
	res.took = time.Since(start)
	if ctx.Err() == context.DeadlineExceeded && res.end == (caseEnd{}) {
		res.end = caseEnd{msg: "ERROR (a harness problem, not a verdict on the client): the case exceeded its time limit"}
	}
	res.entries = hooks.entries
	res.whole = p.ctx.Err() == nil
}

// await waits for the case's result; the spec's own deadline or an interrupt
// ends the wait.
func (p *pool) await(ctx context.Context, id string) *pooledResult {
	p.mu.Lock()
	res := p.results[id]
	p.mu.Unlock()
	select {
	case <-res.done:
		return res
	case <-ctx.Done():
		ginkgo.Fail("ERROR (a harness problem, not a verdict on the client): the case did not finish: " + context.Cause(ctx).Error())
		return nil
	}
}

// evidence is what the case attached, with its own duration (a spec that
// waited for it ran for another time).
func (r *pooledResult) evidence() []caseEvidence {
	out := make([]caseEvidence, len(r.entries))
	for i, e := range r.entries {
		e.DurationMs = msf(r.took)
		out[i] = e
	}
	return out
}

// replay reports the pooled case in the waiting spec.
func (r *pooledResult) replay() {
	var spec ginkgoHooks
	for _, e := range r.evidence() {
		spec.report(e)
	}
	switch {
	case r.end.skipped:
		spec.skip(r.end.msg)
	case r.end.msg != "":
		spec.fail(r.end.msg)
	}
}

// completeReport adds to r the cases that ran to their end in the pool but
// whose specs never reported them (the run was interrupted before Ginkgo
// reached them: their specs are in r as not run, without evidence), so that
// the reports keep every case that ran, as they do when worker processes run
// the cases. A case an interrupt cut short stays out.
func (p *pool) completeReport(r *types.Report) {
	at := map[string]int{}
	for i, sr := range r.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt {
			at[sr.LeafNodeText] = i
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, res := range p.results {
		i, listed := at[id]
		if listed {
			if _, has := DecodeCase(r.SpecReports[i]); has || !r.SpecReports[i].State.Is(types.SpecStateSkipped|types.SpecStatePending) {
				continue
			}
		}
		select {
		case <-res.done:
		default:
			continue
		}
		if !res.whole {
			continue
		}
		sr := types.SpecReport{
			ContainerHierarchyTexts: []string{SuiteText},
			LeafNodeType:            types.NodeTypeIt,
			LeafNodeText:            id,
			LeafNodeLabels:          catalogueByIDs()[id].labels(),
			State:                   types.SpecStatePassed,
			StartTime:               res.started,
			EndTime:                 res.started.Add(res.took),
			RunTime:                 res.took,
			ParallelProcess:         1,
		}
		if listed {
			sr.ContainerHierarchyTexts = r.SpecReports[i].ContainerHierarchyTexts
			sr.LeafNodeLocation = r.SpecReports[i].LeafNodeLocation
		}
		switch {
		case res.end.skipped:
			sr.State = types.SpecStateSkipped
		case res.end.msg != "":
			sr.State = types.SpecStateFailed
		}
		if res.end.msg != "" {
			sr.Failure = types.Failure{Message: res.end.msg}
		}
		for _, e := range res.evidence() {
			sr.ReportEntries = append(sr.ReportEntries, types.ReportEntry{Name: reports.EntryName, Visibility: types.ReportEntryVisibilityFailureOrVerbose, Time: sr.EndTime, Value: types.WrapEntryValue(e)})
		}
		if listed {
			r.SpecReports[i] = sr
		} else {
			r.SpecReports = append(r.SpecReports, sr)
		}
	}
}

// stop ends the cases still running and closes every session, all at once
// (each waits for its adapter to exit).
func (p *pool) stop() {
	p.cancel()
	p.wg.Wait()
	var closing sync.WaitGroup
	for _, s := range p.slots {
		closing.Add(1)
		go func() {
			defer closing.Done()
			s.stop()
		}()
	}
	closing.Wait()
}

// warmAtOnce is how many adapter sessions the pool starts at the same time:
// two per CPU (the same run took 4.6-5.9 s with all 48 at once on 2 CPUs,
// 3.7-4.2 s with 4).
func warmAtOnce() int { return 2 * runtime.NumCPU() }

// SelectedIDs are the IDs of the cases the --cases globs and the label filter
// select (every case when neither is given), in catalogue order: the specs
// Ginkgo runs with the same focus and filter.
func SelectedIDs(globs []string, labelFilter string) ([]string, error) {
	keep := func([]string) bool { return true }
	if labelFilter != "" {
		f, err := types.ParseLabelFilter(labelFilter)
		if err != nil {
			return nil, err
		}
		keep = f
	}
	var re *regexp.Regexp
	if len(globs) > 0 {
		var alts []string
		for _, g := range globs {
			alts = append(alts, globRegexp(g))
		}
		re = regexp.MustCompile("^(?:" + strings.Join(alts, "|") + ")$")
	}
	var ids []string
	for _, d := range catalogue() {
		if (re == nil || re.MatchString(d.ID)) && keep(d.labels()) {
			ids = append(ids, d.ID)
		}
	}
	return ids, nil
}
