package reports

import (
	"bytes"
	_ "embed"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/knoxconform/knoxconform/knoxerr"
)

//go:embed report.html.tmpl
var htmlTemplateText string

// htmlTemplate is parsed on first use: only the process that writes the report
// needs it, not every worker of a run (parsing costs a few ms of start-up).
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report.html").Funcs(template.FuncMap{
		"classSlug": classSlug,
		"fmtMs":     fmtMs,
		"join":      strings.Join,
		"short":     short,
		"route":     routeKey,
	}).Parse(htmlTemplateText))
})

// htmlPage is what the template sees; everything untrusted in it is a plain
// string that html/template escapes, except the SVG, which TimelineSVG escapes.
type htmlPage struct {
	S             *Summary
	Verdict       string
	VerdictSlug   string
	Counts        []classCount
	Grid          []gridCell
	Areas         []string
	Cases         []htmlCase
	UnexpectedOK  []string
	Interrupted   bool
	HarnessError  string
	TotalCases    int
	Strict        bool
	ClientName    string
	AdapterName   string
	KnoxconformV  string
	StartedAt     string
	Duration      string
	Args          string
	DocumentCodes int
	Coverage      []htmlCoverage
}

// htmlCoverage is one row of the scheme and service table: counts in the
// order of Classes().
type htmlCoverage struct {
	Kind, Name, Verdict string
	Declared            bool
	Cases               int
	Counts              []int
}

type classCount struct {
	Class Class
	Slug  string
	N     int
}

type gridCell struct {
	Code    string
	Name    string
	Family  string
	Meaning string
	Class   string // "" when no case ran it
	Slug    string
	Cases   int
}

type htmlCase struct {
	CaseResult
	Slug     string
	Open     bool
	Failed   []Check
	Sources  []sourcePart
	SVG      template.HTML
	Attempts []htmlAttempt
	// MoreAttempts counts attempts left out of the table (see maxTableRows).
	MoreAttempts int
	Codes        string
	// OutcomeNote explains a reported success beside a failed check.
	OutcomeNote string
}

// maxTableRows bounds the attempt table of one case; summary.json has them all.
const maxTableRows = 1000

type sourcePart struct {
	Text string
	URL  string // set only for http(s) links to documentation
}

type htmlAttempt struct {
	Attempt
	Gap      string
	Src      string
	Status   string
	Note     string
	TooEarly bool
	Repeated bool
}

func classSlug(c Class) string {
	return strings.ToLower(strings.ReplaceAll(string(c), "-", ""))
}

func verdictSlug(v string) string {
	switch v {
	case VerdictConformant:
		return "ok"
	case VerdictNotConformant:
		return "fail"
	case VerdictNoCases:
		return "none"
	}
	return "error"
}

// splitSources turns "URL; RFC 6585 §4" into parts, linking only web URLs.
func splitSources(src string) []sourcePart {
	var out []sourcePart
	for _, p := range strings.Split(src, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		sp := sourcePart{Text: p}
		if strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
			sp.URL = p
		}
		out = append(out, sp)
	}
	return out
}

// codeGrid gives each documented code the worst class among the cases that
// exercise it.
func codeGrid(s *Summary) []gridCell {
	worst := map[knoxerr.Code]Class{}
	count := map[knoxerr.Code]int{}
	for _, c := range s.Cases {
		for _, code := range c.Codes {
			k := knoxerr.Code(code).Canonical()
			count[k]++
			if w, ok := worst[k]; !ok || rank(c.Class) > rank(w) {
				worst[k] = c.Class
			}
		}
	}
	var out []gridCell
	for _, e := range knoxerr.Catalogue() {
		name := e.Name
		if name == string(e.Code) { // Samsung Account codes have no name of their own
			name = e.Meaning
		}
		g := gridCell{Code: string(e.Code), Name: name, Family: string(e.Family), Meaning: e.Meaning, Cases: count[e.Code]}
		if w, ok := worst[e.Code]; ok {
			g.Class, g.Slug = string(w), classSlug(w)
		}
		out = append(out, g)
	}
	return out
}

