package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/conformance"
	"github.com/knoxconform/knoxconform/fixtures/clients/mutants"
	"github.com/knoxconform/knoxconform/fixtures/clients/reference/adapter"
	"github.com/knoxconform/knoxconform/fixtures/clients/reference/knoxclient"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// Ginkgo allows one RunSpecs per process, so the whole suite runs in a child
// process: this test binary again, with workerEnv naming the client to judge
// ("reference" or a mutant's name) and reportEnv the report directory.
const (
	workerEnv = "KNOXCONFORM_TEST_CLIENT"
	reportEnv = "KNOXCONFORM_TEST_REPORT_DIR"
	focusEnv  = "KNOXCONFORM_TEST_CASES"
	// strictEnv and expectedEnv ("id=reason,…") set Strict and ExpectedFailures.
	strictEnv   = "KNOXCONFORM_TEST_STRICT"
	expectedEnv = "KNOXCONFORM_TEST_EXPECTED"
	// brokenTarget names a target command that does not exist.
	brokenTarget = "broken-target"
	// limitedAdapter names an adapter that supports two operations and fails both.
	limitedAdapter = "limited-adapter"
	// crashingAdapter names an adapter process that exits on every invoke.
	crashingAdapter = "crashing-adapter"
	// adapterEnv makes this test binary serve the adapter protocol on stdio.
	adapterEnv = "KNOXCONFORM_TEST_ADAPTER"
)

// TestSuiteWorker is the child: it is skipped unless started by runSuite.
func TestSuiteWorker(t *testing.T) {
	name := os.Getenv(workerEnv)
	if name == "" {
		t.Skip("runs only as the child process of TestReferenceClientConforms")
	}
	opts := conformance.Options{
		ReportDir:      os.Getenv(reportEnv),
		RequestTimeout: 15 * time.Second,
		Run:            reports.Run{Knoxconform: "test", Target: "in-process " + name},
	}
	opts.Strict = os.Getenv(strictEnv) != ""
	if list := os.Getenv(expectedEnv); list != "" {
		opts.ExpectedFailures = map[string]string{}
		for _, item := range strings.Split(list, ",") {
			id, reason, _ := strings.Cut(item, "=")
			opts.ExpectedFailures[id] = reason
		}
	}
	var q knoxclient.Quirks
	switch {
	case name == brokenTarget:
		opts.Target = filepath.Join(t.TempDir(), "no-such-adapter")
	case name == limitedAdapter:
		opts.InProcess = limited{}
	case name == v1Adapter:
		opts.InProcess = v1Only{adapter.New(knoxclient.Quirks{}, v1Adapter)}
	case name == crashingAdapter:
		// This test binary again, as an adapter process that dies on invoke.
		t.Setenv(adapterEnv, "crash")
		opts.Target = os.Args[0] + " -test.run=^TestAdapterProcess$"
	case name != "reference":
		m, ok := mutants.Lookup(name)
		if !ok {
			t.Fatalf("%s=%q: no such mutant", workerEnv, name)
		}
		q = m.Quirks
	}
	if opts.Target == "" && opts.InProcess == nil {
		opts.InProcess = adapter.New(q, name)
	}
	gomega.RegisterFailHandler(ginkgo.Fail)
	conformance.Register(opts)
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	if glob := os.Getenv(focusEnv); glob != "" {
		focus, err := conformance.FocusForGlob(glob)
		if err != nil {
			t.Fatal(err)
		}
		suiteConfig.FocusStrings = []string{focus}
	}
	reporterConfig.Succinct = true
	ginkgo.RunSpecs(t, "knoxconform against "+name, suiteConfig, reporterConfig)
}

// runSuite runs the suite against client in a child process and returns the summary.
func runSuite(t *testing.T, client, cases string, env ...string) *reports.Summary {
	t.Helper()
	dir := t.TempDir()
	// The child bounds itself (-test.timeout); the context is the backstop.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSuiteWorker$", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), workerEnv+"="+client, reportEnv+"="+dir, focusEnv+"="+cases)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	data, err := os.ReadFile(filepath.Join(dir, reports.SummaryJSONFile))
	if err != nil {
		t.Fatalf("the suite wrote no %s (child: %v):\n%s", reports.SummaryJSONFile, runErr, tailOf(out.String(), 4000))
	}
	var sum reports.Summary
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatalf("%s: %v", reports.SummaryJSONFile, err)
	}
	if testing.Verbose() {
		t.Logf("child output:\n%s", tailOf(out.String(), 3000))
	}
	return &sum
}

