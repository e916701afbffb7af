package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// The report is opened in a real browser: headless Chromium (Debian's chromium
// package; .ci/run installs it). Each run is bounded so a wedged browser can
// never hang the tests.

const chromiumPath = "/usr/bin/chromium"

func chromium(t *testing.T, userData string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--user-data-dir=" + userData,
		"--enable-logging=stderr", "--v=0"}
	cmd := exec.CommandContext(ctx, chromiumPath, append(base, args...)...)
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish within 90s (%v); stderr:\n%s", ctx.Err(), tail(errb.String()))
	}
	if err != nil {
		t.Fatalf("chromium %v failed: %v\n%s", args, err, tail(errb.String()))
	}
	return out.String(), errb.String()
}

func tail(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("KNOXCONFORM_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is absent and KNOXCONFORM_REQUIRE_BROWSER is set: install Debian's chromium package", chromiumPath)
		}
		t.Skipf("%s is absent: install Debian's chromium package (apt-get install chromium) to run the browser test", chromiumPath)
	}
}

// failingSummary is a NOT CONFORMANT run: the sample without its ERROR case.
func failingSummary() *Summary {
	s := sampleSummary()
	var keep []CaseResult
	for _, c := range s.Cases {
		if c.Class != Error {
			keep = append(keep, c)
		}
	}
	s.Cases = keep
	Finalize(s)
	return s
}

var jsErrorsAttr = regexp.MustCompile(`<html[^>]*\sdata-js-errors="([^"]*)"`)

func TestReportInBrowser(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	if err := WriteAll(dir, failingSummary(), types.Report{}); err != nil {
		t.Fatal(err)
	}
	page := "file://" + filepath.Join(dir, HTMLFile)
	dom, stderr := chromium(t, filepath.Join(dir, "profile"), "--dump-dom", page)

	m := jsErrorsAttr.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the dumped DOM has no data-js-errors attribute on <html>:\n%s", tail(dom))
	}
	if m[1] != "" {
		t.Errorf("the page raised script errors: %q", m[1])
	}
	if strings.Contains(stderr, "Uncaught") {
		t.Errorf("chromium logged an uncaught exception:\n%s", tail(stderr))
	}
	if !strings.Contains(dom, `data-ready="1"`) {
		t.Error("the filter script did not run to its end")
	}
	if !strings.Contains(dom, `data-verdict="NOT CONFORMANT"`) {
		t.Error("the verdict banner is not in the rendered DOM")
	}
	i := strings.Index(dom, `<svg class="timeline" data-case="ratelimit/429/retry-after-seconds"`)
	if i < 0 {
		t.Fatal("the failing case's timeline <svg> is not in the rendered DOM")
	}
	svg := dom[i : i+strings.Index(dom[i:], "</svg>")]
	if n := strings.Count(svg, `class="attempt`); n != 3 {
		t.Errorf("the failing timeline renders %d attempt markers, want 3", n)
	}
	if !strings.Contains(svg, "gap-bad") {
		t.Error("the offending gap is not marked in the rendered timeline")
	}

	shot := filepath.Join(dir, "report.png")
	chromium(t, filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars", page)
	checkScreenshot(t, shot)
	if keep := os.Getenv("KNOXCONFORM_KEEP_SCREENSHOT"); keep != "" {
		// For a person to look at: go test -run Browser with this set to a path.
		if b, err := os.ReadFile(shot); err == nil {
			os.WriteFile(keep, b, 0o644)
		}
	}
}

// checkScreenshot decodes the PNG and demands a picture: varied pixels, and
// the red NOT CONFORMANT banner at the top.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 1000 {
		t.Fatalf("screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
	}
	var sum, sq, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			sum += l
			sq += l * l
			n++
		}
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if sd < 15 {
		t.Errorf("the screenshot looks blank: luminance standard deviation %.1f", sd)
	}
	r, g, _, _ := img.At(b.Min.X+20, b.Min.Y+20).RGBA()
	if r>>8 < 140 || g>>8 > 90 {
		t.Errorf("the top of the page is not the red NOT CONFORMANT banner (pixel r=%d g=%d)", r>>8, g>>8)
	}
}

