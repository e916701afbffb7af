package runner

import (
	"bytes"
	"io"
	"os"
	"sync"

	"github.com/onsi/ginkgo/v2/formatter"
)

// knoxconform's console is its own: one line per finished case (progress.go)
// and the summary (run.go). Ginkgo's console reporter would add a second
// account of the same run — progress dots, banners, its own counts, run times
// and a failure block per failed spec with the suite's source paths — so it is
// silenced here, in both the serial run and the parent of a parallel run.
// Nothing of value is lost: every fact Ginkgo prints is in the reports, and
// what the orchestrator prints about a run that went wrong (workers that died
// without reporting) is kept and shown when the run ends without a summary.

// silenceGinkgoReporter points Ginkgo's default console reporter, created
// inside RunSpecs (serial) and in the orchestrator (parallel), away from the
// console and into a bounded buffer: what it says is shown only when a run
// ends without a summary, where it may explain why. restore puts it back.
func silenceGinkgoReporter() (kept *tailBuffer, restore func()) {
	old := formatter.ColorableStdOut
	kept = &tailBuffer{max: maxCaptured}
	formatter.ColorableStdOut = kept
	return kept, func() { formatter.ColorableStdOut = old }
}

// maxCaptured bounds what is kept of the orchestrator's own stdout.
const maxCaptured = 64 << 10

// captureStdout redirects os.Stdout (where Ginkgo's orchestrator prints
// "Ginkgo ran 1 suite in …" and "Test Suite Passed" with fmt.Printf) into a
// bounded buffer until stop is called; stop returns what was captured. The
// console writer the runner was given keeps the original *os.File, so
// knoxconform's own lines are unaffected. If no pipe can be made, nothing is
// redirected (the run still works, with Ginkgo's lines in it).
func captureStdout() (stop func() []byte) {
	r, w, err := os.Pipe()
	if err != nil {
		return func() []byte { return nil }
	}
	orig := os.Stdout
	os.Stdout = w
	tail := &tailBuffer{max: maxCaptured}
	done := make(chan struct{})
	go func() {
		io.Copy(tail, r)
		r.Close()
		close(done)
	}()
	return func() []byte {
		os.Stdout = orig
		w.Close()
		<-done
		return tail.bytes()
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf)
}
