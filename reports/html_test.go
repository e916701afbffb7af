package reports

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func htmlOf(t *testing.T, s *Summary) string {
	t.Helper()
	b, err := HTML(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	tagPattern     = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	urlAttrPattern = regexp.MustCompile(`(?i)\b(src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(https?:)?//`)
)

// The page must load nothing from the network: the only absolute URLs allowed
// are plain links to the requirement sources.
func TestHTMLLoadsNothingExternal(t *testing.T) {
	page := htmlOf(t, sampleSummary())
	links := 0
	for _, tag := range tagPattern.FindAllString(page, -1) {
		if !urlAttrPattern.MatchString(tag) {
			continue
		}
		if strings.HasPrefix(tag, "<a ") && strings.Contains(tag, `class="source-link"`) {
			links++
			continue
		}
		t.Errorf("external reference outside a source link: %s", tag)
	}
	if links == 0 {
		t.Error("no source link rendered; the check above would prove nothing")
	}
	for _, bad := range []string{"<link", "@import", "url(http", "<iframe", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
}

func TestHTMLEscapesUntrustedText(t *testing.T) {
	s := sampleSummary()
	s.Cases[2].Title = `"><img src=x onerror=alert(1)>`
	s.Cases[2].Timeline[0].Route = `/x"><script>alert(2)</script>`
	page := htmlOf(t, s)
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("report.html has %d <script> tags, want only its own 2", n)
	}
	if strings.Contains(page, "<img") {
		t.Error("an attribute injection in a title survived escaping")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("adapter stderr is not shown escaped")
	}
}

func TestHTMLCodeGridAndTimelines(t *testing.T) {
	page := htmlOf(t, sampleSummary())
	if n := strings.Count(page, `<div class="cell k-`); n != 38 {
		t.Errorf("code grid has %d cells, want the 38 documented codes", n)
	}
	for code, class := range map[string]string{"429": "fail", "4002250": "fail", "400": "pass", "500": "nonstrict", "AUT_1802": "unsupported", "401": "none"} {
		if !strings.Contains(page, `<div class="cell k-`+class+`" data-code="`+code+`"`) {
			t.Errorf("code %s is not shown as %s in the grid", code, class)
		}
	}
	svg := func(id string) string {
		i := strings.Index(page, `<svg class="timeline" data-case="`+id+`"`)
		if i < 0 {
			t.Fatalf("no timeline for %s", id)
		}
		return page[i : i+strings.Index(page[i:], "</svg>")]
	}
	ra := svg("ratelimit/429/retry-after-seconds")
	if strings.Count(ra, `class="attempt`) != 3 || strings.Count(ra, `class="retry-after"`) != 2 {
		t.Errorf("429 timeline: want 3 attempts and 2 Retry-After windows")
	}
	if strings.Count(ra, `class="gap gap-bad"`) != 1 || !strings.Contains(ra, "Δ 120 ms &lt; Retry-After 1000 ms") {
		t.Errorf("429 timeline does not mark exactly the 120 ms gap as too short")
	}
	jwt := svg("auth/4002250/resign")
	for _, want := range []string{`class="attempt note-same-jwt"`, "same JWT resent", `class="attempt note-re-sign"`, `class="attempt note-refresh"`} {
		if !strings.Contains(jwt, want) {
			t.Errorf("4002250 timeline lacks %s", want)
		}
	}
	if strings.Contains(svg("validation/400/no-retry"), "gap-bad") {
		t.Error("a passing case shows a bad gap")
	}
}

// A repeated jti is marked even when the suite did not put a Note on it.
func TestTimelineFindsRepeatedJTI(t *testing.T) {
	c := CaseResult{Case: Case{ID: "x"}, Timeline: []Attempt{
		{Seq: 1, GapMs: -1, Method: "POST", Route: "/t", Status: 400, JTI: "j1", JWTFingerprint: "f1"},
		{Seq: 2, OffsetMs: 5, GapMs: 5, Method: "POST", Route: "/t", Status: 400, JTI: "j1", JWTFingerprint: "f2"},
		{Seq: 3, OffsetMs: 9, GapMs: 4, Method: "POST", Route: "/t", Status: 400, JTI: "j2", JWTFingerprint: "f2"},
	}}
	out := TimelineSVG(c, "")
	if !strings.Contains(out, `data-seq="2"`) || !strings.Contains(out, `class="attempt note-same-jti" data-seq="2"`) {
		t.Error("attempt 2 reuses jti j1 but is not marked same-jti")
	}
	if !strings.Contains(out, `class="attempt note-same-jwt" data-seq="3"`) {
		t.Error("attempt 3 resends JWT f2 but is not marked same-jwt")
	}
	if TimelineSVG(CaseResult{}, "") != "" {
		t.Error("a case without attempts drew a timeline")
	}
}

// Bad evidence (non-finite numbers, negative offsets, absurd Retry-After
// values, thousands of attempts) must neither panic nor draw garbage.
func TestTimelineSurvivesBadEvidence(t *testing.T) {
	c := CaseResult{Case: Case{ID: "x"}, Class: Fail}
	for i := 0; i < 2500; i++ {
		c.Timeline = append(c.Timeline, Attempt{Seq: i + 1, OffsetMs: float64(i), GapMs: 1, Method: "GET", Route: "/r", Status: 429, RetryAfter: "1"})
	}
	c.Timeline[1].OffsetMs = math.NaN()
	c.Timeline[2].OffsetMs = -50
	c.Timeline[3].GapMs = math.Inf(1)
	c.Timeline[4].RetryAfter = "99999999999999999999"
	c.Timeline[5].RetryAfter = "Wed, 21 Oct 2015 07:28:00 GMT"
	c.Timeline[6].RetryAfter = "soon"
	s := &Summary{Run: Run{DurationMs: math.Inf(1), Start: "not a time"}, Cases: []CaseResult{c}}
	dir := t.TempDir()
	if err := WriteAll(dir, s, types.Report{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if strings.Contains(page, "NaN") || strings.Contains(page, "+Inf") {
		t.Error("non-finite numbers reached report.html")
	}
	if n := strings.Count(page, `<g class="attempt`); n != maxDrawn {
		t.Errorf("drew %d attempts, want the first %d", n, maxDrawn)
	}
	if !strings.Contains(page, "1500 more attempts, all listed in summary.json") {
		t.Error("the attempt table does not say how many rows it left out")
	}
	if _, err := Load(filepath.Join(dir, SummaryJSONFile)); err != nil {
		t.Errorf("summary.json of bad evidence does not load: %v", err)
	}
}
