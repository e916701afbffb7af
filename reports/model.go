// Package reports turns one conformance run into the artifacts CI and people read:
// junit.xml, report.json (Ginkgo's own), summary.json (our stable machine format),
// report.html (self-contained, with attempt timelines) and summary.md.
//
// The model here is the contract between the conformance suite, which fills it,
// and the writers. It must never carry a secret: client secrets, private keys, raw
// access tokens and raw signed JWTs are represented by fingerprints only.
package reports

import "strings"

// SchemaVersion is the version of summary.json's format; bump it on any
// incompatible change and keep docs/summary.schema.json in step.
const SchemaVersion = 1

// Class is the verdict on one case.
type Class string

const (
	Pass        Class = "PASS"
	NonStrict   Class = "NON-STRICT"  // only SHOULD checks failed
	Fail        Class = "FAIL"        // a MUST check failed
	Unsupported Class = "UNSUPPORTED" // the adapter skipped it, or lacks a feature
	Error       Class = "ERROR"       // harness problem: adapter crashed, hung or spoke garbage
	// ExpectedFail is a FAIL (or NON-STRICT) listed in --expected-failures.
	ExpectedFail Class = "XFAIL"
)

// Classes lists the classes in report order.
func Classes() []Class {
	return []Class{Pass, NonStrict, Fail, ExpectedFail, Unsupported, Error}
}

// Verdicts of a whole run.
const (
	VerdictConformant    = "CONFORMANT"
	VerdictNotConformant = "NOT CONFORMANT"
	VerdictError         = "ERROR"
	VerdictNoCases       = "NO CASES RAN"
)

// EntryName is the name of the Ginkgo report entry each case attaches, holding a
// CaseResult as JSON (Class left empty: the suite classifies after the spec ends).
const EntryName = "knoxconform.case"

// Case describes one conformance case, independent of any run.
type Case struct {
	// ID is stable and hierarchical: area/code/topic, e.g. "auth/4002250/resign".
	ID    string `json:"id"`
	Title string `json:"title"`
	Level string `json:"level"` // MUST, SHOULD or INFO: the strongest level among its checks
	Area  string `json:"area"`
	// Codes are the catalogue codes the case exercises.
	Codes []string `json:"codes,omitempty"`
	// Schemes and Services are the authentication schemes and Knox services the
	// case uses (knox-cloud-auth, samsung-account, oauth2; kme, kc, kg).
	Schemes     []string `json:"schemes,omitempty"`
	Services    []string `json:"services,omitempty"`
	Requirement string   `json:"requirement"`
	Source      string   `json:"source"`
}

// Check is one judged requirement of a case.
type Check struct {
	Name     string `json:"name"`
	Level    string `json:"level"` // MUST, SHOULD or INFO
	Passed   bool   `json:"passed"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

// Attempt is one request the simulated server saw, as evidence.
type Attempt struct {
	Seq int `json:"seq"`
	// OffsetMs is the arrival time in ms from the case's start (server clock).
	OffsetMs float64 `json:"offsetMs"`
	// GapMs is the time since the previous request on the same route, -1 for the first.
	GapMs      float64 `json:"gapMs"`
	Method     string  `json:"method"`
	Route      string  `json:"route"`
	Status     int     `json:"status"`
	Code       string  `json:"code,omitempty"`
	Injected   bool    `json:"injected"`
	Fault      string  `json:"fault,omitempty"`
	RetryAfter string  `json:"retryAfter,omitempty"`
	JTI        string  `json:"jti,omitempty"`
	// JWTFingerprint identifies the exact JWT bytes; TokenFingerprint the access token it carries.
	JWTFingerprint   string `json:"jwtFingerprint,omitempty"`
	TokenFingerprint string `json:"tokenFingerprint,omitempty"`
	ConnID           int    `json:"connId"`
	// Note marks what the request was: "re-sign" (new jti after a rejection), "refresh"
	// (a new access token), "same-jwt" (identical bytes resent), "same-jti".
	Note string `json:"note,omitempty"`
}

// Outcome is what the client reported to its caller.
type Outcome struct {
	OK         bool   `json:"ok"`
	Kind       string `json:"kind,omitempty"`
	HTTPStatus int    `json:"httpStatus,omitempty"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
}