// The error probe must work, or an empty data-js-errors proves nothing.
func TestBrowserErrorProbeCatchesErrors(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	b, err := HTML(failingSummary())
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), "</body>", "<script>window.noSuchFunction();</script></body>", 1)
	path := filepath.Join(dir, "broken.html")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := chromium(t, filepath.Join(dir, "profile"), "--dump-dom", "file://"+path)
	m := jsErrorsAttr.FindStringSubmatch(dom)
	if m == nil || !strings.Contains(m[1], "noSuchFunction") {
		t.Errorf("a script error was not recorded in data-js-errors (got %q)", m)
	}
}

// denseSummary is a run whose timelines crowd every kind of label: attempts
// a few ms apart answered 400 · 4002250, re-signs and resent JWTs, Retry-After
// windows opened every few ms, a token refresh, socket faults, and a hot loop
// of identical answers. The layout must keep every label clear of the others.
func denseSummary() *Summary {
	s := failingSummary()
	var tl []Attempt
	seq := 0
	add := func(off float64, route string, status int, code string, a Attempt) {
		seq++
		a.Seq, a.OffsetMs, a.Method, a.Route, a.Status, a.Code = seq, off, "GET", route, status, code
		a.GapMs, a.ConnID = -1, 1
		tl = append(tl, a)
	}
	const token, list = "/ams/v1/users/accesstoken", "/kcs/v1/kme/devices/list"
	for i := range 8 {
		note := ""
		switch i % 4 {
		case 1:
			note = "re-sign"
		case 2:
			note = "same-jwt"
		case 3:
			note = "refresh"
		}
		add(float64(i)*3, token, 400, "4002250", Attempt{Injected: true, Note: note, JTI: fmt.Sprintf("jti-%d", i%3)})
	}
	for i := range 10 {
		add(40+float64(i)*7, list, 429, "429", Attempt{Injected: true, RetryAfter: "1"})
	}
	add(112, list, 0, "", Attempt{Fault: "reset"})
	add(114, list, 0, "", Attempt{Fault: "hang"})
	add(300, token, 200, "", Attempt{Note: "refresh"})
	for i := range 60 { // a hot loop
		add(400+float64(i)*0.5, list, 500, "", Attempt{})
	}
	add(1250, list, 200, "", Attempt{})
	// Long values that must wrap in the attempt table rather than widen it.
	add(1260, list+"?pageNum=0&pageSize=100&deviceType=ANDROID&orderBy=registeredTime&sort=desc", 503, "",
		Attempt{RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", Note: "same-jti", JTI: strings.Repeat("f", 64),
			JWTFingerprint: "sha256:" + strings.Repeat("a", 64), TokenFingerprint: "sha256:" + strings.Repeat("b", 64)})
	// The suite fills GapMs per route; do the same.
	last := map[string]float64{}
	for i := range tl {
		if p, ok := last[tl[i].Route]; ok {
			tl[i].GapMs = tl[i].OffsetMs - p
		}
		last[tl[i].Route] = tl[i].OffsetMs
	}
	dense := CaseResult{
		Case: Case{ID: "dense/crowded-timeline", Title: "a crowded timeline", Level: "MUST", Area: "dense",
			Requirement: "MUST wait the Retry-After window and sign a new JWT after 4002250."},
		Class:    Fail,
		Checks:   []Check{{Name: "waited Retry-After before the next attempt", Level: "MUST", Expected: "≥ 1000 ms", Actual: "7 ms"}},
		Timeline: tl,
		Outcome:  &Outcome{OK: true},
		Rerun:    "knoxconform run --target ./adapter --cases 'dense/crowded-timeline' --seed 424242",
	}
	s.Cases = append(s.Cases, dense)
	Finalize(s)
	return s
}

