package reports

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// The attempt timeline is drawn server-side as inline SVG: the page needs no
// script and no external asset to show it, and it prints.

// maxDrawn bounds the attempts drawn per case: a client in a hot loop can send
// thousands, and the first few hundred already show the fault.
const maxDrawn = 400

const (
	svgWidth    = 980.0
	laneLabelW  = 170.0
	rightMargin = 40.0
	laneH       = 128.0
	topMargin   = 14.0
	axisH       = 34.0
	legendH     = 46.0
)

// tlAttempt is an Attempt with what the drawing derives from the whole timeline.
type tlAttempt struct {
	Attempt
	lane     int
	raMs     float64 // the Retry-After window this response opened, -1 for none
	note     string  // Note, or same-jti/same-jwt found by comparing attempts
	gapMs    float64 // since the previous attempt on the same lane, -1 for the first
	prev     int     // index of the previous attempt on the same lane, -1 for none
	tooEarly bool    // sent before the previous response's Retry-After window ended
}

// timingCheckFailed reports whether a failed check is about waiting, so that the
// gaps it judged are drawn as the offending ones.
func timingCheckFailed(c CaseResult) bool {
	for _, ch := range c.Checks {
		if ch.Passed {
			continue
		}
		t := strings.ToLower(ch.Name + " " + ch.Expected)
		for _, w := range []string{"wait", "gap", "delay", "retry-after", "backoff", "before", "early", "interval", "sleep"} {
			if strings.Contains(t, w) {
				return true
			}
		}
	}
	return false
}

// retryAfterMs reads a Retry-After value as a window in ms; an HTTP-date is taken
// relative to when the response was sent, from the run's start.
func retryAfterMs(v string, runStart string, offsetMs float64) float64 {
	if v == "" {
		return -1
	}
	now := time.Time{}
	if t, err := time.Parse(time.RFC3339Nano, runStart); err == nil {
		now = t.Add(time.Duration(offsetMs * float64(time.Millisecond)))
	}
	d, ok := knoxerr.ParseRetryAfter(v, now)
	if !ok {
		return -1
	}
	ms := float64(d) / float64(time.Millisecond)
	if ms > 1e9 { // absurd values would flatten the drawing; the label still tells
		ms = 1e9
	}
	return ms
}

// analyse derives lanes, windows, repeated credentials and early attempts.
func analyse(c CaseResult, runStart string) (as []tlAttempt, lanes []string) {
	laneOf := map[string]int{}
	lastOnLane := map[int]int{}
	seenJTI := map[string]bool{}
	seenJWT := map[string]bool{}
	for i, a := range c.Timeline {
		key := routeKey(a)
		l, ok := laneOf[key]
		if !ok {
			l = len(lanes)
			laneOf[key] = l
			lanes = append(lanes, key)
		}
		t := tlAttempt{Attempt: a, lane: l, note: a.Note, gapMs: -1, prev: -1}
		t.raMs = retryAfterMs(a.RetryAfter, runStart, a.OffsetMs)
		if t.note == "" && a.JWTFingerprint != "" && seenJWT[a.JWTFingerprint] {
			t.note = "same-jwt"
		} else if t.note == "" && a.JTI != "" && seenJTI[a.JTI] {
			t.note = "same-jti"
		}
		if a.JWTFingerprint != "" {
			seenJWT[a.JWTFingerprint] = true
		}
		if a.JTI != "" {
			seenJTI[a.JTI] = true
		}
		if p, ok := lastOnLane[l]; ok {
			t.prev = p
			t.gapMs = a.OffsetMs - as[p].OffsetMs
			if a.GapMs >= 0 {
				t.gapMs = a.GapMs
			}
			if as[p].raMs >= 0 && t.gapMs < as[p].raMs {
				t.tooEarly = true
			}
		}
		lastOnLane[l] = i
		as = append(as, t)
	}
	return as, lanes
}

// statusColour groups statuses the way a reader thinks of them.
func statusColour(a Attempt) string {
	switch {
	case a.Status == 0 || a.Fault != "":
		return "#57606a" // no HTTP answer: a socket fault
	case a.Status == 429:
		return "#bf8700"
	case a.Status >= 500:
		return "#cf222e"
	case a.Status >= 400:
		return "#d1670a"
	case a.Status >= 200 && a.Status < 400:
		return "#1a7f37"
	}
	return "#57606a"
}

