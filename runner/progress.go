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
// case: class, ID and duration (with --verbose, the case's attempt timeline
// under it). It runs on whichever process ran the case, so in a parallel run
// emit forwards the line to the parent (see control.go). Every emitted text
// ends with a newline: Ginkgo's console reporter is silenced (console.go), so
// nothing else shares the line.
func registerProgress(emit func(line string), expected map[string]string, verbose bool) {
	ReportAfterEach(func(sr SpecReport) {
		if line, ok := progressLine(sr, expected); ok {
			line += "\n"
			if verbose {
				if cr, has := suiteDecodeCase(sr); has && len(cr.Timeline) > 0 {
					line += reports.TimelineText(cr.Timeline)
				}
			}
			emit(line)
		}
	})
}

// consoleProgress prints progress lines to w, whole lines at a time even when
// several goroutines (the control socket's readers) call it at once:
//
//	PASS        knox/4002250/resign (12ms)
//	FAIL        knox/429/backoff (1.2s)
func consoleProgress(w io.Writer) func(string) {
	lw := &lockedWriter{w: w}
	return func(line string) { io.WriteString(lw, line) }
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
