package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
)

// observed is one observe run in a test: its exit status, console output and
// summary.json.
type observed struct {
	code   int
	out    string
	report *reports.Summary
	dir    string
}

func (o observed) class(t *testing.T, idPrefix string) reports.CaseResult {
	t.Helper()
	for _, c := range o.report.Cases {
		if strings.HasPrefix(c.ID, idPrefix) {
			return c
		}
	}
	t.Fatalf("no case %s* in the report; console:\n%s", idPrefix, o.out)
	return reports.CaseResult{}
}

func observeRun(t *testing.T, cfg Config) observed {
	t.Helper()
	if cfg.ReportDir == "" {
		cfg.ReportDir = t.TempDir()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Minute
	}
	var out bytes.Buffer
	code := Run(context.Background(), cfg, &out, &out)
	o := observed{code: code, out: out.String(), dir: cfg.ReportDir}
	if s, err := reports.Load(filepath.Join(cfg.ReportDir, reports.SummaryJSONFile)); err == nil {
		o.report = s
	}
	return o
}

func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: the observed test clients are Node scripts")
	}
	return node
}

// The correct client meets every fault class and is judged CONFORMANT; its
// own exit status (1: it reports the injected 400 as a failed call, as it
// should) is recorded and shown, not judged.
func TestObserveCorrectNodeClient(t *testing.T) {
	t.Parallel()
	node := needNode(t)
	configFile := filepath.Join(t.TempDir(), "knox.json")
	o := observeRun(t, Config{Command: []string{node, "testdata/knox-client.js", "correct", "18"}, Seed: 11, ConfigFile: configFile})
	if o.code != 0 || o.report == nil || o.report.Verdict != reports.VerdictConformant {
		t.Fatalf("exit %d, want 0 (CONFORMANT); console:\n%s", o.code, o.out)
	}
	for _, c := range o.report.Cases {
		if c.Class != reports.Pass {
			t.Errorf("%s is %s (%s), want PASS", c.ID, c.Class, c.Reason)
		}
		if strings.HasPrefix(c.ID, "observe/run/") {
			continue
		}
		if len(c.Timeline) == 0 || !c.Timeline[0].Injected {
			t.Errorf("%s: the timeline does not start with the injected fault: %+v", c.ID, c.Timeline)
		}
	}
	if n := len(o.report.Cases); n != len(Classes())+len(runWide(knoxtest.Credentials{})) {
		t.Errorf("%d cases, want one per class and per run-wide rule", n)
	}
	cmd := o.report.Run.Command
	if cmd == nil || cmd.ExitStatus != 1 || !strings.Contains(cmd.OutputTail, "17 of 18 calls succeeded") {
		t.Errorf("the command's end is not recorded: %+v", cmd)
	}
	if !strings.Contains(o.out, "exited with status 1") || !strings.Contains(o.out, "seed 11") {
		t.Errorf("the console does not show the exit status and the seed:\n%s", o.out)
	}
	for _, f := range []string{reports.JUnitFile, reports.HTMLFile, reports.MarkdownFile, PlanFile} {
		if _, err := os.Stat(filepath.Join(o.dir, f)); err != nil {
			t.Errorf("artifact %s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(o.dir, reports.MarkdownFile))
	if !strings.Contains(string(md), "exited with status **1**") {
		t.Errorf("summary.md does not show the command's exit status:\n%s", md)
	}
	html, _ := os.ReadFile(filepath.Join(o.dir, reports.HTMLFile))
	if !strings.Contains(string(html), `id="observed-command"`) {
		t.Error("report.html does not show the observed command")
	}
	// No credential handed to the command reaches an artifact.
	var handed settings
	raw, err := os.ReadFile(configFile)
	if err != nil || json.Unmarshal(raw, &handed) != nil || handed.Credentials.SAClientSecret == "" {
		t.Fatalf("the config file %s: %v", configFile, err)
	}
	secrets := []string{handed.Credentials.SAClientSecret, handed.SAAuthCode}
	for _, f := range []string{reports.SummaryJSONFile, reports.JUnitFile, reports.HTMLFile, reports.MarkdownFile, PlanFile} {
		b, _ := os.ReadFile(filepath.Join(o.dir, f))
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s holds a credential handed to the command", f)
			}
		}
	}
}

// Each broken client is caught by the fault its bug meets, with exit status 1.
func TestObserveBrokenNodeClients(t *testing.T) {
	node := needNode(t)
	for _, tc := range []struct {
		mode, faults, caught string
		class                reports.Class
		strict               bool
	}{
		{"retries-400", "validation", "observe/validation/", reports.Fail, false},
		{"ignores-retry-after", "ratelimit", "observe/ratelimit/", reports.Fail, false},
		{"no-refresh", "refresh", "observe/refresh/", reports.Fail, false},
		{"reuses-jti", "resign", "observe/resign/", reports.Fail, false},
		{"reuses-jti", "validation", "observe/run/fresh-jti", reports.Fail, false},
		{"token-per-call", "validation", "observe/run/token-reuse", reports.NonStrict, true},
	} {
		t.Run(tc.mode+"/"+tc.faults, func(t *testing.T) {
			t.Parallel()
			o := observeRun(t, Config{Command: []string{node, "testdata/knox-client.js", tc.mode, "6"},
				Seed: 5, Faults: []string{tc.faults}, Strict: tc.strict})
			if o.report == nil {
				t.Fatalf("no summary.json; exit %d, console:\n%s", o.code, o.out)
			}
			c := o.class(t, tc.caught)
			if c.Class != tc.class {
				t.Errorf("%s is %s, want %s; console:\n%s", c.ID, c.Class, tc.class, o.out)
			}
			if o.code != 1 || o.report.Verdict != reports.VerdictNotConformant {
				t.Errorf("exit %d, verdict %s; want 1, NOT CONFORMANT", o.code, o.report.Verdict)
			}
		})
	}
}

// A shell script that leaves retries to curl resends the same request after
// any error: the same JWT after 4002250, the same call after a 400.
func TestObserveShellCurlClient(t *testing.T) {
	needNode(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not on PATH")
	}
	for _, tc := range []struct{ faults, caught, actual string }{
		{"resign", "observe/resign/token-1", "resent the exact JWT"},
		{"validation", "observe/validation/", "2 requests to GET /kcs/v1/kme/devices/list"},
	} {
		t.Run(tc.faults, func(t *testing.T) {
			t.Parallel()
			o := observeRun(t, Config{Command: []string{sh, "testdata/curl-client.sh", "3"}, Seed: 2, Faults: []string{tc.faults}})
			if o.report == nil || o.code != 1 {
				t.Fatalf("exit %d, want 1; console:\n%s", o.code, o.out)
			}
			c := o.class(t, tc.caught)
			if c.Class != reports.Fail || !strings.Contains(o.out, tc.actual) {
				t.Errorf("%s is %s; want FAIL saying %q; console:\n%s", c.ID, c.Class, tc.actual, o.out)
			}
		})
	}
}

// A command that sends nothing met no fault: nothing is PASS, exit 3.
func TestObserveCommandThatSendsNothing(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	// The script proves the environment and config file are there, then exits.
	script := `test -n "$KNOX_BASE_URL" && test -r "$KNOX_KEYS_FILE" && test -n "$KNOX_CLIENT_IDENTIFIER" && grep -q knoxBaseURL "$KNOX_CONFIG_FILE" && exit 7`
	o := observeRun(t, Config{Command: []string{sh, "-c", script}, Seed: 1})
	if o.code != 3 || o.report == nil || o.report.Verdict != reports.VerdictNoCases {
		t.Fatalf("exit %d, want 3 (NO CASES RAN); console:\n%s", o.code, o.out)
	}
	for _, c := range o.report.Cases {
		if c.Class != reports.Unsupported || !strings.HasPrefix(c.Reason, notExercised) {
			t.Errorf("%s is %s (%q); want UNSUPPORTED, not exercised", c.ID, c.Class, c.Reason)
		}
	}
	if cmd := o.report.Run.Command; cmd == nil || cmd.ExitStatus != 7 {
		t.Errorf("exit status 7 (the environment was complete) not recorded: %+v", cmd)
	}
}

// A passing run-wide rule does not make a run that met no fault CONFORMANT,
// but a failing one still fails it.
func TestObserveRunWideFailureWithoutFaults(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not on PATH")
	}
	// The client secret in a URL query, a classic leak.
	script := `curl -s -o /dev/null -H 'Accept: application/json' "$KNOX_SA_TOKEN_URL?client_secret=$KNOX_SA_CLIENT_SECRET"`
	o := observeRun(t, Config{Command: []string{sh, "-c", script}, Seed: 1})
	if o.code != 1 {
		t.Fatalf("exit %d, want 1; console:\n%s", o.code, o.out)
	}
	if c := o.class(t, "observe/run/secrets"); c.Class != reports.Fail {
		t.Errorf("secrets is %s, want FAIL", c.Class)
	}
	if c := o.class(t, "observe/run/accept"); c.Class != reports.Unsupported {
		t.Errorf("accept is %s, want UNSUPPORTED (no fault met)", c.Class)
	}
}

