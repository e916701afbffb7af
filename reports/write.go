package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// The artifact file names, fixed so CI configuration can rely on them.
const (
	JUnitFile       = "junit.xml"
	GinkgoJSONFile  = "report.json"
	SummaryJSONFile = "summary.json"
	HTMLFile        = "report.html"
	MarkdownFile    = "summary.md"
)

// Options tunes WriteAllWith.
type Options struct {
	// Secrets are values that must never reach an artifact (the client secret, the
	// private key PEM, issued access tokens, signed JWTs): every occurrence, in any
	// of the encodings the writers use, is replaced by a fingerprint. Redaction by
	// shape (JWTs, bearer credentials, PEM and base64 private keys, opaque tokens;
	// see Redactor) happens regardless.
	Secrets []string
}

// WriteAll writes the five artifacts of one run into dir (created if needed):
// junit.xml, report.json (Ginkgo's JSON report of r), summary.json, report.html and
// summary.md. r may be zero-valued when the run died before Ginkgo produced a
// report: report.json is then skipped and the rest is written. Each file is
// written atomically, so an interrupted run never leaves a half file.
//
// s is finalized (Counts, Verdict) and redacted in place before writing.
func WriteAll(dir string, s *Summary, r types.Report) error {
	return WriteAllWith(dir, s, r, Options{})
}

// WriteAllWith is WriteAll with options. It writes every artifact it can and
// returns all the errors it met, joined.
func WriteAllWith(dir string, s *Summary, r types.Report, opt Options) error {
	if s == nil {
		return errors.New("reports: no summary to write (nil *Summary)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: cannot create the report directory: %w", err)
	}
	red := NewRedactor(opt.Secrets...)
	red.summary(s)
	normalize(s)
	Finalize(s)

	// The artifacts are rendered and written concurrently: this runs once, at
	// the end of a run, when every other process is done and the CPUs are
	// free, and report.html and report.json each take tens of milliseconds.
	// The renderers only read s (normalized above).
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	write := func(name string, render func() ([]byte, error)) {
		wg.Go(func() {
			b, err := render()
			if err == nil {
				err = writeAtomic(filepath.Join(dir, name), red.bytes(b))
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("reports: %s: %w", name, err))
				mu.Unlock()
			}
		})
	}
	write(SummaryJSONFile, func() ([]byte, error) { return marshalSummary(s) })
	write(JUnitFile, func() ([]byte, error) { return JUnit(s) })
	write(MarkdownFile, func() ([]byte, error) { return Markdown(s), nil })
	write(HTMLFile, func() ([]byte, error) { return HTML(s) })
	if !zeroReport(r) {
		write(GinkgoJSONFile, func() ([]byte, error) { return ginkgoJSON(dir, r) })
	}
	wg.Wait()
	// A stable order for the joined message, whichever goroutine failed first.
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// zeroReport reports whether Ginkgo never produced r.
func zeroReport(r types.Report) bool {
	return r.SuiteDescription == "" && r.SuitePath == "" && r.StartTime.IsZero() && len(r.SpecReports) == 0
}

// ginkgoJSON renders r with Ginkgo's own JSON reporter, so report.json is exactly
// the format Ginkgo's tooling reads; it goes through a scratch file because the
// reporter only writes files.
func ginkgoJSON(dir string, r types.Report) ([]byte, error) {
	f, err := os.CreateTemp(dir, ".ginkgo-*.json")
	if err != nil {
		return nil, err
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	if err := reporters.GenerateJSONReport(r, name); err != nil {
		return nil, err
	}
	return os.ReadFile(name)
}

// MarshalSummary renders summary.json: indented, keys in model order. Absent
// lists are written as [] rather than null, as docs/summary.schema.json requires.
func MarshalSummary(s *Summary) ([]byte, error) {
	normalize(s)
	return marshalSummary(s)
}

// marshalSummary is MarshalSummary of a summary already normalized.
func marshalSummary(s *Summary) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeAtomic writes b to path through a temporary file in the same directory
// and a rename, so readers see either the old file or the whole new one.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// normalize replaces nil lists by empty ones so consumers never meet null, and
// non-finite numbers (which JSON cannot carry and SVG cannot draw) by 0.
func normalize(s *Summary) {
	s.Run.DurationMs = finite(s.Run.DurationMs, 0)
	if s.Run.Args == nil {
		s.Run.Args = []string{}
	}
	if s.Cases == nil {
		s.Cases = []CaseResult{}
	}
	if s.Counts == nil {
		s.Counts = map[Class]int{}
	}
	for i := range s.Cases {
		c := &s.Cases[i]
		if c.Checks == nil {
			c.Checks = []Check{}
		}
		if c.Timeline == nil {
			c.Timeline = []Attempt{}
		}
		c.DurationMs = finite(c.DurationMs, 0)
		for j := range c.Timeline {
			a := &c.Timeline[j]
			a.OffsetMs = finite(a.OffsetMs, 0)
			a.GapMs = finite(a.GapMs, -1)
		}
	}
}

func finite(f, instead float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return instead
	}
	return f
}
