package reports

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

func TestRowPlacerNeverOverlaps(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	p := &rowPlacer{minX: 100, maxX: 900, maxRows: 3}
	type box struct {
		row    int
		x0, x1 float64
	}
	var placed []box
	for range 2000 {
		w := 10 + rng.Float64()*120
		want := 80 + rng.Float64()*840
		row, left, ok := p.place(w, want, 24)
		if !ok {
			continue
		}
		if left < p.minX || left+w > p.maxX {
			t.Fatalf("a label placed outside [%v, %v]: %v + %v", p.minX, p.maxX, left, w)
		}
		if d := math.Abs(left - math.Min(math.Max(want, p.minX), p.maxX-w)); d > 24 {
			t.Fatalf("a label slid %v from its anchor, more than the 24 allowed", d)
		}
		for _, b := range placed {
			if b.row == row && left < b.x1+labelPad && b.x0 < left+w+labelPad {
				t.Fatalf("row %d: [%v, %v] overlaps [%v, %v]", row, left, left+w, b.x0, b.x1)
			}
		}
		placed = append(placed, box{row, left, left + w})
	}
	if len(placed) < 30 || p.used() != 3 {
		t.Errorf("placed %d labels in %d rows: the placer gives up too early", len(placed), p.used())
	}
	if _, _, ok := p.place(1000, 100, 0); ok {
		t.Error("a label wider than the plot was placed")
	}
}

func TestDodgerKeepsMarkersApart(t *testing.T) {
	var d dodger
	type m struct{ x, y, r float64 }
	var ms []m
	crowded := 0
	for i := range 200 {
		x, r := float64(i)*0.5, 10.0
		s, ok := d.place(x, r)
		if !ok {
			crowded++
			continue
		}
		y := float64(s) * markerSlotH
		for _, o := range ms {
			if math.Hypot(o.x-x, o.y-y) < o.r+r {
				t.Fatalf("marker at (%v, %v) overlaps one at (%v, %v)", x, y, o.x, o.y)
			}
		}
		ms = append(ms, m{x, y, r})
	}
	if crowded == 0 || len(ms) < maxSlots {
		t.Errorf("%d markers placed, %d crowded: the hot loop should fill every slot and then be ticks", len(ms), crowded)
	}
}

// The labels TimelineSVG emits for a crowded case are where the layout put
// them: none shares a row span with another in the same lane.
func TestTimelineLabelsAreLaidOut(t *testing.T) {
	s := denseSummary()
	c := s.Cases[len(s.Cases)-1]
	as, lanes := analyse(c, s.Run.Start)
	x := func(ms float64) float64 { return laneLabelW + 16 + ms/1400*(svgWidth-laneLabelW-16-rightMargin) }
	lay := layoutTimeline(as, len(lanes), x, laneLabelW+16, timingCheckFailed(c), false)
	type box struct{ x0, x1, y0, y1 float64 }
	var boxes []box
	var texts []string
	for _, m := range []map[int]placedLabel{lay.statusLabel, lay.raLabel, lay.gapLabel, lay.noteLabel} {
		for _, l := range m {
			boxes = append(boxes, box{l.left, l.left + labelWidth(l.text), l.y - labelFont*0.928, l.y + labelFont*0.236})
			texts = append(texts, l.text)
		}
	}
	if len(boxes) < 20 {
		t.Fatalf("only %d labels laid out", len(boxes))
	}
	for i := range boxes {
		for j := i + 1; j < len(boxes); j++ {
			a, b := boxes[i], boxes[j]
			if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
				t.Errorf("%q and %q overlap", texts[i], texts[j])
			}
		}
	}
	svg := TimelineSVG(c, s.Run.Start)
	if !strings.Contains(svg, `data-hidden-labels="`) || strings.Count(svg, `class="attempt`) != len(c.Timeline) {
		t.Error("the SVG lost attempts or its count of hidden labels")
	}
}
