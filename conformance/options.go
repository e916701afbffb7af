package conformance

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// Options configure one run of the suite. Every parallel worker must be handed
// the same Options so that it builds the same tree.
type Options struct {
	// Target is the adapter command line (--target).
	Target string
	// TargetAddr is host:port of an adapter already listening (--target-addr).
	TargetAddr string
	// InProcess drives a Go adapter inside this process instead of Target/TargetAddr.
	InProcess target.Adapter
	// Strict makes failed SHOULD checks fail their spec.
	Strict bool
	// Trace receives every adapter message (and the suite's notes) when set.
	Trace io.Writer
	// ReportDir is the absolute directory ReportAfterSuite writes the artifacts to;
	// "" writes none.
	ReportDir string
	// ExpectedFailures maps case ID to the reason it is known to fail.
	ExpectedFailures map[string]string
	// RequestTimeout bounds each adapter request. The suite raises it to the
	// longest operation timeout it advises plus a margin (about 15 s), so zero
	// means that; negative means no limit (debugging an adapter).
	RequestTimeout time.Duration
	// Run is the run metadata from the CLI; the suite fills Adapter and Client
	// from the adapter's hello.
	Run reports.Run
	// RerunCommand returns the command line that runs one case alone (the Rerun
	// field of each result); nil leaves Rerun empty.
	RerunCommand func(caseID string) string
	// Pool is how many cases this process runs at once, each with its own
	// adapter session; 0 or 1 runs them one at a time, each in its spec.
	Pool int
	// PoolCases are the IDs of the cases the run selects; the pool starts
	// them all, longest first, and each spec reports its case's result.
	PoolCases []string
	// Session is an adapter session the caller already started with
	// TargetOptions and greeted (the runner's probe of the target): the
	// process's first session is this one instead of a second start of the
	// adapter. Only the process that runs the cases is handed one (a worker
	// of --procs starts its own). The caller closes it after the run too:
	// closing a session twice is harmless.
	Session *Session
}

// Session is an adapter session that answered hello.
type Session struct {
	Target target.Target
	Hello  target.HelloResult
}

// TargetOptions are the options the suite starts (or connects to) the
// adapter with, so that a session started before the suite is one it could
// have started itself.
func TargetOptions(o Options) target.Options {
	return target.Options{RequestTimeout: requestTimeout(o.RequestTimeout), Trace: o.Trace}
}

// SuiteText is the text of the one Ginkgo container; every spec's full text is
// SuiteText + " " + case ID.
const SuiteText = "knoxconform"

// FocusForGlob turns a --cases value into a Ginkgo focus regexp matching case
// IDs. The value is one or more globs separated by commas; "*" matches any run
// of characters (slashes included, so "ratelimit/*" selects the whole area) and
// "?" one character. It is an error when a glob selects no case.
func FocusForGlob(glob string) (string, error) {
	var alts []string
	for _, g := range strings.Split(glob, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if !GlobMatchesCase(g) {
			return "", fmt.Errorf("--cases %q: the pattern %q matches no case ID; run `knoxconform list` to see the IDs (\"*\" matches any characters, e.g. \"ratelimit/*\")", glob, g)
		}
		alts = append(alts, globRegexp(g))
	}
	if len(alts) == 0 {
		return "", fmt.Errorf("--cases %q: no pattern given; pass a case ID or a glob such as \"knox/*\"", glob)
	}
	// Ginkgo matches focus against the suite description, a space, the
	// container text (SuiteText), a space, then the entry description (the case
	// ID). IDs hold no spaces, so "[^ ]" keeps a glob inside the ID.
	return "(?:^| )" + regexp.QuoteMeta(SuiteText) + " (?:" + strings.Join(alts, "|") + ")$", nil
}

// GlobMatchesCase reports whether one --cases glob (no commas) matches the ID
// of any case.
func GlobMatchesCase(g string) bool { return CountCases([]string{g}) > 0 }

// CountCases is how many case IDs at least one of the --cases globs (no
// commas) matches.
func CountCases(globs []string) int {
	if len(globs) == 0 {
		return 0
	}
	var alts []string
	for _, g := range globs {
		alts = append(alts, globRegexp(g))
	}
	re := regexp.MustCompile("^(?:" + strings.Join(alts, "|") + ")$")
	n := 0
	for _, d := range catalogue() {
		if re.MatchString(d.ID) {
			n++
		}
	}
	return n
}

// globRegexp is one glob as an unanchored regexp over a case ID: "*" matches
// any run of characters, slashes included, and "?" one character; neither
// matches a space, so inside Ginkgo's full spec text a glob stays within the
// ID.
func globRegexp(g string) string {
	var b strings.Builder
	for _, r := range g {
		switch r {
		case '*':
			b.WriteString("[^ ]*")
		case '?':
			b.WriteString("[^ ]")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}