func TestObserveHarnessErrors(t *testing.T) {
	t.Parallel()
	o := observeRun(t, Config{Command: []string{filepath.Join(t.TempDir(), "no-such-command")}, Seed: 1})
	if o.code != 2 || o.report == nil || !strings.Contains(o.report.Run.HarnessError, "did not start") {
		t.Errorf("a missing command: exit %d, report %+v; want 2 and a harness error", o.code, o.report)
	}
	if o := observeRun(t, Config{}); o.code != 2 || !strings.Contains(o.out, "no COMMAND") {
		t.Errorf("no command: exit %d, %q", o.code, o.out)
	}
	if o := observeRun(t, Config{Command: []string{"true"}, PlanFile: "x.json", Seed: 3}); o.code != 2 || !strings.Contains(o.out, "leave out --seed") {
		t.Errorf("--plan with --seed: exit %d, %q", o.code, o.out)
	}
	if o := observeRun(t, Config{Command: []string{"true"}, Faults: []string{"bogus"}}); o.code != 2 || !strings.Contains(o.out, "unknown fault class") {
		t.Errorf("--faults bogus: exit %d, %q", o.code, o.out)
	}
}

// A command that outlives --timeout is stopped with everything it started.
func TestObserveTimeoutStopsTheCommand(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	start := time.Now()
	o := observeRun(t, Config{Command: []string{sh, "-c", "sleep 30 & sleep 30"}, Seed: 1, Timeout: 300 * time.Millisecond})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("observe took %s with a 300ms --timeout", took)
	}
	if o.report == nil || o.report.Run.Command == nil || !strings.Contains(o.report.Run.Command.Note, "--timeout") {
		t.Fatalf("the timeout is not recorded; console:\n%s", o.out)
	}
}

