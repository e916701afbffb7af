package conformance

import (
	"fmt"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
)

// timeline maps the journal to report attempts, marking what each request was
// relative to the ones before it.
func timeline(journal []knoxtest.Exchange) []reports.Attempt {
	out := make([]reports.Attempt, 0, len(journal))
	lastOnRoute := map[knoxtest.Route]knoxtest.Exchange{}
	seenJWT := map[string]bool{}
	seenJTI := map[string]bool{}
	lastToken := map[knoxtest.Route]string{}
	for _, x := range journal {
		a := reports.Attempt{Seq: x.Seq, OffsetMs: msf(x.At), GapMs: -1, Method: x.Method, Route: string(x.Route),
			Status: x.Status, Code: string(x.Code), Injected: x.Injected, Fault: string(x.Fault), RetryAfter: x.RetryAfter,
			ConnID: x.ConnID}
		prev, hadPrev := lastOnRoute[x.Route]
		if hadPrev {
			a.GapMs = msf(x.At - prev.At)
		}
		if j := x.JWT; j != nil {
			a.JTI, a.JWTFingerprint, a.TokenFingerprint = j.JTI, j.Fingerprint, j.TokenFingerprint
			switch {
			case seenJWT[j.Fingerprint]:
				a.Note = "same-jwt"
			case j.JTI != "" && seenJTI[j.JTI]:
				a.Note = "same-jti"
			case x.Route == knoxtest.RouteAccessToken && hadPrev && prev.Status >= 400:
				a.Note = "re-sign"
			case j.TokenFingerprint != "" && lastToken[x.Route] != "" && j.TokenFingerprint != lastToken[x.Route]:
				a.Note = "refresh"
			}
			seenJWT[j.Fingerprint] = true
			if j.JTI != "" {
				seenJTI[j.JTI] = true
			}
			if j.TokenFingerprint != "" {
				lastToken[x.Route] = j.TokenFingerprint
			}
		}
		lastOnRoute[x.Route] = x
		out = append(out, a)
	}
	return out
}

// msf is d in milliseconds, to the microsecond, as the report fields carry it.
func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// attemptLine renders one attempt for the console and the trace.
func attemptLine(a reports.Attempt) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d +%.0fms %s → ", a.Seq, a.OffsetMs, a.Route)
	switch {
	case a.Fault == string(knoxtest.FaultReset):
		b.WriteString("reset")
	case a.Fault == string(knoxtest.FaultHang):
		b.WriteString("hang")
	default:
		fmt.Fprintf(&b, "%d", a.Status)
		if a.Code != "" && a.Code != fmt.Sprint(a.Status) {
			b.WriteString(" " + a.Code)
		}
	}
	if a.GapMs >= 0 {
		fmt.Fprintf(&b, " (gap %.0fms)", a.GapMs)
	}
	if a.RetryAfter != "" {
		fmt.Fprintf(&b, " Retry-After: %s", a.RetryAfter)
	}
	if a.Injected {
		b.WriteString(" [scripted]")
	}
	if a.JTI != "" {
		fmt.Fprintf(&b, " jti=%s", short(a.JTI))
	}
	if a.Note != "" {
		fmt.Fprintf(&b, " [%s]", a.Note)
	}
	return b.String()
}

// caseEvidence is the report entry value: JSON is the CaseResult itself; the
// console shows the requirement, checks and the attempt timeline.
type caseEvidence struct {
	reports.CaseResult
}

func (e caseEvidence) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s\n  requirement: %s\n  source: %s\n", e.ID, e.Level, e.Title, e.Requirement, e.Source)
	if e.Reason != "" {
		fmt.Fprintf(&b, "  reason: %s\n", e.Reason)
	}
	for _, c := range e.Checks {
		mark := "ok  "
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "  %s [%s] %s\n", mark, c.Level, c.Name)
		if !c.Passed {
			fmt.Fprintf(&b, "       Expected: %s\n       Actual: %s\n", c.Expected, c.Actual)
		}
	}
	if e.Outcome != nil {
		fmt.Fprintf(&b, "  outcome: ok=%v kind=%s status=%d code=%s\n", e.Outcome.OK, e.Outcome.Kind, e.Outcome.HTTPStatus, e.Outcome.Code)
	}
	if len(e.Timeline) > 0 {
		b.WriteString("  timeline:\n")
		for _, a := range e.Timeline {
			b.WriteString("    " + attemptLine(a) + "\n")
		}
	}
	return b.String()
}