// niceStep picks a round tick interval for an axis of length span.
func niceStep(span float64, ticks int) float64 {
	raw := span / float64(ticks)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

func fmtMs(ms float64) string {
	switch {
	case ms >= 10000:
		return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
	case ms >= 100 || ms == math.Trunc(ms):
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
}

func esc(s string) string { return html.EscapeString(s) }

// TimelineSVG draws one case's attempts on a time axis: a lane per route, a
// marker per attempt labelled with its status and code, the Retry-After window
// each response opened, the gap between consecutive attempts (red when it was
// too short), repeated JWTs or jtis in red, re-signs and token refreshes marked.
// It returns "" for a case without attempts. All text is escaped.
func TimelineSVG(c CaseResult, runStart string) string {
	if len(c.Timeline) == 0 {
		return ""
	}
	as, lanes := analyse(c, runStart)
	omitted := 0
	if len(as) > maxDrawn {
		omitted = len(as) - maxDrawn
		as = as[:maxDrawn]
	}
	timingBad := timingCheckFailed(c)
	anyEarly := false
	for _, a := range as {
		anyEarly = anyEarly || a.tooEarly
	}

	maxX := 0.0
	for _, a := range as {
		if a.OffsetMs < 0 || math.IsNaN(a.OffsetMs) || math.IsInf(a.OffsetMs, 0) {
			continue // bad evidence; drawn at 0 below
		}
		maxX = math.Max(maxX, a.OffsetMs)
		if a.raMs >= 0 {
			maxX = math.Max(maxX, a.OffsetMs+a.raMs)
		}
	}
	if maxX <= 0 {
		maxX = 1
	}
	maxX *= 1.04
	// The plot starts a little right of the lane labels, so a marker at t=0
	// never touches its route's name.
	const plotLeft = laneLabelW + 16
	plotW := svgWidth - plotLeft - rightMargin
	x := func(ms float64) float64 {
		if ms < 0 || math.IsNaN(ms) {
			ms = 0
		}
		return plotLeft + math.Min(ms, maxX)/maxX*plotW
	}
	plotH := float64(len(lanes)) * laneH
	height := topMargin + plotH + axisH + legendH

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" data-case="%s" data-attempts="%d" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="11">`,
		esc(c.ID), len(as), svgWidth, height, esc("Attempt timeline of "+c.ID))
	fmt.Fprintf(&b, `<title>%s</title>`, esc("Attempt timeline of "+c.ID+": requests as the simulated Knox saw them"))

	// Lanes and their labels.
	for i, l := range lanes {
		y0 := topMargin + float64(i)*laneH
		fill := "#f6f8fa"
		if i%2 == 1 {
			fill = "#ffffff"
		}
		fmt.Fprintf(&b, `<rect x="0" y="%.1f" width="%.0f" height="%.0f" fill="%s"/>`, y0, svgWidth, laneH, fill)
		method, route, _ := strings.Cut(l, " ")
		if route == "" {
			method, route = "", l
		}
		fmt.Fprintf(&b, `<text x="10" y="%.1f" font-weight="600" fill="#24292f">%s</text>`, y0+laneH/2-2, esc(method))
		fmt.Fprintf(&b, `<text x="10" y="%.1f" fill="#57606a">%s</text>`, y0+laneH/2+13, esc(truncate(route, 26)))
	}

	// Grid and axis.
	step := niceStep(maxX, 8)
	axisY := topMargin + plotH
	for t := 0.0; t <= maxX; t += step {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d0d7de" stroke-width="0.6"/>`, x(t), topMargin, x(t), axisY)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#57606a">%s</text>`, x(t), axisY+15, esc(fmtMs(t)))
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#57606a"/>`, plotLeft, axisY, svgWidth-rightMargin, axisY)
	axisNote := "time since the case started (server clock)"
	if omitted > 0 {
		axisNote = fmt.Sprintf("first %d attempts drawn, %d more in the table and summary.json; ", maxDrawn, omitted) + axisNote
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="#57606a" font-style="italic">%s</text>`, svgWidth-rightMargin, axisY+29, esc(axisNote))

	laneY := func(l int) float64 { return topMargin + float64(l)*laneH + laneH/2 + 6 }

	// Retry-After windows under everything else; the labels of overlapping
	// windows are stacked so they stay readable.
	bandEnd := map[int]float64{}
	bandLevel := map[int]int{}
	for _, a := range as {
		if a.raMs < 0 {
			continue
		}
		y := laneY(a.lane)
		if end, ok := bandEnd[a.lane]; ok && math.Abs(x(a.OffsetMs+a.raMs)-x(end)) < 260 {
			bandLevel[a.lane] = (bandLevel[a.lane] + 1) % 2
		} else {
			bandLevel[a.lane] = 0
		}
		bandEnd[a.lane] = a.OffsetMs + a.raMs
		x0, x1 := x(a.OffsetMs), x(a.OffsetMs+a.raMs)
		w := math.Max(x1-x0, 1.5)
		fmt.Fprintf(&b, `<g class="retry-after"><rect x="%.1f" y="%.1f" width="%.1f" height="78" fill="#bf8700" fill-opacity="0.12" stroke="#bf8700" stroke-dasharray="4 3"/>`, x0, y-60, w)
		// The label sits at the window's end, where the next attempt was due;
		// a window too narrow for it is labelled from its start instead.
		label := "Retry-After: " + a.RetryAfter + " (#" + strconv.Itoa(a.Seq) + ") ends t+" + fmtMs(a.OffsetMs+a.raMs)
		lw := float64(len([]rune(label))) * 5.6
		lx, anchor := x1-4, "end"
		if w < lw+8 {
			lx, anchor = x0+4, "start"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="#7d4e00" font-size="10">%s</text><title>%s</title></g>`, lx, y-50+float64(bandLevel[a.lane])*11, anchor,
			esc(label),
			esc(fmt.Sprintf("Attempt %d's response sent Retry-After: %s; no request should arrive before t+%s", a.Seq, a.RetryAfter, fmtMs(a.OffsetMs+a.raMs))))
	}

	// Gaps between consecutive attempts on a lane.
	labelledBad := map[int]bool{}
	for _, a := range as {
		if a.prev < 0 {
			continue
		}
		p := as[a.prev]
		y := laneY(a.lane) + 24
		x1, x2 := x(p.OffsetMs), x(a.OffsetMs)
		badGap := a.tooEarly || (timingBad && !anyEarly)
		col, cls, wgt := "#57606a", "gap", "normal"
		if badGap {
			col, cls, wgt = "#cf222e", "gap gap-bad", "700"
		}
		label := "Δ " + fmtMs(a.gapMs)
		if a.tooEarly {
			label += " < Retry-After " + fmtMs(p.raMs)
		}
		fmt.Fprintf(&b, `<g class="%s"><path d="M%.1f %.1f v6 M%.1f %.1f H%.1f M%.1f %.1f v6" stroke="%s" stroke-width="%s" fill="none"/>`,
			cls, x1, y-3, x1, y, x2, x2, y-3, col, map[bool]string{true: "2", false: "1"}[badGap])
		// Narrow gaps (a hot loop) keep their bracket but lose their label, except
		// the first offending one, so the drawing stays readable.
		if x2-x1 < 34 && !(badGap && !labelledBad[a.lane]) {
			b.WriteString(`</g>`)
			continue
		}
		if badGap {
			labelledBad[a.lane] = true
		}
		// Keep the label inside the plot even when the gap is narrow.
		w := float64(len([]rune(label))) * 6.2
		left := math.Min(math.Max((x1+x2)/2-w/2, plotLeft-8), svgWidth-4-w)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-weight="%s">%s</text></g>`, left, y+15, col, wgt, esc(label))
	}

	// Markers last, so they sit on top.
	lastLabelX := map[int]float64{}
	lastLabel := map[int]string{}
	lastNoteX := map[int]float64{}
	stagger := map[int]int{}
	for _, a := range as {
		y := laneY(a.lane)
		cx := x(a.OffsetMs)
		col := statusColour(a.Attempt)
		fill, text := "#ffffff", col
		if a.Injected {
			fill, text = col, "#ffffff"
		}
		// Labels of close markers are stacked three high; past that, and when a
		// label would repeat its neighbour's, they are left to the tooltip and
		// the table, which list every attempt.
		label := statusLabel(a.Attempt)
		showLabel := true
		if lx, ok := lastLabelX[a.lane]; ok && cx-lx < 64 {
			if stagger[a.lane] == 2 || label == lastLabel[a.lane] {
				showLabel = false
			} else {
				stagger[a.lane]++
			}
		} else {
			stagger[a.lane] = 0
		}
		if showLabel {
			lastLabelX[a.lane], lastLabel[a.lane] = cx, label
		}
		ly := y - 14 - float64(stagger[a.lane])*12

		cls := "attempt"
		if a.note != "" {
			cls += " note-" + a.note
		}
		fmt.Fprintf(&b, `<g class="%s" data-seq="%d" data-status="%d">`, esc(cls), a.Seq, a.Status)
		fmt.Fprintf(&b, `<title>%s</title>`, esc(attemptTooltip(a)))
		switch a.note {
		case "same-jwt", "same-jti":
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="13" fill="none" stroke="#cf222e" stroke-width="2.5"/>`, cx, y)
		case "re-sign":
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="22" height="22" transform="rotate(45 %.1f %.1f)" fill="none" stroke="#0969da" stroke-width="2"/>`, cx-11, y-11, cx, y)
		case "refresh":
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="13" fill="none" stroke="#1b7c83" stroke-width="2" stroke-dasharray="3 2"/>`, cx, y)
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="8.5" fill="%s" stroke="%s" stroke-width="2"/>`, cx, y, fill, col)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9" font-weight="700" fill="%s">%d</text>`, cx, y+3.2, text, a.Seq)
		if showLabel {
			fmt.Fprintf(&b, `<text class="status" x="%.1f" y="%.1f" text-anchor="middle" font-weight="600" fill="%s">%s</text>`, cx, ly, col, esc(label))
		}
		ncol, nlabel := noteStyle(a.note)
		nx, noted := lastNoteX[a.lane]
		if a.note != "" && (!noted || cx-nx > float64(len(nlabel))*6.8+6) {
			lastNoteX[a.lane] = cx
			fmt.Fprintf(&b, `<text class="note" x="%.1f" y="%.1f" text-anchor="middle" font-weight="700" fill="%s">%s</text>`, cx, y+50, ncol, esc(nlabel))
		}
		b.WriteString(`</g>`)
	}

	// Legend.
	ly := axisY + axisH + 14
	lx := laneLabelW
	item := func(draw string, label string) {
		b.WriteString(draw)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#24292f">%s</text>`, lx+14, ly+4, esc(label))
		lx += 14 + float64(len(label))*5.6 + 18
	}
	b.WriteString(`<g class="legend">`)
	for _, e := range []struct{ col, label string }{{"#1a7f37", "2xx"}, {"#d1670a", "4xx"}, {"#bf8700", "429"}, {"#cf222e", "5xx"}, {"#57606a", "fault"}} {
		item(fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="%s"/>`, lx+4, ly, e.col), e.label)
	}
	item(fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="#fff" stroke="#57606a" stroke-width="1.5"/>`, lx+4, ly), "natural (hollow) / injected (filled)")
	item(fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="10" height="10" fill="#bf8700" fill-opacity="0.2" stroke="#bf8700" stroke-dasharray="2 2"/>`, lx-1, ly-5), "Retry-After window")
	lx, ly = laneLabelW, ly+18
	item(fmt.Sprintf(`<path d="M%.1f %.1f h12" stroke="#cf222e" stroke-width="2"/>`, lx-2, ly), "gap too short (failed timing check)")
	item(fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="none" stroke="#cf222e" stroke-width="2"/>`, lx+4, ly), "same JWT / jti resent")
	item(fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="8" height="8" transform="rotate(45 %.1f %.1f)" fill="none" stroke="#0969da" stroke-width="1.5"/>`, lx, ly-4, lx+4, ly), "re-signed JWT")
	item(fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="none" stroke="#1b7c83" stroke-width="1.5" stroke-dasharray="2 1"/>`, lx+4, ly), "token refresh")
	b.WriteString(`</g></svg>`)
	return b.String()
}

