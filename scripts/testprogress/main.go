// Command testprogress runs `go test -json` with the given arguments and
// prints what a person waiting on `make test` wants to see while it runs:
// each package as it finishes, each test that took a while as it finishes
// (the mutant kill matrix runs for minutes), and, when nothing has finished
// for a while, which packages and tests are still running and for how long.
// A failing test's own output is printed in full; passing output is not.
// It exits with go test's status.
//
//	go run ./scripts/testprogress -count=1 -timeout 30m ./...
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Tunables of what is printed.
const (
	slowTest       = 10 * time.Second // a finished test at least this long gets a line
	heartbeat      = 30 * time.Second // quiet time after which the running work is listed
	maxOutputLines = 400              // per failing test or package; the rest is counted
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Time       time.Time
	Action     string
	Package    string
	ImportPath string // build-output events
	Test       string
	Elapsed    float64
	Output     string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := exec.Command("go", append([]string{"test", "-json"}, args...)...)
	cmd.Stderr = stderr // build errors and go's own messages, as they come
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(stderr, "testprogress: %v\n", err)
		return 2
	}
	// Ctrl-C reaches go test through the terminal's process group; keep
	// reading until it has reported and exited.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "testprogress: cannot start go test: %v\n", err)
		return 2
	}
	p := newPrinter(stdout, time.Now)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
	p.read(out)
	close(done)
	err = cmd.Wait()
	p.finish()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	fmt.Fprintf(stderr, "testprogress: go test: %v\n", err)
	return 2
}

// printer turns events into lines. Its methods are safe to call from the
// reading goroutine and the ticker at once.
type printer struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time

	started    map[string]time.Time // package → start
	tests      map[string]time.Time // "pkg test" → start
	output     map[string][]string  // "pkg test" (test "" for the package) → lines
	lastLine   time.Time
	failed     []string
	passedPkgs int
}

func newPrinter(w io.Writer, now func() time.Time) *printer {
	return &printer{w: w, now: now, started: map[string]time.Time{}, tests: map[string]time.Time{},
		output: map[string][]string{}, lastLine: now()}
}

func (p *printer) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			p.line("%s", sc.Text()) // not test2json: pass it on
			continue
		}
		p.handle(e)
	}
}

func key(pkg, test string) string { return pkg + " " + test }

func (p *printer) handle(e event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pkg := e.Package
	if pkg == "" {
		pkg = e.ImportPath
	}
	k := key(pkg, e.Test)
	switch e.Action {
	case "start":
		p.started[pkg] = p.now()
	case "run":
		p.tests[k] = p.now()
	case "output", "build-output":
		if len(p.output[k]) < maxOutputLines {
			p.output[k] = append(p.output[k], strings.TrimRight(e.Output, "\n"))
		} else if len(p.output[k]) == maxOutputLines {
			p.output[k] = append(p.output[k], "… (more output cut; run the test alone to see it)")
		}
	case "pass", "skip":
		if e.Test == "" {
			p.passedPkgs++
			if e.Action == "pass" {
				p.linef("ok    %s (%s)", pkg, secs(e.Elapsed))
			}
			p.forget(pkg)
			return
		}
		if d := time.Duration(e.Elapsed * float64(time.Second)); e.Action == "pass" && d >= slowTest {
			p.linef("  ok  %s %s (%s)", pkg, e.Test, secs(e.Elapsed))
		}
		delete(p.tests, k)
		delete(p.output, k)
	case "fail":
		if e.Test != "" {
			p.linef("--- FAIL %s %s (%s)", pkg, e.Test, secs(e.Elapsed))
			for _, l := range p.output[k] {
				p.linef("    %s", l)
			}
			delete(p.tests, k)
			delete(p.output, k)
			return
		}
		// The package: its own output (build errors, a panic outside tests).
		for _, l := range p.output[k] {
			p.linef("    %s", l)
		}
		p.linef("FAIL  %s (%s)", pkg, secs(e.Elapsed))
		p.failed = append(p.failed, pkg)
		p.forget(pkg)
	}
}

// forget drops what is kept of a finished package.
func (p *printer) forget(pkg string) {
	delete(p.started, pkg)
	for k := range p.tests {
		if strings.HasPrefix(k, pkg+" ") {
			delete(p.tests, k)
		}
	}
	for k := range p.output {
		if strings.HasPrefix(k, pkg+" ") {
			delete(p.output, k)
		}
	}
}

// tick lists the running packages (with their longest-running test) when
// nothing has been printed for a heartbeat.
func (p *printer) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if len(p.started) == 0 || now.Sub(p.lastLine) < heartbeat {
		return
	}
	pkgs := make([]string, 0, len(p.started))
	for pkg := range p.started {
		pkgs = append(pkgs, pkg)
	}
	sort.Slice(pkgs, func(i, j int) bool { return p.started[pkgs[i]].Before(p.started[pkgs[j]]) })
	var parts []string
	for _, pkg := range pkgs {
		part := fmt.Sprintf("%s %s", pkg, now.Sub(p.started[pkg]).Round(time.Second))
		longest, since := "", now
		for k, t := range p.tests {
			if strings.HasPrefix(k, pkg+" ") && t.Before(since) {
				longest, since = strings.TrimPrefix(k, pkg+" "), t
			}
		}
		if longest != "" {
			part += fmt.Sprintf(" [%s %s]", longest, now.Sub(since).Round(time.Second))
		}
		parts = append(parts, part)
	}
	p.linef("… still running: %s", strings.Join(parts, "; "))
}

func (p *printer) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.failed) > 0 {
		p.linef("%d package(s) failed: %s", len(p.failed), strings.Join(p.failed, " "))
	}
}

// linef prints a line; the caller holds mu.
func (p *printer) linef(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
	p.lastLine = p.now()
}

func (p *printer) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.linef(format, args...)
}

func secs(s float64) string {
	d := time.Duration(s * float64(time.Second))
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