func tailOf(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// TestReferenceClientConforms runs every case against the reference client,
// in-process, and requires every case to PASS.
func TestReferenceClientConforms(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite (about a minute)")
	}
	sum := runSuite(t, "reference", os.Getenv(focusEnv))
	if want := len(conformance.Cases()); os.Getenv(focusEnv) == "" && len(sum.Cases) != want {
		t.Errorf("summary has %d cases, the catalogue %d", len(sum.Cases), want)
	}
	for _, c := range sum.Cases {
		if c.Class == reports.Pass {
			continue
		}
		var failed []string
		for _, ch := range c.Checks {
			if !ch.Passed {
				failed = append(failed, fmt.Sprintf("[%s] %s: expected %s; actual %s", ch.Level, ch.Name, ch.Expected, ch.Actual))
			}
		}
		t.Errorf("%s: %s %s\n  %s", c.ID, c.Class, c.Reason, strings.Join(failed, "\n  "))
	}
	if sum.Verdict != reports.VerdictConformant {
		t.Errorf("verdict %q, want %q", sum.Verdict, reports.VerdictConformant)
	}
}

// An adapter that cannot start makes every case ERROR, with the reason, and the
// reports are still written.
func TestTargetThatCannotStartMakesEveryCaseError(t *testing.T) {
	sum := runSuite(t, brokenTarget, "")
	if len(sum.Cases) != len(conformance.Cases()) {
		t.Fatalf("summary has %d cases, want all %d", len(sum.Cases), len(conformance.Cases()))
	}
	for _, c := range sum.Cases {
		if c.Class != reports.Error || !strings.Contains(c.Reason, "no-such-adapter") {
			t.Errorf("%s: %s %q, want ERROR naming the missing adapter", c.ID, c.Class, c.Reason)
		}
	}
	if sum.Run.HarnessError == "" || sum.Verdict != reports.VerdictError {
		t.Errorf("run: harnessError %q verdict %q; want the start failure and %q", sum.Run.HarnessError, sum.Verdict, reports.VerdictError)
	}
}

// limited supports only knox.accessToken (which it skips) and kme.listDevices
// (which it fails with an adapter error).
type limited struct{}

func (limited) Hello(context.Context, target.HelloParams) (target.HelloResult, error) {
	return target.HelloResult{Protocol: target.ProtocolVersion, Adapter: target.Software{Name: "limited", Version: "0"},
		Client: target.Software{Name: "none", Version: "0"}, Operations: []target.Op{target.OpAccessToken, target.OpListDevices}}, nil
}
func (limited) NewClient(context.Context, target.NewClientParams) error { return nil }
func (limited) Invoke(_ context.Context, p target.InvokeParams) (target.Outcome, error) {
	if p.Op == target.OpAccessToken {
		return target.Outcome{}, target.Skip("this client obtains tokens only implicitly")
	}
	return target.Outcome{}, errors.New("adapter bug: boom")
}
func (limited) CloseClient(context.Context, target.CloseClientParams) error { return nil }

// Operations missing from hello and skips are UNSUPPORTED; adapter errors are
// ERROR, never FAIL; neither is a verdict on the client.
func TestUnsupportedAndAdapterErrors(t *testing.T) {
	sum := runSuite(t, limitedAdapter, "")
	byID := map[string]reports.CaseResult{}
	for _, c := range sum.Cases {
		byID[c.ID] = c
		if c.Class != reports.Unsupported && c.Class != reports.Error {
			t.Errorf("%s: %s, want UNSUPPORTED or ERROR", c.ID, c.Class)
		}
	}
	want := map[string]struct {
		class  reports.Class
		reason string
	}{
		"sa/AUT_1001/no-retry": {reports.Unsupported, "sa.exchangeCode"},
		"knox/4002250/resign":  {reports.Unsupported, "obtains tokens only implicitly"},
		"http/400/no-retry":    {reports.Error, "boom"},
		"token/single-flight":  {reports.Unsupported, "concurrency"},
		"knox/4032251/refresh": {reports.Error, "boom"},
	}
	for id, w := range want {
		c := byID[id]
		if c.Class != w.class || !strings.Contains(c.Reason, w.reason) {
			t.Errorf("%s: %s %q, want %s mentioning %q", id, c.Class, c.Reason, w.class, w.reason)
		}
	}
	if sum.Verdict != reports.VerdictError {
		t.Errorf("verdict %q, want %q", sum.Verdict, reports.VerdictError)
	}
}

