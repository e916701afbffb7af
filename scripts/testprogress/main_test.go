package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// feed runs the printer over events with a clock the test moves.
func TestProgressLines(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	p := newPrinter(&out, func() time.Time { return clock })
	in := strings.Join([]string{
		`{"Action":"start","Package":"m/a"}`,
		`{"Action":"start","Package":"m/slow"}`,
		`{"Action":"run","Package":"m/slow","Test":"TestKillMatrix"}`,
		`{"Action":"run","Package":"m/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"m/a","Test":"TestOK","Output":"noise that passing tests keep to themselves\n"}`,
		`{"Action":"pass","Package":"m/a","Test":"TestOK","Elapsed":0.01}`,
		`{"Action":"run","Package":"m/a","Test":"TestBad"}`,
		`{"Action":"output","Package":"m/a","Test":"TestBad","Output":"    a_test.go:9: want 1, got 2\n"}`,
		`{"Action":"fail","Package":"m/a","Test":"TestBad","Elapsed":0.02}`,
		`{"Action":"fail","Package":"m/a","Elapsed":0.5}`,
		`not json from go itself`,
	}, "\n")
	p.read(strings.NewReader(in))

	clock = clock.Add(10 * time.Second)
	p.tick() // not quiet long enough
	if strings.Contains(out.String(), "still running") {
		t.Errorf("a heartbeat before %s of quiet:\n%s", heartbeat, out.String())
	}
	clock = clock.Add(heartbeat)
	p.tick()
	p.read(strings.NewReader(`{"Action":"pass","Package":"m/slow","Test":"TestKillMatrix/retries-400","Elapsed":12.3}` + "\n" +
		`{"Action":"pass","Package":"m/slow","Elapsed":42}`))
	p.finish()

	got := out.String()
	for _, want := range []string{
		"--- FAIL m/a TestBad (20ms)\n        a_test.go:9: want 1, got 2\n",
		"FAIL  m/a (500ms)\n",
		"not json from go itself\n",
		"… still running: m/slow 40s [TestKillMatrix 40s]\n",
		"  ok  m/slow TestKillMatrix/retries-400 (12.3s)\n",
		"ok    m/slow (42s)\n",
		"1 package(s) failed: m/a\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "noise") {
		t.Errorf("a passing test's output was printed:\n%s", got)
	}
}
