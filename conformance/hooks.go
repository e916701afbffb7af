package conformance

import (
	"fmt"
	"os"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/knoxconform/knoxconform/reports"
)

// specHooks is how a case run ends early, releases what it holds and attaches
// its evidence. A case run as a Ginkgo spec uses Ginkgo's (ginkgoHooks); a case
// run by the pool (pool.go) records them (poolHooks), and the spec that waits
// for the case replays them, so a report cannot tell the two apart.
type specHooks interface {
	// fail and skip end the case (they do not return).
	fail(msg string)
	skip(msg string)
	// deferCleanup runs f when the case has ended, last registered first.
	deferCleanup(f func())
	// report attaches the case's evidence.
	report(ev caseEvidence)
	// process numbers the clients this process creates (client ids must be
	// unique across a run).
	process() int
}

type ginkgoHooks struct{}

func (ginkgoHooks) fail(msg string)       { ginkgo.Fail(msg, 1) }
func (ginkgoHooks) skip(msg string)       { ginkgo.Skip(msg, 1) }
func (ginkgoHooks) deferCleanup(f func()) { ginkgo.DeferCleanup(f) }
func (ginkgoHooks) process() int          { return ginkgo.GinkgoParallelProcess() }
func (ginkgoHooks) report(ev caseEvidence) {
	ginkgo.AddReportEntry(reports.EntryName, ev, ginkgo.ReportEntryVisibilityFailureOrVerbose)
}

// caseEnd is the panic value with which a pooled case ends early.
type caseEnd struct {
	skipped bool
	msg     string
}

// poolHooks records one pooled case's ending, cleanups and evidence.
type poolHooks struct {
	proc int

	mu       sync.Mutex
	cleanups []func()
	entries  []caseEvidence
}

func (h *poolHooks) fail(msg string) { panic(caseEnd{msg: msg}) }
func (h *poolHooks) skip(msg string) { panic(caseEnd{skipped: true, msg: msg}) }
func (h *poolHooks) process() int    { return h.proc }
func (h *poolHooks) deferCleanup(f func()) {
	h.mu.Lock()
	h.cleanups = append(h.cleanups, f)
	h.mu.Unlock()
}
func (h *poolHooks) report(ev caseEvidence) {
	h.mu.Lock()
	h.entries = append(h.entries, ev)
	h.mu.Unlock()
}

// runCleanups runs the registered cleanups, last first. A cleanup that ends
// the case (a failure while releasing) is the case's ending if it had none.
func (h *poolHooks) runCleanups(end *caseEnd) {
	for {
		h.mu.Lock()
		n := len(h.cleanups)
		if n == 0 {
			h.mu.Unlock()
			return
		}
		f := h.cleanups[n-1]
		h.cleanups = h.cleanups[:n-1]
		h.mu.Unlock()
		func() {
			defer func() {
				if p := recover(); p != nil {
					if e, ok := p.(caseEnd); ok {
						if *end == (caseEnd{}) {
							*end = e
						}
						return
					}
					*end = caseEnd{msg: fmt.Sprintf("ERROR (a harness problem, not a verdict on the client): the suite panicked while releasing the case: %v", p)}
				}
			}()
			f()
		}()
	}
}

// tempDir is a directory removed when the case ends.
func (r *caseRun) tempDir() string {
	dir, err := os.MkdirTemp("", "knoxconform-case-")
	if err != nil {
		r.s.hooks.fail("ERROR (a harness problem, not a verdict on the client): creating a temporary directory: " + err.Error())
	}
	r.s.hooks.deferCleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