// measureScript runs in the page after its own script. For every timeline it
// takes the rendered box of every text (the numbers inside markers aside:
// they sit in their marker by design) and of every marker, and records each
// pair that overlaps, plus how many it checked; for every attempt table, its
// overflow past its container. Results go into attributes of <html>, which
// --dump-dom shows.
const measureScript = `<script>
(function () {
  var overlaps = [], texts = 0, markers = 0, overflow = [];
  function hit(a, b) { return a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5; }
  Array.prototype.forEach.call(document.querySelectorAll("svg.timeline"), function (svg) {
    var details = svg.closest("details"); if (details) { details.open = true; }
    var ts = Array.prototype.filter.call(svg.querySelectorAll("text"), function (t) {
      return !t.classList.contains("seq") && t.textContent.trim() !== "";
    });
    var boxes = ts.map(function (t) { return t.getBoundingClientRect(); });
    texts += ts.length;
    for (var i = 0; i < ts.length; i++) {
      for (var j = i + 1; j < ts.length; j++) {
        if (hit(boxes[i], boxes[j])) { overlaps.push(svg.getAttribute("data-case") + ": text '" + ts[i].textContent + "' / '" + ts[j].textContent + "'"); }
      }
    }
    var ms = Array.prototype.map.call(svg.querySelectorAll("g.attempt"), function (g) {
      var outer = g.querySelector(".marker-ring") || g.querySelector(".marker");
      if (!outer) { return null; }
      var r = outer.getBoundingClientRect();
      return { seq: g.getAttribute("data-seq"), x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2, r: r.width / 2, box: r };
    }).filter(Boolean);
    markers += ms.length;
    for (var i = 0; i < ms.length; i++) {
      for (var j = i + 1; j < ms.length; j++) {
        var dx = ms[i].x - ms[j].x, dy = ms[i].y - ms[j].y;
        if (Math.sqrt(dx * dx + dy * dy) < ms[i].r + ms[j].r - 0.5) { overlaps.push(svg.getAttribute("data-case") + ": markers #" + ms[i].seq + " / #" + ms[j].seq); }
      }
      for (var k = 0; k < ts.length; k++) {
        if (hit(ms[i].box, boxes[k])) { overlaps.push(svg.getAttribute("data-case") + ": marker #" + ms[i].seq + " / text '" + ts[k].textContent + "'"); }
      }
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (t) {
    var d = t.closest("details"); if (d) { d.open = true; }
    var box = (t.closest(".tablewrap") || t.parentElement).getBoundingClientRect();
    var r = t.getBoundingClientRect();
    if (r.width > 0 && r.right > box.right + 0.5) { overflow.push((t.className || "table") + " in " + (d ? d.id : "page") + " by " + Math.round(r.right - box.right) + "px"); }
  });
  var root = document.documentElement;
  root.setAttribute("data-overlaps", JSON.stringify(overlaps));
  root.setAttribute("data-texts", String(texts));
  root.setAttribute("data-markers", String(markers));
  root.setAttribute("data-overflow", JSON.stringify(overflow));
})();
</script>`

var (
	overlapsAttr = regexp.MustCompile(`<html[^>]*\sdata-overlaps="([^"]*)"`)
	textsAttr    = regexp.MustCompile(`<html[^>]*\sdata-texts="(\d+)"`)
	markersAttr  = regexp.MustCompile(`<html[^>]*\sdata-markers="(\d+)"`)
	overflowAttr = regexp.MustCompile(`<html[^>]*\sdata-overflow="([^"]*)"`)
)