// A plan written by one run, given back with --plan, places the same faults.
func TestObservePlanFileRepeatsARun(t *testing.T) {
	t.Parallel()
	node := needNode(t)
	first := observeRun(t, Config{Command: []string{node, "testdata/knox-client.js", "correct", "4"}, Seed: 77, Faults: []string{"validation,server"}})
	again := observeRun(t, Config{Command: []string{node, "testdata/knox-client.js", "correct", "4"}, PlanFile: filepath.Join(first.dir, PlanFile)})
	if first.report == nil || again.report == nil {
		t.Fatalf("no reports:\n%s\n%s", first.out, again.out)
	}
	ids := func(s *reports.Summary) (out []string) {
		for _, c := range s.Cases {
			out = append(out, c.ID+"="+string(c.Class))
		}
		return out
	}
	a, b := ids(first.report), ids(again.report)
	if strings.Join(a, " ") != strings.Join(b, " ") || again.report.Run.Seed != 77 {
		t.Errorf("the repeated run differs:\n%v\n%v", a, b)
	}
	var p Plan
	raw, _ := os.ReadFile(filepath.Join(first.dir, PlanFile))
	if err := json.Unmarshal(raw, &p); err != nil || p.Seed != 77 {
		t.Errorf("%s: %v %+v", PlanFile, err, p)
	}
}

