package reports

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The JUnit XML shape consumed by common CI systems (the Jenkins/Surefire
// fields): testsuites > testsuite > testcase > failure|error|skipped.
type junitSuites struct {
	XMLName    xml.Name        `xml:"testsuites"`
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties *junitPropList  `xml:"properties,omitempty"`
	Suites     []junitTestSuit `xml:"testsuite"`
}

type junitTestSuit struct {
	Name       string         `xml:"name,attr"`
	Tests      int            `xml:"tests,attr"`
	Failures   int            `xml:"failures,attr"`
	Errors     int            `xml:"errors,attr"`
	Skipped    int            `xml:"skipped,attr"`
	Time       string         `xml:"time,attr"`
	Timestamp  string         `xml:"timestamp,attr,omitempty"`
	Properties *junitPropList `xml:"properties,omitempty"`
	Cases      []junitCase    `xml:"testcase"`
	SystemErr  string         `xml:"system-err,omitempty"`
}

type junitPropList struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string         `xml:"name,attr"`
	Classname  string         `xml:"classname,attr"`
	Time       string         `xml:"time,attr"`
	Properties *junitPropList `xml:"properties,omitempty"`
	Failure    *junitResult   `xml:"failure,omitempty"`
	Error      *junitResult   `xml:"error,omitempty"`
	Skipped    *junitResult   `xml:"skipped,omitempty"`
	SystemOut  string         `xml:"system-out,omitempty"`
	SystemErr  string         `xml:"system-err,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(ms float64) string {
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatFloat(ms/1000, 'f', 3, 64)
}

// JUnit renders junit.xml: one testsuite per area, one testcase per case ID
// (name = ID, classname = area). FAIL (and NON-STRICT under --strict) is a
// failure carrying Expected/Actual and the attempt timeline; UNSUPPORTED and
// XFAIL are skipped with their reason; ERROR is an error.
//
// NON-STRICT without --strict is a <skipped type="NON-STRICT"> whose message
// names the failed SHOULD check, with the full account in <system-out>. JUnit
// has no outcome between pass and fail, and CI renderers (GitHub and GitLab
// test reports, Jenkins, Azure DevOps) show only pass, fail, error and skipped,
// with the skipped message beside the name; properties they do not show at
// all. A passing testcase would hide that the client broke a SHOULD, and a
// failure would fail a build the verdict passes (exit 0). Skipped is how the
// same renderers already show XFAIL (and how pytest reports xfail); the
// "non-strict" property and the run's "non-strict.cases" count keep it
// machine-readable.
func JUnit(s *Summary) ([]byte, error) {
	out := junitSuites{
		Name:      "knoxconform",
		Time:      seconds(s.Run.DurationMs),
		Timestamp: s.Run.Start,
	}
	out.Properties = &junitPropList{Props: runProps(s)}
	byArea := map[string]*junitTestSuit{}
	var areas []string
	for _, c := range s.Cases {
		area := c.Area
		if area == "" {
			area = "(no area)"
		}
		ts := byArea[area]
		if ts == nil {
			ts = &junitTestSuit{Name: area, Timestamp: s.Run.Start}
			byArea[area] = ts
			areas = append(areas, area)
		}
		jc, kind := junitCaseOf(c, area, s.Run.Strict)
		ts.Tests++
		switch kind {
		case "failure":
			ts.Failures++
		case "error":
			ts.Errors++
		case "skipped":
			ts.Skipped++
		}
		ms, _ := strconv.ParseFloat(ts.Time, 64)
		ts.Time = seconds(ms*1000 + c.DurationMs)
		ts.Cases = append(ts.Cases, jc)
	}
	sort.Strings(areas)
	if s.Run.HarnessError != "" || s.Run.Interrupted {
		// A run that died still tells CI why, as an errored pseudo-case of its own suite.
		msg := s.Run.HarnessError
		if msg == "" {
			msg = "the run was interrupted before every case ran"
		}
		out.Suites = append(out.Suites, junitTestSuit{
			Name: "knoxconform", Tests: 1, Errors: 1, Time: "0.000", Timestamp: s.Run.Start,
			Cases: []junitCase{{Name: "run", Classname: "knoxconform", Time: "0.000",
				Error: &junitResult{Message: oneLine(msg), Type: "HarnessError", Text: msg}}},
		})
	}
	for _, a := range areas {
		out.Suites = append(out.Suites, *byArea[a])
	}
	for _, ts := range out.Suites {
		out.Tests += ts.Tests
		out.Failures += ts.Failures
		out.Errors += ts.Errors
		out.Skipped += ts.Skipped
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func runProps(s *Summary) []junitProp {
	r := s.Run
	props := []junitProp{
		{"verdict", s.Verdict},
		{"knoxconform.version", r.Knoxconform},
		{"adapter", strings.TrimSpace(r.Adapter.Name + " " + r.Adapter.Version)},
		{"client", strings.TrimSpace(r.Client.Name + " " + r.Client.Version)},
		{"target", r.Target},
		{"seed", strconv.FormatInt(r.Seed, 10)},
		{"strict", strconv.FormatBool(r.Strict)},
		{"args", strings.Join(r.Args, " ")},
	}
	if r.Interrupted {
		props = append(props, junitProp{"interrupted", "true"})
	}
	// Counted apart from skipped, which also holds UNSUPPORTED and XFAIL.
	props = append(props, junitProp{"non-strict.cases", strconv.Itoa(s.Counts[NonStrict])})
	return props
}

// junitCaseOf renders one case and says which JUnit outcome it got.
func junitCaseOf(c CaseResult, area string, strict bool) (junitCase, string) {
	jc := junitCase{Name: c.ID, Classname: area, Time: seconds(c.DurationMs)}
	props := []junitProp{
		{"knoxconform.class", string(c.Class)},
		{"level", c.Level},
	}
	if len(c.Codes) > 0 {
		props = append(props, junitProp{"codes", strings.Join(c.Codes, ",")})
	}
	if c.Class == NonStrict {
		props = append(props, junitProp{"non-strict", "only SHOULD checks failed; a failure under --strict"})
	}
	if c.UnexpectedPass {
		props = append(props, junitProp{"unexpected-pass", "listed in --expected-failures but passed: remove it from the list"})
	}
	if c.Rerun != "" {
		props = append(props, junitProp{"rerun", c.Rerun})
	}
	jc.Properties = &junitPropList{Props: props}
	jc.SystemErr = c.Stderr
	kind := ""
	switch {
	case c.Class == Fail || (c.Class == NonStrict && strict):
		kind = "failure"
		jc.Failure = &junitResult{Message: failMessage(c), Type: string(c.Class), Text: FailureText(c)}
	case c.Class == Error:
		kind = "error"
		msg := c.Reason
		if msg == "" {
			msg = "harness error"
		}
		jc.Error = &junitResult{Message: oneLine(msg), Type: "ERROR", Text: FailureText(c)}
	case c.Class == Unsupported:
		kind = "skipped"
		jc.Skipped = &junitResult{Message: "UNSUPPORTED: " + oneLine(orDefault(c.Reason, "the adapter does not support this case"))}
	case c.Class == ExpectedFail:
		kind = "skipped"
		jc.Skipped = &junitResult{Message: "XFAIL: " + oneLine(orDefault(c.ExpectedFailure, "listed in --expected-failures"))}
		jc.SystemOut = FailureText(c)
	case c.Class == NonStrict:
		kind = "skipped"
		jc.Skipped = &junitResult{Message: "NON-STRICT: " + failMessage(c) + " (a SHOULD; a failure under --strict)", Type: "NON-STRICT"}
		jc.SystemOut = FailureText(c)
	}
	return jc, kind
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// failMessage is the first failed check in one line.
func failMessage(c CaseResult) string {
	for _, ch := range failedChecks(c) {
		return oneLine(fmt.Sprintf("%s %s: expected %s, got %s", ch.Level, ch.Name, ch.Expected, ch.Actual))
	}
	return oneLine(orDefault(c.Reason, string(c.Class)))
}

// failedChecks lists the failed checks, MUST first.
func failedChecks(c CaseResult) []Check {
	var must, other []Check
	for _, ch := range c.Checks {
		if ch.Passed {
			continue
		}
		if ch.Level == "MUST" {
			must = append(must, ch)
		} else {
			other = append(other, ch)
		}
	}
	return append(must, other...)
}

// FailureText is the plain-text account of a case a person reads in a CI test
// tab: the requirement, Expected/Actual per failed check, the outcome and the
// attempt timeline.
func FailureText(c CaseResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  [%s] %s\n", c.ID, c.Class, c.Title)
	if c.Requirement != "" {
		fmt.Fprintf(&b, "Requirement (%s): %s\n", c.Level, c.Requirement)
	}
	if c.Source != "" {
		fmt.Fprintf(&b, "Source: %s\n", c.Source)
	}
	if c.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n", c.Reason)
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "Rerun: %s\n", n)
	}
	for _, ch := range failedChecks(c) {
		fmt.Fprintf(&b, "\n%s check failed: %s\n  Expected: %s\n  Actual:   %s\n", ch.Level, ch.Name, ch.Expected, ch.Actual)
	}
	if o := c.Outcome; o != nil {
		if o.OK {
			b.WriteString("\nOutcome: the client reported success\n")
			if note := OutcomeNote(c); note != "" {
				b.WriteString("  (" + note + ")\n")
			}
		} else {
			fmt.Fprintf(&b, "\nOutcome: error kind=%s http=%d code=%s message=%q\n", o.Kind, o.HTTPStatus, o.Code, o.Message)
		}
	}
	if len(c.Timeline) > 0 {
		b.WriteString("\nAttempt timeline (server clock, ms from case start):\n")
		b.WriteString(TimelineText(c.Timeline))
	}
	if c.Rerun != "" {
		fmt.Fprintf(&b, "\nRerun: %s\n", c.Rerun)
	}
	return b.String()
}

// TimelineText renders attempts as an aligned text table.
func TimelineText(ts []Attempt) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %3s %9s %8s  %-28s %6s %-9s %-8s %-11s %-14s %-20s %4s %s\n",
		"#", "t+ms", "gap", "route", "status", "code", "source", "retry-after", "jti", "token", "conn", "note")
	for _, a := range ts {
		gap := "-"
		if a.GapMs >= 0 {
			gap = strconv.FormatFloat(a.GapMs, 'f', 0, 64)
		}
		src := "natural"
		if a.Injected {
			src = "injected"
		}
		if a.Fault != "" {
			src = "fault:" + a.Fault
		}
		status := strconv.Itoa(a.Status)
		if a.Status == 0 {
			status = "-"
		}
		fmt.Fprintf(&b, "  %3d %9.1f %8s  %-28s %6s %-9s %-8s %-11s %-14s %-20s %4d %s\n",
			a.Seq, a.OffsetMs, gap, routeKey(a), status, dash(a.Code), src,
			dash(a.RetryAfter), dash(a.JTI), dash(a.TokenFingerprint), a.ConnID, a.Note)
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// OutcomeNote explains a reported success that stands beside a failed check,
// which otherwise reads like a contradiction: the outcome is only what the
// client returned to its caller, while most checks judge what it sent to the
// server. It is "" when there is nothing to explain.
func OutcomeNote(c CaseResult) string {
	if c.Outcome == nil || !c.Outcome.OK || len(failedChecks(c)) == 0 {
		return ""
	}
	return "only what the client returned to its caller; the checks also judge what it sent to the server " +
		"(retries, gaps, JWTs, tokens), so a call that looked successful can still break a rule"
}