// CaseResult is one case's result in one run.
type CaseResult struct {
	Case
	Class      Class     `json:"class"`
	DurationMs float64   `json:"durationMs"`
	Checks     []Check   `json:"checks"`
	Timeline   []Attempt `json:"timeline"`
	Outcome    *Outcome  `json:"outcome,omitempty"`
	// Reason explains UNSUPPORTED and ERROR.
	Reason string `json:"reason,omitempty"`
	// Stderr is the tail of the adapter's log, kept for ERROR and FAIL.
	Stderr string `json:"stderr,omitempty"`
	// Rerun is the exact command that runs this case alone.
	Rerun string `json:"rerun"`
	// Notes say how the verdict was reached when that was not one run: a
	// timing-sensitive failure confirmed, or found to be noise, by reruns.
	Notes []string `json:"notes,omitempty"`
	// ExpectedFailure is the reason given in --expected-failures, when listed.
	ExpectedFailure string `json:"expectedFailure,omitempty"`
	// UnexpectedPass is set when a listed expected failure passed: shrink the list.
	UnexpectedPass bool `json:"unexpectedPass,omitempty"`
}

// FailedChecks says in one line why the case did not pass: its failed checks
// (with what was seen), its reason and its notes (the confirming reruns among
// them). The self-tests print it when a verdict is not the one they expect.
func (c CaseResult) FailedChecks() string {
	var parts []string
	for _, ch := range c.Checks {
		if !ch.Passed {
			parts = append(parts, "["+ch.Level+"] "+ch.Name+": expected "+ch.Expected+"; actual "+ch.Actual)
		}
	}
	if c.Reason != "" {
		parts = append(parts, c.Reason)
	}
	return strings.Join(append(parts, c.Notes...), " | ")
}

// NotExercised begins the Reason of an UNSUPPORTED case whose precondition
// did not happen (the client never made the request the case is about): the
// rule was not judged, neither a pass nor a failure.
const NotExercised = "not exercised: "

// Software names a program and its version.
type Software struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Run is the metadata of one run.
type Run struct {
	Knoxconform string   `json:"knoxconform"` // knoxconform's version
	Adapter     Software `json:"adapter"`
	Client      Software `json:"client"`
	Target      string   `json:"target"` // the --target command or --target-addr
	Seed        int64    `json:"seed"`
	Start       string   `json:"start"` // RFC 3339
	DurationMs  float64  `json:"durationMs"`
	Strict      bool     `json:"strict"`
	Procs       int      `json:"procs"`
	// Parallel is how many cases ran at once in one process (--parallel);
	// absent when they ran one at a time in each of Procs processes.
	Parallel int      `json:"parallel,omitempty"`
	Args     []string `json:"args"` // the command line, secrets never included
	// Interrupted is set when the run was stopped by a signal before every case ran.
	Interrupted bool `json:"interrupted,omitempty"`
	// HarnessError describes a failure that stopped the run (adapter would not start, …).
	HarnessError string `json:"harnessError,omitempty"`
	// AuthSchemes and Services are what the adapter's hello declares (its
	// defaults when it is silent); empty when no hello was heard.
	AuthSchemes []string `json:"authSchemes,omitempty"`
	Services    []string `json:"services,omitempty"`
	// Command is how the command ended, in a run of `knoxconform observe`.
	Command *CommandRun `json:"command,omitempty"`
}

// CommandRun is the command `knoxconform observe` ran and judged: its own
// exit status is recorded and shown, never judged (a correct client may well
// make its own tests fail when it surfaces the injected faults).
type CommandRun struct {
	Line       string  `json:"line"`
	ExitStatus int     `json:"exitStatus"` // -1 when it did not start or was killed by a signal
	DurationMs float64 `json:"durationMs"`
	// Note says why it ended when it did not end by itself (timeout, interrupt).
	Note string `json:"note,omitempty"`
	// OutputTail is the end of its output (stdout and stderr), redacted.
	OutputTail string `json:"outputTail,omitempty"`
}

// Summary is summary.json.
type Summary struct {
	SchemaVersion int           `json:"schemaVersion"`
	Run           Run           `json:"run"`
	Verdict       string        `json:"verdict"`
	Counts        map[Class]int `json:"counts"`
	Cases         []CaseResult  `json:"cases"`
}