func noteStyle(note string) (colour, label string) {
	switch note {
	case "same-jwt":
		return "#cf222e", "same JWT resent"
	case "same-jti":
		return "#cf222e", "jti reused"
	case "re-sign":
		return "#0969da", "re-signed"
	case "refresh":
		return "#1b7c83", "new token"
	}
	return "#57606a", note
}

func statusLabel(a Attempt) string {
	s := ""
	switch {
	case a.Fault != "":
		s = a.Fault
	case a.Status == 0:
		s = "no response"
	default:
		s = strconv.Itoa(a.Status)
	}
	if a.Code != "" && a.Code != strconv.Itoa(a.Status) {
		s += " · " + a.Code
	}
	return s
}

func attemptTooltip(a tlAttempt) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("#%d at t+%s: %s", a.Seq, fmtMs(a.OffsetMs), routeKey(a.Attempt)))
	src := "natural response"
	if a.Injected {
		src = "injected by the scenario"
	}
	parts = append(parts, "answer: "+statusLabel(a.Attempt)+" ("+src+")")
	if a.RetryAfter != "" {
		parts = append(parts, "Retry-After: "+a.RetryAfter)
	}
	if a.gapMs >= 0 {
		parts = append(parts, "gap since previous: "+fmtMs(a.gapMs))
	}
	if a.JTI != "" {
		parts = append(parts, "jti: "+a.JTI)
	}
	if a.JWTFingerprint != "" {
		parts = append(parts, "JWT: "+a.JWTFingerprint)
	}
	if a.TokenFingerprint != "" {
		parts = append(parts, "token: "+a.TokenFingerprint)
	}
	parts = append(parts, "connection #"+strconv.Itoa(a.ConnID))
	if a.note != "" {
		parts = append(parts, "note: "+a.note)
	}
	return strings.Join(parts, "\n")
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// routeKey is "METHOD /path"; the suite may already spell the method in Route.
func routeKey(a Attempt) string {
	if a.Method == "" || strings.HasPrefix(a.Route, a.Method+" ") {
		return strings.TrimSpace(a.Route)
	}
	return a.Method + " " + a.Route
}

// short abbreviates long identifiers (64-hex jtis, fingerprints) for tables;
// the full value goes in the cell's title.
func short(s string) string { return truncate(strings.TrimPrefix(s, "sha256:"), 14) }