// TestAdapterProcess is the crashing adapter's process: skipped unless started
// by the suite with adapterEnv set.
func TestAdapterProcess(t *testing.T) {
	if os.Getenv(adapterEnv) != "crash" {
		t.Skip("runs only as an adapter process of TestCrashingAdapterIsErrorNotFail")
	}
	target.ServeStdio(crashing{})
	os.Exit(0)
}

// crashing supports kme.listDevices and dies whenever asked to perform it.
type crashing struct{ limited }

func (crashing) Hello(context.Context, target.HelloParams) (target.HelloResult, error) {
	return target.HelloResult{Protocol: target.ProtocolVersion, Adapter: target.Software{Name: "crashing", Version: "0"},
		Client: target.Software{Name: "none", Version: "0"}, Operations: []target.Op{target.OpListDevices}}, nil
}
func (crashing) Invoke(context.Context, target.InvokeParams) (target.Outcome, error) {
	fmt.Fprintln(os.Stderr, "crashing on purpose")
	os.Exit(3)
	return target.Outcome{}, nil
}

// An adapter that dies is ERROR with its stderr attached, never FAIL; the suite
// restarts it a bounded number of times and then stops trying.
func TestCrashingAdapterIsErrorNotFail(t *testing.T) {
	if testing.Short() {
		t.Skip("starts adapter processes")
	}
	sum := runSuite(t, crashingAdapter, "http/*")
	var errs, withStderr, gaveUp int
	for _, c := range sum.Cases {
		switch c.Class {
		case reports.Error:
			errs++
			if strings.Contains(c.Stderr, "crashing on purpose") {
				withStderr++
			}
			if strings.Contains(c.Reason, "restarted") {
				gaveUp++
			}
		case reports.Unsupported:
		default:
			t.Errorf("%s: %s, want ERROR (or UNSUPPORTED)", c.ID, c.Class)
		}
	}
	if c := byID(sum, "http/422/no-retry"); c.Class != reports.Unsupported {
		t.Errorf("http/422/no-retry needs kme.deleteDevices, which the adapter lacks: %s %q, want UNSUPPORTED", c.Class, c.Reason)
	}
	if errs == 0 || withStderr == 0 || gaveUp == 0 {
		t.Errorf("%d ERROR cases, %d with the adapter's stderr, %d after the restart bound; want all non-zero", errs, withStderr, gaveUp)
	}
}

func byID(sum *reports.Summary, id string) reports.CaseResult {
	for _, c := range sum.Cases {
		if c.ID == id {
			return c
		}
	}
	return reports.CaseResult{}
}

// A failed SHOULD check is NON-STRICT: the run is conformant, unless Strict.
func TestStrictTurnsShouldFailuresIntoNonConformance(t *testing.T) {
	for _, strict := range []bool{false, true} {
		env := []string{}
		want := reports.VerdictConformant
		if strict {
			env = append(env, strictEnv+"=1")
			want = reports.VerdictNotConformant
		}
		sum := runSuite(t, "no-accept-header", "http/406/accept-header", env...)
		c := byID(sum, "http/406/accept-header")
		if c.Class != reports.NonStrict || sum.Verdict != want {
			t.Errorf("strict=%v: case %s, verdict %q; want NON-STRICT and %q", strict, c.Class, sum.Verdict, want)
		}
	}
}

// A listed failure is XFAIL and does not fail the run; a listed case that
// passes is flagged so the list shrinks.
func TestExpectedFailures(t *testing.T) {
	sum := runSuite(t, "retries-501", "http/501/no-retry,http/400/no-retry",
		expectedEnv+"=http/501/no-retry=retries 501 until v2,http/400/no-retry=")
	if c := byID(sum, "http/501/no-retry"); c.Class != reports.ExpectedFail || c.ExpectedFailure != "retries 501 until v2" {
		t.Errorf("listed failing case: %s %q, want XFAIL with the reason", c.Class, c.ExpectedFailure)
	}
	if c := byID(sum, "http/400/no-retry"); c.Class != reports.Pass || !c.UnexpectedPass {
		t.Errorf("listed passing case: %s unexpectedPass=%v, want PASS flagged as an unexpected pass", c.Class, c.UnexpectedPass)
	}
	if sum.Verdict != reports.VerdictConformant {
		t.Errorf("verdict %q, want %q: an expected failure does not fail the run", sum.Verdict, reports.VerdictConformant)
	}
}
