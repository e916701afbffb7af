package reports

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
