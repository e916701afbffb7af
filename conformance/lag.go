package conformance

import (
	"sync"
	"sync/atomic"
	"time"
)

// lagTick is how often the lag monitor samples: short enough to see a stall of
// a few milliseconds, long enough to cost nothing measurable.
const lagTick = 5 * time.Millisecond

// lagMonitor measures how late the suite's own process runs during a case: a
// goroutine asks for lagTick of sleep and records the longest overshoot. On an
// idle machine it stays under a millisecond; on a saturated one it shows the
// stalls that delay the client's timers as much as ours. Upper bounds on time
// allow it (Evidence.Lag), so a busy CPU cannot turn a correct client into a
// FAIL.
type lagMonitor struct {
	worst atomic.Int64
	done  chan struct{}
	once  sync.Once
}

func startLagMonitor() *lagMonitor {
	m := &lagMonitor{done: make(chan struct{})}
	go func() {
		t := time.NewTimer(lagTick)
		defer t.Stop()
		for {
			start := time.Now()
			t.Reset(lagTick)
			select {
			case <-m.done:
				return
			case <-t.C:
			}
			if over := int64(time.Since(start) - lagTick); over > m.worst.Load() {
				m.worst.Store(over)
			}
		}
	}()
	return m
}

// max is the longest overshoot seen so far; zero for a nil monitor.
func (m *lagMonitor) max() time.Duration {
	if m == nil {
		return 0
	}
	return time.Duration(m.worst.Load())
}

func (m *lagMonitor) stop() {
	if m != nil {
		m.once.Do(func() { close(m.done) })
	}
}
