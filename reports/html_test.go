package reports

import (
	"regexp"
	"strings"
	"testing"
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
