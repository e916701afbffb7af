package reports

import (
	"fmt"
	"html"
	"math"
	"sort"
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

	lay := layoutTimeline(as, len(lanes), x, plotLeft, timingBad, anyEarly)
	plotH := lay.height
	height := topMargin + plotH + axisH + legendH + lay.legendExtra

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" data-case="%s" data-attempts="%d" data-hidden-labels="%d" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="11">`,
		esc(c.ID), len(as), lay.hidden, svgWidth, height, esc("Attempt timeline of "+c.ID))
	fmt.Fprintf(&b, `<title>%s</title>`, esc("Attempt timeline of "+c.ID+": requests as the simulated Knox saw them"))

	// Lanes and their labels.
	for i, l := range lanes {
		g := lay.lanes[i]
		fill := "#f6f8fa"
		if i%2 == 1 {
			fill = "#ffffff"
		}
		fmt.Fprintf(&b, `<rect x="0" y="%.1f" width="%.0f" height="%.1f" fill="%s"/>`, g.top, svgWidth, g.h, fill)
		method, route, _ := strings.Cut(l, " ")
		if route == "" {
			method, route = "", l
		}
		fmt.Fprintf(&b, `<text x="10" y="%.1f" font-weight="600" fill="#24292f">%s</text>`, g.center-3, esc(method))
		fmt.Fprintf(&b, `<text x="10" y="%.1f" fill="#57606a">%s</text>`, g.center+12, esc(truncate(route, 26)))
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
	if lay.hidden > 0 {
		axisNote = fmt.Sprintf("%d labels without room are in the tooltips and the table; ", lay.hidden) + axisNote
	}
	if omitted > 0 {
		axisNote = fmt.Sprintf("first %d attempts drawn, %d more in the table and summary.json; ", maxDrawn, omitted) + axisNote
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="#57606a" font-style="italic">%s</text>`, svgWidth-rightMargin, axisY+29, esc(axisNote))

	// Retry-After windows under everything else.
	for i, a := range as {
		if a.raMs < 0 {
			continue
		}
		g := lay.lanes[a.lane]
		x0, x1 := x(a.OffsetMs), x(a.OffsetMs+a.raMs)
		w := math.Max(x1-x0, 1.5)
		fmt.Fprintf(&b, `<g class="retry-after"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#bf8700" fill-opacity="0.07" stroke="#bf8700" stroke-dasharray="4 3"/>`, x0, g.top+2, w, g.bandBottom-g.top)
		fmt.Fprintf(&b, `<title>%s</title>`, esc(fmt.Sprintf("Attempt %d's response sent Retry-After: %s; no request should arrive before t+%s", a.Seq, a.RetryAfter, fmtMs(a.OffsetMs+a.raMs))))
		if l, ok := lay.raLabel[i]; ok {
			b.WriteString(l.svg("lbl lbl-retry-after", "#7d4e00", "400"))
		}
		b.WriteString(`</g>`)
	}

	// Gaps between consecutive attempts on a lane.
	for i, a := range as {
		if a.prev < 0 {
			continue
		}
		p := as[a.prev]
		g := lay.lanes[a.lane]
		y := g.bracketY
		x1, x2 := x(p.OffsetMs), x(a.OffsetMs)
		badGap := a.tooEarly || (timingBad && !anyEarly)
		col, cls, wgt := "#57606a", "gap", "400"
		if badGap {
			col, cls, wgt = "#cf222e", "gap gap-bad", "700"
		}
		fmt.Fprintf(&b, `<g class="%s"><path d="M%.1f %.1f v6 M%.1f %.1f H%.1f M%.1f %.1f v6" stroke="%s" stroke-width="%s" fill="none"/>`,
			cls, x1, y-3, x1, y, x2, x2, y-3, col, map[bool]string{true: "2", false: "1"}[badGap])
		if l, ok := lay.gapLabel[i]; ok {
			b.WriteString(l.svg("lbl lbl-gap", col, wgt))
		}
		b.WriteString(`</g>`)
	}

	// Markers last, so they sit on top.
	for i, a := range as {
		g := lay.lanes[a.lane]
		cx := x(a.OffsetMs)
		col := statusColour(a.Attempt)
		fill, text := "#ffffff", col
		if a.Injected {
			fill, text = col, "#ffffff"
		}
		cls := "attempt"
		if a.note != "" {
			cls += " note-" + a.note
		}
		slot, placed := lay.slot[i]
		if !placed {
			cls += " crowded"
		}
		fmt.Fprintf(&b, `<g class="%s" data-seq="%d" data-status="%d">`, esc(cls), a.Seq, a.Status)
		fmt.Fprintf(&b, `<title>%s</title>`, esc(attemptTooltip(a)))
		if !placed {
			// No free slot at this time: a tick on the lane's line, so the
			// attempt is still seen and counted; its details are in the title.
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/></g>`, cx, g.tickY-tickStripH/2+1, cx, g.tickY+tickStripH/2-1, col)
			continue
		}
		y := g.center + float64(slot)*markerSlotH
		switch a.note {
		case "same-jwt", "same-jti":
			fmt.Fprintf(&b, `<circle class="marker-ring" cx="%.1f" cy="%.1f" r="12" fill="none" stroke="#cf222e" stroke-width="2.5"/>`, cx, y)
		case "re-sign":
			fmt.Fprintf(&b, `<rect class="marker-ring" x="%.1f" y="%.1f" width="16" height="16" transform="rotate(45 %.1f %.1f)" fill="none" stroke="#0969da" stroke-width="2"/>`, cx-8, y-8, cx, y)
		case "refresh":
			fmt.Fprintf(&b, `<circle class="marker-ring" cx="%.1f" cy="%.1f" r="12" fill="none" stroke="#1b7c83" stroke-width="2" stroke-dasharray="3 2"/>`, cx, y)
		}
		fmt.Fprintf(&b, `<circle class="marker" cx="%.1f" cy="%.1f" r="8.5" fill="%s" stroke="%s" stroke-width="2"/>`, cx, y, fill, col)
		fmt.Fprintf(&b, `<text class="seq" x="%.1f" y="%.1f" text-anchor="middle" font-size="9" font-weight="700" fill="%s">%d</text>`, cx, y+3.2, text, a.Seq)
		if l, ok := lay.statusLabel[i]; ok {
			b.WriteString(l.svg("lbl lbl-status", col, "600"))
		}
		if l, ok := lay.noteLabel[i]; ok {
			ncol, _ := noteStyle(a.note)
			b.WriteString(l.svg("lbl lbl-note", ncol, "700"))
		}
		b.WriteString(`</g>`)
	}

	// Legend, wrapped onto as many lines as it needs.
	ly := axisY + axisH + 14
	lx := laneLabelW
	item := func(draw func(lx, ly float64) string, label string) {
		w := 14 + labelWidth(label) + 18
		if lx+w > svgWidth-8 {
			lx, ly = laneLabelW, ly+18
		}
		b.WriteString(draw(lx, ly))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-family="%s" font-size="%.0f" textLength="%.0f" lengthAdjust="spacingAndGlyphs" fill="#24292f">%s</text>`,
			lx+14, ly+4, monoFamily, labelFont, labelWidth(label), esc(label))
		lx += w
	}
	b.WriteString(`<g class="legend">`)
	for _, e := range []struct{ col, label string }{{"#1a7f37", "2xx"}, {"#d1670a", "4xx"}, {"#bf8700", "429"}, {"#cf222e", "5xx"}, {"#57606a", "fault"}} {
		item(func(lx, ly float64) string {
			return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="%s"/>`, lx+4, ly, e.col)
		}, e.label)
	}
	for _, e := range legendItems {
		item(e.draw, e.label)
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// monoFamily is the face of every laid-out label; its advance is labelAdvance.
const monoFamily = "DejaVu Sans Mono,Menlo,Consolas,Liberation Mono,monospace"

var legendItems = []struct {
	label string
	draw  func(lx, ly float64) string
}{
	{"natural (hollow) / injected (filled)", func(lx, ly float64) string {
		return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="#fff" stroke="#57606a" stroke-width="1.5"/>`, lx+4, ly)
	}},
	{"Retry-After window", func(lx, ly float64) string {
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="10" height="10" fill="#bf8700" fill-opacity="0.2" stroke="#bf8700" stroke-dasharray="2 2"/>`, lx-1, ly-5)
	}},
	{"gap too short (failed timing check)", func(lx, ly float64) string {
		return fmt.Sprintf(`<path d="M%.1f %.1f h12" stroke="#cf222e" stroke-width="2"/>`, lx-2, ly)
	}},
	{"same JWT / jti resent", func(lx, ly float64) string {
		return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="none" stroke="#cf222e" stroke-width="2"/>`, lx+4, ly)
	}},
	{"re-signed JWT", func(lx, ly float64) string {
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="8" height="8" transform="rotate(45 %.1f %.1f)" fill="none" stroke="#0969da" stroke-width="1.5"/>`, lx, ly-4, lx+4, ly)
	}},
	{"token refresh", func(lx, ly float64) string {
		return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5" fill="none" stroke="#1b7c83" stroke-width="1.5" stroke-dasharray="2 1"/>`, lx+4, ly)
	}},
	{"stacked: attempts close in time", func(lx, ly float64) string {
		return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="3" fill="#57606a"/><circle cx="%.1f" cy="%.1f" r="3" fill="#57606a"/>`, lx+4, ly-3, lx+4, ly+4)
	}},
}

// placedLabel is a label the layout found room for.
type placedLabel struct {
	text    string
	left, y float64 // y is the baseline
}

func (l placedLabel) svg(class, colour, weight string) string {
	return fmt.Sprintf(`<text class="%s" x="%.1f" y="%.1f" font-family="%s" font-size="%.0f" font-weight="%s" textLength="%.0f" lengthAdjust="spacingAndGlyphs" fill="%s">%s</text>`,
		class, l.left, l.y, monoFamily, labelFont, weight, labelWidth(l.text), colour, esc(l.text))
}

// laneGeom is where a lane ended up, in SVG coordinates.
type laneGeom struct {
	top, h     float64
	center     float64 // the line of slot 0's markers
	bandBottom float64 // below the lowest marker slot
	tickY      float64 // the strip of crowded attempts' ticks, when the lane has any
	bracketY   float64 // the gap brackets
}

// tickStripH is the strip under a lane's markers where attempts that found no
// free marker slot are drawn as ticks, so that they cover no marker.
const tickStripH = 10.0

type timelineLayout struct {
	lanes                  []laneGeom
	height                 float64 // all lanes
	legendExtra            float64
	slot                   map[int]int // attempt index → marker slot; absent: crowded
	statusLabel, noteLabel map[int]placedLabel
	raLabel, gapLabel      map[int]placedLabel
	hidden                 int // labels without room
}

// layoutTimeline decides where every marker and label of a timeline goes:
// markers dodge one another per lane (dodger), labels go into rows above the
// markers (status, Retry-After) or below the gap brackets (gaps, notes) by
// rowPlacer, most important first; then each lane is as tall as its rows.
func layoutTimeline(as []tlAttempt, nLanes int, x func(float64) float64, plotLeft float64, timingBad, anyEarly bool) timelineLayout {
	lay := timelineLayout{slot: map[int]int{}, statusLabel: map[int]placedLabel{}, noteLabel: map[int]placedLabel{},
		raLabel: map[int]placedLabel{}, gapLabel: map[int]placedLabel{}}
	type pending struct {
		idx  int
		text string
		row  int
		left float64
	}
	above := make([]*rowPlacer, nLanes)
	below := make([]*rowPlacer, nLanes)
	dodge := make([]dodger, nLanes)
	minSlot := make([]int, nLanes)
	maxSlot := make([]int, nLanes)
	crowded := make([]bool, nLanes)
	for l := range nLanes {
		above[l] = &rowPlacer{minX: laneLabelW + 2, maxX: svgWidth - 4, maxRows: 3}
		below[l] = &rowPlacer{minX: laneLabelW + 2, maxX: svgWidth - 4, maxRows: 3}
	}

	// Markers, in time order on each lane.
	order := make([]int, len(as))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return x(as[order[i]].OffsetMs) < x(as[order[j]].OffsetMs) })
	for _, i := range order {
		a := as[i]
		r := 10.0
		if a.note != "" {
			r = 14
		}
		if s, ok := dodge[a.lane].place(x(a.OffsetMs), r); ok {
			lay.slot[i] = s
			minSlot[a.lane] = min(minSlot[a.lane], s)
			maxSlot[a.lane] = max(maxSlot[a.lane], s)
		} else {
			crowded[a.lane] = true
		}
	}

	var statusP, raP, gapP, noteP []pending
	try := func(p *rowPlacer, idx int, text string, want, shift float64, into *[]pending) bool {
		w := labelWidth(text)
		row, left, ok := p.place(w, want, shift)
		if ok {
			*into = append(*into, pending{idx, text, row, left})
		}
		return ok
	}

	// Above the markers: each placed marker's status, then the Retry-After
	// windows. A status that repeats the previous one close by is left to the
	// tooltip: a hot loop of identical answers reads better without it.
	lastX := map[int]float64{}
	lastText := map[int]string{}
	for _, i := range order {
		a := as[i]
		if _, ok := lay.slot[i]; !ok {
			lay.hidden++
			continue
		}
		text := statusLabel(a.Attempt)
		cx := x(a.OffsetMs)
		if lx, ok := lastX[a.lane]; ok && text == lastText[a.lane] && cx-lx < 64 {
			lay.hidden++
			continue
		}
		w := labelWidth(text)
		if try(above[a.lane], i, text, cx-w/2, w/2+8, &statusP) {
			lastX[a.lane], lastText[a.lane] = cx, text
		} else {
			lay.hidden++
		}
	}
	for i, a := range as {
		if a.raMs < 0 {
			continue
		}
		text := "Retry-After: " + a.RetryAfter + " (#" + strconv.Itoa(a.Seq) + ") ends t+" + fmtMs(a.OffsetMs+a.raMs)
		w := labelWidth(text)
		x0, x1 := x(a.OffsetMs), x(a.OffsetMs+a.raMs)
		// At the window's end, where the next attempt was due; else from its start.
		if !try(above[a.lane], i, text, x1-4-w, 24, &raP) && !try(above[a.lane], i, text, x0+4, 24, &raP) {
			lay.hidden++
		}
	}

	// Below the gap brackets: offending gaps first, then what the client
	// resent or renewed, then the other gaps (narrow ones stay unlabelled).
	gapText := func(a tlAttempt) string {
		t := "Δ " + fmtMs(a.gapMs)
		if a.tooEarly {
			t += " < Retry-After " + fmtMs(as[a.prev].raMs)
		}
		return t
	}
	for pass := 0; pass < 3; pass++ {
		for i, a := range as {
			switch pass {
			case 0, 2:
				if a.prev < 0 {
					continue
				}
				bad := a.tooEarly || (timingBad && !anyEarly)
				if bad != (pass == 0) {
					continue
				}
				x1, x2 := x(as[a.prev].OffsetMs), x(a.OffsetMs)
				if !bad && x2-x1 < 34 {
					continue
				}
				text := gapText(a)
				w := labelWidth(text)
				if !try(below[a.lane], i, text, (x1+x2)/2-w/2, 24+math.Max(0, (x2-x1)/2), &gapP) {
					lay.hidden++
				}
			case 1:
				if a.note == "" {
					continue
				}
				if _, ok := lay.slot[i]; !ok {
					continue
				}
				_, text := noteStyle(a.note)
				w := labelWidth(text)
				if !try(below[a.lane], i, text, x(a.OffsetMs)-w/2, 16, &noteP) {
					lay.hidden++
				}
			}
		}
	}

	// Lane geometry, top to bottom.
	const pad = 4.0
	ascent, descent := labelFont*0.928, labelFont*0.236
	y := topMargin
	for l := range nLanes {
		nAbove, nBelow := max(above[l].used(), 1), max(below[l].used(), 1)
		bandTop := y + pad + float64(nAbove)*labelRowH + 2
		slots := float64(maxSlot[l] - minSlot[l] + 1)
		g := laneGeom{top: y}
		g.center = bandTop + float64(-minSlot[l])*markerSlotH + markerSlotH/2
		g.bandBottom = bandTop + slots*markerSlotH
		g.bracketY = g.bandBottom + 5
		if crowded[l] {
			g.tickY = g.bandBottom + tickStripH/2
			g.bracketY += tickStripH
		}
		h := g.bracketY + 5 + float64(nBelow)*labelRowH + pad - y
		g.h = math.Max(h, 48)
		lay.lanes = append(lay.lanes, g)
		y += g.h
	}
	lay.height = y - topMargin
	aboveBase := func(l, row int) float64 {
		g := lay.lanes[l]
		bandTop := g.center - float64(-minSlot[l])*markerSlotH - markerSlotH/2
		return bandTop - 2 - float64(row)*labelRowH - descent - 1.3
	}
	belowBase := func(l, row int) float64 {
		return lay.lanes[l].bracketY + 5 + float64(row)*labelRowH + ascent + 1.3
	}
	for _, p := range statusP {
		lay.statusLabel[p.idx] = placedLabel{p.text, p.left, aboveBase(as[p.idx].lane, p.row)}
	}
	for _, p := range raP {
		lay.raLabel[p.idx] = placedLabel{p.text, p.left, aboveBase(as[p.idx].lane, p.row)}
	}
	for _, p := range gapP {
		lay.gapLabel[p.idx] = placedLabel{p.text, p.left, belowBase(as[p.idx].lane, p.row)}
	}
	for _, p := range noteP {
		lay.noteLabel[p.idx] = placedLabel{p.text, p.left, belowBase(as[p.idx].lane, p.row)}
	}

	// The legend wraps at the drawing's width; count its extra lines.
	lx, lines := laneLabelW, 0.0
	for _, label := range append([]string{"2xx", "4xx", "429", "5xx", "fault"}, legendLabels()...) {
		w := 14 + labelWidth(label) + 18
		if lx+w > svgWidth-8 {
			lx, lines = laneLabelW, lines+1
		}
		lx += w
	}
	lay.legendExtra = math.Max(0, lines-1) * 18
	return lay
}

func legendLabels() []string {
	out := make([]string, len(legendItems))
	for i, e := range legendItems {
		out[i] = e.label
	}
	return out
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
