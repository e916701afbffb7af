package target

import "sync"

// ring keeps the last size bytes written to it: the adapter's log is evidence
// for a report, and an adapter that logs without end must not eat the suite's
// memory.
type ring struct {
	mu        sync.Mutex
	buf       []byte
	size      int
	truncated bool
}

func newRing(size int) *ring { return &ring{size: size} }

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	if len(p) >= r.size {
		r.buf = append(r.buf[:0], p[len(p)-r.size:]...)
		r.truncated = true
		return n, nil
	}
	if over := len(r.buf) + len(p) - r.size; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
		r.truncated = true
	}
	r.buf = append(r.buf, p...)
	return n, nil
}

// String returns the tail, marked when earlier output was dropped.
func (r *ring) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.truncated {
		return "[… earlier output dropped …]\n" + string(r.buf)
	}
	return string(r.buf)
}
