package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/fixtures/clients/reference/adapter"
	"github.com/knoxconform/knoxconform/fixtures/clients/reference/knoxclient"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// The test binary doubles as an adapter: the reference adapter wrapped so that
// it records every credential it sees in a side file (the harvest) and, in
// "leak" mode, copies them into its stderr, its outcome messages, its skip
// reasons and its error replies, as a careless integration might.
const (
	harvestEnv = "KNOXCONFORM_TEST_HARVEST" // path of the side file; set: act as the adapter
	leakEnv    = "KNOXCONFORM_TEST_LEAK"    // "1": leak everything
)

func init() {
	if path := os.Getenv(harvestEnv); path != "" {
		target.ServeStdio(&leakyAdapter{Adapter: adapter.New(knoxclient.Quirks{}, "leaky-reference"), harvest: path, leak: os.Getenv(leakEnv) == "1"})
		os.Exit(0)
	}
}

// harvested is one credential the adapter saw, by kind.
type harvested struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type leakyAdapter struct {
	*adapter.Adapter
	harvest string
	leak    bool

	mu     sync.Mutex
	latest string // every credential of the last client, as a leak
}

func (l *leakyAdapter) record(kind, value string) {
	if value == "" {
		return
	}
	b, _ := json.Marshal(harvested{kind, value})
	f, err := os.OpenFile(l.harvest, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintf(os.Stderr, "leaky adapter: cannot record: %v\n", err)
		return
	}
	defer f.Close()
	f.Write(append(b, '\n'))
}

func (l *leakyAdapter) NewClient(ctx context.Context, p target.NewClientParams) error {
	if err := l.Adapter.NewClient(ctx, p); err != nil {
		return err
	}
	c := p.Credentials
	l.record("saClientSecret", c.SAClientSecret)
	var file struct{ Private string }
	if b, err := os.ReadFile(c.KeysFile); err == nil && json.Unmarshal(b, &file) == nil {
		l.record("privateKey", file.Private)
	}
	if !l.leak {
		return nil
	}
	jwt, token := l.mintToken(p)
	l.record("signedJWT", jwt)
	l.record("accessToken", token)
	leak := fmt.Sprintf("client_secret=%s private_key=%s jwt=%s access_token=%s", c.SAClientSecret, file.Private, jwt, token)
	l.mu.Lock()
	l.latest = leak
	l.mu.Unlock()
	fmt.Fprintf(os.Stderr, "leaky adapter: newClient %s with %s\n", p.Client, leak)
	return nil
}

// mintToken signs a client-identifier JWT and trades it for an access token
// at the case's server, as the client itself would: both are raw credentials
// the suite never handed over.
func (l *leakyAdapter) mintToken(p target.NewClientParams) (jwt, token string) {
	keys, err := knoxkeys.Load(p.Credentials.KeysFile)
	if err != nil {
		return "", ""
	}
	jwt, err = keys.SignClientIdentifier(p.Credentials.ClientIdentifier, time.Now(), 5*time.Minute)
	if err != nil {
		return "", ""
	}
	body, _ := json.Marshal(map[string]any{"clientIdentifierJwt": jwt, "base64EncodedStringPublicKey": keys.PublicB64(),
		"validityForAccessTokenInMinutes": 30})
	hc := &http.Client{Timeout: time.Second}
	if p.CAFile != "" {
		if pem, err := os.ReadFile(p.CAFile); err == nil {
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		}
	}
	resp, err := hc.Post(strings.TrimRight(p.Endpoints.KnoxBaseURL, "/")+knoxclient.PathAccessToken, "application/json", bytes.NewReader(body))
	if err != nil {
		return jwt, ""
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return jwt, out.AccessToken
}

func (l *leakyAdapter) Invoke(ctx context.Context, p target.InvokeParams) (target.Outcome, error) {
	o, err := l.Adapter.Invoke(ctx, p)
	if !l.leak || err != nil {
		return o, err
	}
	l.mu.Lock()
	leak := l.latest
	l.mu.Unlock()
	fmt.Fprintf(os.Stderr, "leaky adapter: invoke %s with %s\n", p.Op, leak)
	switch p.Op {
	case target.OpAuthorizeToken:
		return target.Outcome{}, target.Skip("leaky adapter will not authorize with %s", leak)
	case target.OpExchangeCode:
		return target.Outcome{}, fmt.Errorf("leaky adapter failed to exchange the code with %s", leak)
	}
	if o.Error == nil {
		o = target.Outcome{Error: &target.OutcomeError{Kind: "auth"}}
	}
	o.Error.Message += " (leaky adapter: " + leak + ")"
	return o, nil
}

// readHarvest returns the distinct credentials the adapter processes saw.
func readHarvest(t *testing.T, path string) []harvested {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the adapter recorded no credential: %v", err)
	}
	defer f.Close()
	seen := map[harvested]bool{}
	var out []harvested
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var h harvested
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatalf("harvest %s: %v", path, err)
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind+out[i].Value < out[j].Kind+out[j].Value })
	return out
}

func values(hs []harvested) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Value
	}
	return out
}