// With --tls the command gets the CA file, and a client that uses it reaches
// the server.
func TestObserveTLSHandsTheCAFile(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not on PATH")
	}
	script := `case "$KNOX_BASE_URL" in https://*) ;; *) exit 9;; esac
curl -s --cacert "$KNOX_CA_FILE" -o /dev/null -w 'status %{http_code}\n' -H 'Accept: application/json' "$KNOX_BASE_URL/kcs/v1/kme/devices/list"`
	o := observeRun(t, Config{Command: []string{sh, "-c", script}, Seed: 1, TLS: true})
	if o.report == nil || o.report.Run.Command == nil {
		t.Fatalf("no report; console:\n%s", o.out)
	}
	if c := o.report.Run.Command; c.ExitStatus != 0 || !strings.Contains(c.OutputTail, "status 401") {
		t.Errorf("the command did not reach the HTTPS server with the CA file: %+v", c)
	}
}

// A command that floods the server is stopped, and what it sent is judged.
func TestObserveStopsAFlood(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not on PATH")
	}
	script := `while :; do curl -s -o /dev/null "$KNOX_BASE_URL/kcs/v1/kme/devices/list"; done`
	o := observeRun(t, Config{Command: []string{sh, "-c", script}, Seed: 1, MaxRequests: 20})
	if o.report == nil || o.report.Run.Command == nil || !strings.Contains(o.report.Run.Command.Note, "more than 20 requests") {
		t.Fatalf("the flood was not stopped and recorded; console:\n%s", o.out)
	}
	if c := o.class(t, "observe/run/accept"); c.Class != reports.NonStrict {
		t.Errorf("requests without Accept: %s, want NON-STRICT", c.Class)
	}
}

// A Python client with another retry strategy (decorrelated jitter) passes
// too; its shortcut on 429 is caught.
func TestObservePythonClient(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	if err := exec.Command(py, "-c", "import cryptography").Run(); err != nil {
		t.Skip("python3 lacks the cryptography package (Debian: python3-cryptography)")
	}
	t.Run("correct", func(t *testing.T) {
		t.Parallel()
		o := observeRun(t, Config{Command: []string{py, "testdata/knox_client.py", "correct", "18"}, Seed: 11})
		if o.code != 0 || o.report == nil {
			t.Fatalf("exit %d, want 0; console:\n%s", o.code, o.out)
		}
		for _, c := range o.report.Cases {
			if c.Class != reports.Pass {
				t.Errorf("%s is %s (%s), want PASS", c.ID, c.Class, c.Reason)
			}
		}
	})
	t.Run("fixed-delay-429", func(t *testing.T) {
		t.Parallel()
		o := observeRun(t, Config{Command: []string{py, "testdata/knox_client.py", "fixed-delay-429", "5"}, Seed: 11, Faults: []string{"ratelimit"}})
		if o.report == nil || o.code != 1 {
			t.Fatalf("exit %d, want 1; console:\n%s", o.code, o.out)
		}
		if c := o.class(t, "observe/ratelimit/"); c.Class != reports.Fail {
			t.Errorf("%s is %s, want FAIL", c.ID, c.Class)
		}
	})
}