func htmlCases(s *Summary) []htmlCase {
	var out []htmlCase
	for _, c := range s.Cases {
		h := htmlCase{CaseResult: c, Slug: classSlug(c.Class), Failed: failedChecks(c),
			Sources: splitSources(c.Source), Codes: strings.Join(c.Codes, " "), OutcomeNote: OutcomeNote(c)}
		h.Open = failing(c.Class, true) || c.UnexpectedPass
		h.SVG = template.HTML(TimelineSVG(c, s.Run.Start)) // escaped by TimelineSVG
		as, _ := analyse(c, s.Run.Start)
		if len(as) > maxTableRows {
			h.MoreAttempts = len(as) - maxTableRows
			as = as[:maxTableRows]
		}
		for _, a := range as {
			ha := htmlAttempt{Attempt: a.Attempt, Gap: "—", Src: "natural", Status: statusLabel(a.Attempt), Note: a.note, TooEarly: a.tooEarly}
			ha.Repeated = a.note == "same-jwt" || a.note == "same-jti"
			if a.gapMs >= 0 {
				ha.Gap = fmtMs(a.gapMs)
			}
			if a.Injected {
				ha.Src = "injected"
			}
			if a.Fault != "" {
				ha.Src = "fault: " + a.Fault
			}
			h.Attempts = append(h.Attempts, ha)
		}
		out = append(out, h)
	}
	// Worst first, so the person debugging sees the failures at the top; the
	// suite's order is kept within a class.
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Class) > rank(out[j].Class) })
	return out
}

// HTML renders report.html: one self-contained page (inline CSS, a small inline
// script for the filters, inline SVG), which loads nothing from the network.
func HTML(s *Summary) ([]byte, error) {
	if s.Counts == nil || s.Verdict == "" {
		Finalize(s)
	}
	p := htmlPage{
		S:             s,
		Verdict:       s.Verdict,
		VerdictSlug:   verdictSlug(s.Verdict),
		Grid:          codeGrid(s),
		Cases:         htmlCases(s),
		Interrupted:   s.Run.Interrupted,
		HarnessError:  s.Run.HarnessError,
		TotalCases:    len(s.Cases),
		Strict:        s.Run.Strict,
		ClientName:    softwareName(s.Run.Client),
		AdapterName:   softwareName(s.Run.Adapter),
		KnoxconformV:  orDefault(s.Run.Knoxconform, "(unknown)"),
		StartedAt:     orDefault(s.Run.Start, "(unknown)"),
		Duration:      RunDuration(s.Run.DurationMs),
		Args:          strings.Join(s.Run.Args, " "),
		DocumentCodes: len(knoxerr.Catalogue()),
	}
	for _, c := range Classes() {
		p.Counts = append(p.Counts, classCount{Class: c, Slug: classSlug(c), N: s.Counts[c]})
	}
	areas := map[string]bool{}
	for _, c := range s.Cases {
		if !areas[c.Area] {
			areas[c.Area] = true
			p.Areas = append(p.Areas, c.Area)
		}
		if c.UnexpectedPass {
			p.UnexpectedOK = append(p.UnexpectedOK, c.ID)
		}
	}
	sort.Strings(p.Areas)
	for _, row := range Coverage(s) {
		hc := htmlCoverage{Kind: row.Kind, Name: row.Name, Verdict: row.Verdict(s.Run.Strict), Declared: row.Declared, Cases: row.Cases}
		for _, c := range Classes() {
			hc.Counts = append(hc.Counts, row.Counts[c])
		}
		p.Coverage = append(p.Coverage, hc)
	}
	var buf bytes.Buffer
	if err := htmlTemplate().Execute(&buf, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RunDuration formats a run's wall time (Run.DurationMs) the one way every
// place that shows it does — the console summary and report.html — so that
// they never disagree: 10 ms resolution, in seconds from one second up.
func RunDuration(ms float64) string {
	if ms < 1000 {
		return strconv.FormatFloat(math.Round(ms), 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(math.Round(ms/10)/100, 'f', 2, 64) + " s"
}