// TestNoArtifactHoldsACredential runs the whole catalogue with two processes,
// once against the reference client and once against the leaky adapter, and
// scans every artifact (and the trace) for every credential the adapters saw.
func TestNoArtifactHoldsACredential(t *testing.T) {
	reference(t) // skips with -short, like the other full runs
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"reference", "leaky"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			harvest := filepath.Join(dir, "harvest.jsonl")
			leak := "0"
			if mode == "leaky" {
				leak = "1"
			}
			r := knoxconformEnv(t, dir, 3*time.Minute, []string{harvestEnv + "=" + harvest, leakEnv + "=" + leak},
				"run", "--target", self, "--report-dir", "report", "--procs", "2", "--trace=trace.log")
			// The leaky adapter fails and errs on purpose (exit 1 or 2); either
			// way the run must finish and write every case's result.
			if r.code > 2 {
				t.Fatalf("want a finished run (exit 0, 1 or 2), got %s", r)
			}
			if s := readSummary(t, filepath.Join(dir, "report")); len(s.Cases) == 0 || s.Run.HarnessError != "" {
				t.Fatalf("the run did not get through the catalogue: %d cases, harness error %q\n%s", len(s.Cases), s.Run.HarnessError, r)
			}
			if mode == "reference" && r.code != 0 {
				t.Errorf("redaction must not change a conformant client's verdict: want exit 0, got %s", r)
			}
			hs := readHarvest(t, harvest)
			kinds := map[string]int{}
			for _, h := range hs {
				kinds[h.Kind]++
			}
			want := []string{"saClientSecret", "privateKey"}
			if mode == "leaky" {
				want = append(want, "signedJWT", "accessToken")
			}
			for _, k := range want {
				if kinds[k] == 0 {
					t.Fatalf("the adapter harvested no %s (harvest: %v); the test would pass vacuously", k, kinds)
				}
			}
			t.Logf("%s: %d distinct credentials harvested: %v", mode, len(hs), kinds)
			scannerWouldFind(t, hs)

			reportDir := filepath.Join(dir, "report")
			for _, f := range []string{reports.JUnitFile, reports.GinkgoJSONFile, reports.SummaryJSONFile, reports.HTMLFile, reports.MarkdownFile} {
				if _, err := os.Stat(filepath.Join(reportDir, f)); err != nil {
					t.Errorf("no %s: %v", f, err)
				}
			}
			findings, err := reports.ScanForSecrets(reportDir, values(hs))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings {
				var i int
				fmt.Sscanf(f[strings.LastIndex(f, "#")+1:], "%d", &i)
				t.Errorf("credential in an artifact: %s (a %s)", f, hs[i].Kind)
			}
			trace, err := os.ReadFile(filepath.Join(dir, "trace.log"))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hs {
				if strings.Contains(string(trace), h.Value) {
					t.Errorf("the trace holds a %s", h.Kind)
				}
			}
			if !strings.Contains(string(trace), `"saClientSecret":"[redacted sha256:`) {
				t.Error("the trace does not show the client secret's fingerprint in newClient")
			}
			if mode != "leaky" {
				return
			}
			// The leaks did reach the suite: each kind shows up in the
			// artifacts as its fingerprint.
			all := artifactText(t, reportDir)
			for _, k := range want {
				found := false
				for _, h := range hs {
					if h.Kind == k && strings.Contains(all, reports.Fingerprint(h.Value)) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("no %s fingerprint in the artifacts: the leak never reached them, so the scan proves nothing", k)
				}
			}
		})
	}
}

// scannerWouldFind renders the leaked text into the artifacts without the
// writers' redaction and checks that ScanForSecrets finds every harvested
// credential there: a clean scan of the real run means redaction, not a blind
// scanner.
func scannerWouldFind(t *testing.T, hs []harvested) {
	t.Helper()
	dir := t.TempDir()
	c := reports.CaseResult{Case: reports.Case{ID: "leak/unredacted", Level: "MUST"}, Class: reports.Fail,
		Outcome: &reports.Outcome{Kind: "auth"}}
	for _, h := range hs {
		c.Checks = append(c.Checks, reports.Check{Name: h.Kind, Level: "MUST", Actual: "the client said " + h.Value})
	}
	c.Outcome.Message = "leaked " + strings.Join(values(hs), " and ")
	s := &reports.Summary{Run: reports.Run{Target: "leaky"}, Cases: []reports.CaseResult{c}}
	reports.Finalize(s)
	js, err := reports.MarshalSummary(s)
	if err != nil {
		t.Fatal(err)
	}
	junit, err := reports.JUnit(s)
	if err != nil {
		t.Fatal(err)
	}
	page, err := reports.HTML(s)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{reports.SummaryJSONFile: js, reports.JUnitFile: junit, reports.HTMLFile: page, reports.MarkdownFile: reports.Markdown(s)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	findings, err := reports.ScanForSecrets(dir, values(hs))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range findings {
		found[f] = true
	}
	for i, h := range hs {
		for _, name := range []string{reports.SummaryJSONFile, reports.JUnitFile} {
			if !found[fmt.Sprintf("%s: secret #%d", name, i)] {
				t.Errorf("unredacted, %s holds the %s but the scanner does not see it", name, h.Kind)
			}
		}
	}
}

func artifactText(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}
