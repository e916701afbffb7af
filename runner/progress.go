package runner

import (
	"fmt"
	"io"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/reports"
)

// registerProgress adds a ReportAfterEach that emits one line per finished
// case: class, ID and duration. It runs on whichever process ran the case, so
// in a parallel run emit forwards the line to the parent (see control.go).
func registerProgress(emit func(line string), expected map[string]string, verbose bool) {
	ReportAfterEach(func(sr SpecReport) {
		if line, ok := progressLine(sr, expected); ok {
			// A trailing space leaves room for Ginkgo's "•"; anything else
			// Ginkgo prints after a case must start on a line of its own.
			if verbose || !sr.State.Is(types.SpecStatePassed) {
				line += "\n"
			} else {
				line += " "
			}
			emit(line)
		}
	})
}

// consoleProgress prints progress lines among Ginkgo's own console output.
// Ginkgo follows each passed spec with a "•" (no newline) and a failed one
// with a block; so each of our lines starts a new line, and a passed case's
// line leaves Ginkgo's mark at its end, where it reads as a tick:
//
//	PASS        knox/4002250/resign (12ms) •
//	FAIL        knox/429/backoff (1.2s)
//	------------------------------
//	• [FAILED] ...
func consoleProgress(w io.Writer) func(string) {
	lw := &lockedWriter{w: w}
	return func(line string) { io.WriteString(lw, "\n"+line) }
}

// progressLine renders one finished spec; ok is false for specs that were
// filtered out (they did not run, so they are not news). The class comes from
// the suite's own rules (suiteClassify), the ones summary.json is written
// with, so the console and the summary agree.
func progressLine(sr types.SpecReport, expected map[string]string) (string, bool) {
	if sr.LeafNodeType != types.NodeTypeIt {
		return "", false
	}
	cr, has := suiteDecodeCase(sr)
	if !has && sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) && sr.Failure.Message == "" {
		return "", false
	}
	id := cr.ID
	if id == "" {
		id = sr.LeafNodeText
	}
	suiteClassify(&cr, sr, expected)
	d := sr.RunTime
	if cr.DurationMs > 0 {
		d = time.Duration(cr.DurationMs * float64(time.Millisecond))
	}
	line := fmt.Sprintf("%-11s %s (%s)", cr.Class, id, roundDuration(d))
	if cr.Reason != "" && (cr.Class == reports.Unsupported || cr.Class == reports.Error) {
		line += ": " + oneLine(cr.Reason)
	}
	return line, true
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// lockedWriter serialises whole writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