// measure renders page (with measureScript) at 1400 px and returns the overlaps
// and overflows found and how many texts and markers were checked.
func measure(t *testing.T, dir, name, page string) (overlaps, overflow []string, texts, markers int) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Replace(page, "</body>", measureScript+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := chromium(t, filepath.Join(dir, "profile"), "--window-size=1400,1000", "--dump-dom", "file://"+path)
	get := func(re *regexp.Regexp) string {
		m := re.FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("the measuring script left no %s on <html>; the DOM ends:\n%s", re, tail(dom))
		}
		return html.UnescapeString(m[1])
	}
	if err := json.Unmarshal([]byte(get(overlapsAttr)), &overlaps); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(get(overflowAttr)), &overflow); err != nil {
		t.Fatal(err)
	}
	texts, _ = strconv.Atoi(get(textsAttr))
	markers, _ = strconv.Atoi(get(markersAttr))
	return overlaps, overflow, texts, markers
}

func TestTimelineLabelsAndMarkersDoNotOverlapInBrowser(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	s := denseSummary()
	b, err := HTML(s)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	overlaps, overflow, texts, markers := measure(t, dir, "dense.html", page)
	if texts < 100 || markers < 30 {
		t.Fatalf("measured only %d texts and %d markers: the dense timeline did not render", texts, markers)
	}
	for _, o := range overlaps {
		t.Errorf("overlap in the rendered timeline: %s", o)
	}
	for _, o := range overflow {
		t.Errorf("a table is wider than the page at 1400 px (its last column is cut): %s", o)
	}
	// The labels that matter most were given room, not dropped.
	for _, want := range []string{"Retry-After: 1 (#", "400 · 4002250", "same JWT resent", "re-signed"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dense timeline lost every %q label", want)
		}
	}

	// The measurement can fail: a copy of a label laid over itself is caught.
	i := strings.Index(page, `<text class="lbl lbl-status"`)
	j := i + strings.Index(page[i:], "</text>") + len("</text>")
	twice := page[:j] + page[i:j] + page[j:]
	if overlaps, _, _, _ := measure(t, dir, "twice.html", twice); len(overlaps) == 0 {
		t.Error("a label drawn twice at the same place was not reported as an overlap: the check is blind")
	}
}

func TestFragmentOpensItsCaseAndFailuresComeFirst(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	s := failingSummary()
	if err := WriteAll(dir, s, types.Report{}); err != nil {
		t.Fatal(err)
	}
	var pass string
	for _, c := range s.Cases {
		if c.Class == Pass {
			pass = c.ID
		}
	}
	if pass == "" {
		t.Fatal("the sample has no passing case, which starts closed")
	}
	detailsTag := func(dom, id string) string {
		i := strings.Index(dom, `id="case-`+id+`"`)
		if i < 0 {
			t.Fatalf("no details element for %s in the DOM", id)
		}
		start := strings.LastIndex(dom[:i], "<details")
		return dom[start : i+strings.Index(dom[i:], ">")+1]
	}
	page := "file://" + filepath.Join(dir, HTMLFile)
	closed, _ := chromium(t, filepath.Join(dir, "profile"), "--dump-dom", page)
	if strings.Contains(detailsTag(closed, pass), " open") {
		t.Fatalf("the passing case %s is open without a fragment, so the test proves nothing", pass)
	}
	dom, _ := chromium(t, filepath.Join(dir, "profile"), "--dump-dom", page+"#case-"+pass)
	if tag := detailsTag(dom, pass); !strings.Contains(tag, " open") {
		t.Errorf("#case-%s did not open its case: %s", pass, tag)
	}

	// Failures first: every failing case precedes every other in the page.
	lastFailing, firstOther := -1, len(dom)
	for _, c := range s.Cases {
		at := strings.Index(dom, `id="case-`+c.ID+`"`)
		if failing(c.Class, s.Run.Strict) || c.Class == NonStrict {
			lastFailing = max(lastFailing, at)
		} else {
			firstOther = min(firstOther, at)
		}
	}
	if lastFailing < 0 || lastFailing > firstOther {
		t.Errorf("failing cases are not listed before the others (last failing at %d, first other at %d)", lastFailing, firstOther)
	}
}
