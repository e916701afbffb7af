package reports

import (
	"math"
	"sort"
)

// Label layout for the attempt timeline. Every label of a lane is placed by a
// rowPlacer: a label goes into the first row, and at the first horizontal
// position near its anchor, where it overlaps no label already placed; a label
// that fits nowhere is left out of the drawing (the attempt's tooltip and the
// table below the drawing still say everything). Rows are a fixed height apart
// and a row never shares vertical space with the markers, so labels cannot
// overlap each other or a marker, whatever the attempts' timing. Labels are
// drawn in a monospace face with their advance fixed by textLength, so the
// width the layout reserves is the width the browser draws.

const (
	labelFont    = 10.0                  // px
	labelAdvance = 0.602 * labelFont     // DejaVu Sans Mono / Menlo / Consolas advance
	labelRowH    = labelFont*1.164 + 2.6 // ascent+descent of the face, plus air
	labelPad     = 4.0                   // horizontal air between two labels
	labelShift   = 4.0                   // step when sliding a label off its anchor
)

// labelWidth is the width a label is drawn with (its textLength).
func labelWidth(s string) float64 { return math.Ceil(float64(len([]rune(s))) * labelAdvance) }

// span is a horizontal extent taken in one row.
type span struct{ x0, x1 float64 }

// rowPlacer assigns labels to rows; in each row the spans are kept sorted and
// disjoint, so a candidate is checked against its two neighbours only.
type rowPlacer struct {
	minX, maxX float64
	maxRows    int
	rows       [][]span
}

// place finds a row and a left edge for a label of width w whose preferred
// left edge is want, allowing it to slide up to maxShift either way (nearest
// first). It returns ok false when no row has room.
func (p *rowPlacer) place(w, want, maxShift float64) (row int, left float64, ok bool) {
	if w > p.maxX-p.minX {
		return 0, 0, false
	}
	for r := 0; r < p.maxRows; r++ {
		if r == len(p.rows) {
			p.rows = append(p.rows, nil)
		}
		for d := 0.0; d <= maxShift; d += labelShift {
			for _, sign := range []float64{1, -1} {
				if d == 0 && sign < 0 {
					continue
				}
				l := math.Min(math.Max(want+sign*d, p.minX), p.maxX-w)
				if p.free(r, l, l+w) {
					p.take(r, l, l+w)
					return r, l, true
				}
			}
		}
	}
	return 0, 0, false
}

func (p *rowPlacer) free(r int, x0, x1 float64) bool {
	spans := p.rows[r]
	i := sort.Search(len(spans), func(i int) bool { return spans[i].x0 >= x0 })
	if i > 0 && spans[i-1].x1+labelPad > x0 {
		return false
	}
	if i < len(spans) && spans[i].x0 < x1+labelPad {
		return false
	}
	return true
}

func (p *rowPlacer) take(r int, x0, x1 float64) {
	spans := p.rows[r]
	i := sort.Search(len(spans), func(i int) bool { return spans[i].x0 >= x0 })
	spans = append(spans, span{})
	copy(spans[i+1:], spans[i:])
	spans[i] = span{x0, x1}
	p.rows[r] = spans
}

// used is the number of rows holding at least one label.
func (p *rowPlacer) used() int {
	n := 0
	for i, r := range p.rows {
		if len(r) > 0 {
			n = i + 1
		}
	}
	return n
}

// Markers of one lane are dodged: an attempt's marker stays at its time (x)
// and moves to the nearest slot above or below the lane's line where it
// overlaps no other marker. Markers are placed in time order, so each slot
// only needs its last marker to decide.

const (
	markerSlotH = 28.0 // a marker with a ring is 26 px across
	maxSlots    = 7    // slots 0, +1, -1, +2, -2, +3, -3
)

type dodger struct {
	last map[int]struct{ x, r float64 }
}

// slotOrder is the order slots are tried in: the line itself, then
// alternately below and above it.
func slotOrder() []int {
	out := []int{0}
	for k := 1; len(out) < maxSlots; k++ {
		out = append(out, k, -k)
	}
	return out[:maxSlots]
}

// place returns the slot for a marker of radius r at x, or ok false when
// every slot is taken there (the attempt is then drawn as a thin tick).
func (d *dodger) place(x, r float64) (slot int, ok bool) {
	if d.last == nil {
		d.last = map[int]struct{ x, r float64 }{}
	}
	for _, s := range slotOrder() {
		m, taken := d.last[s]
		if !taken || x-m.x >= m.r+r+1 {
			d.last[s] = struct{ x, r float64 }{x, r}
			return s, true
		}
	}
	return 0, false
}
