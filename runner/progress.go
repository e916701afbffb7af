package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
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
// filtered out (they did not run, so they are not news).
func progressLine(sr types.SpecReport, expected map[string]string) (string, bool) {
	if sr.LeafNodeType != types.NodeTypeIt {
		return "", false
	}
	cr, has := caseEntry(sr)
	if !has && sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) && sr.Failure.Message == "" {
		return "", false
	}
	id := cr.ID
	if id == "" {
		id = sr.LeafNodeText
	}
	class := string(provisionalClass(sr, cr, has, expected))
	d := sr.RunTime
	if cr.DurationMs > 0 {
		d = time.Duration(cr.DurationMs * float64(time.Millisecond))
	}
	line := fmt.Sprintf("%-11s %s (%s)", class, id, roundDuration(d))
	if cr.Reason != "" && (class == string(reports.Unsupported) || class == string(reports.Error)) {
		line += ": " + oneLine(cr.Reason)
	}
	return line, true
}

// caseEntry decodes the case result the suite attaches to each spec.
func caseEntry(sr types.SpecReport) (reports.CaseResult, bool) {
	var cr reports.CaseResult
	for _, e := range sr.ReportEntries {
		if e.Name != reports.EntryName {
			continue
		}
		if raw := e.GetRawValue(); raw != nil {
			if c, ok := raw.(reports.CaseResult); ok {
				return c, true
			}
			if c, ok := raw.(*reports.CaseResult); ok && c != nil {
				return *c, true
			}
		}
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &cr); err == nil {
			return cr, true
		}
	}
	return cr, false
}

// provisionalClass is the class shown while the run is in progress. The
// suite classifies authoritatively in summary.json; this mirrors its rules
// for the console when the entry does not carry a class yet.
func provisionalClass(sr types.SpecReport, cr reports.CaseResult, has bool, expected map[string]string) reports.Class {
	if cr.Class != "" {
		return cr.Class
	}
	switch {
	case sr.State.Is(types.SpecStateInterrupted | types.SpecStateAborted | types.SpecStateTimedout | types.SpecStatePanicked):
		return reports.Error
	case sr.State.Is(types.SpecStateSkipped):
		return reports.Unsupported
	}
	mustFailed, shouldFailed := false, false
	for _, ch := range cr.Checks {
		if ch.Passed {
			continue
		}
		switch strings.ToUpper(ch.Level) {
		case "MUST":
			mustFailed = true
		case "SHOULD":
			shouldFailed = true
		}
	}
	if !has && sr.State.Is(types.SpecStateFailed) {
		return reports.Error
	}
	var class reports.Class
	switch {
	case mustFailed || sr.State.Is(types.SpecStateFailed):
		class = reports.Fail
	case shouldFailed:
		class = reports.NonStrict
	default:
		return reports.Pass
	}
	if _, ok := expected[cr.ID]; ok {
		return reports.ExpectedFail
	}
	return class
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
