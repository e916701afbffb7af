package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

var allArtifacts = []string{JUnitFile, GinkgoJSONFile, SummaryJSONFile, HTMLFile, MarkdownFile}

// ginkgoReport is a small aggregated Ginkgo report carrying the kind of
// evidence a real run attaches, secrets included, as a careless suite might.
func ginkgoReport() types.Report {
	entryJSON, _ := json.Marshal(map[string]any{"id": "auth/4002250/resign", "jwt": testSignedJWT})
	return types.Report{
		SuitePath:        "/work/conformance",
		SuiteDescription: "knoxconform",
		SuiteSucceeded:   false,
		StartTime:        time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC),
		EndTime:          time.Date(2026, 11, 26, 23, 0, 5, 0, time.UTC),
		SpecReports: types.SpecReports{{
			LeafNodeText:               "auth/4002250/resign",
			State:                      types.SpecStateFailed,
			CapturedGinkgoWriterOutput: "client_secret=" + testClientSecret + "\nkey:\n" + testPrivateKey + "\nAuthorization: Bearer " + testAccessToken,
			ReportEntries: types.ReportEntries{{
				Name:  EntryName,
				Value: types.WrapEntryValue(string(entryJSON)),
			}},
		}},
	}
}

func TestWriteAllWritesEveryArtifact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "reports")
	s := sampleSummary()
	if err := WriteAllWith(dir, s, ginkgoReport(), Options{Secrets: testSecrets()}); err != nil {
		t.Fatal(err)
	}
	for _, name := range allArtifacts {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(allArtifacts) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the directory holds %v, want exactly the %d artifacts (no temporary files left)", names, len(allArtifacts))
	}
	var reps []types.Report
	b, _ := os.ReadFile(filepath.Join(dir, GinkgoJSONFile))
	if err := json.Unmarshal(b, &reps); err != nil || len(reps) != 1 || reps[0].SuiteDescription != "knoxconform" {
		t.Errorf("report.json is not Ginkgo's JSON report of the run: %v", err)
	}
	back, err := Load(filepath.Join(dir, SummaryJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if back.Verdict != VerdictError || back.Counts[Fail] != 2 || len(back.Cases) != len(s.Cases) {
		t.Errorf("summary.json round trip: verdict %q, FAIL %d, %d cases", back.Verdict, back.Counts[Fail], len(back.Cases))
	}
}

func TestNoSecretInAnyArtifact(t *testing.T) {
	dir := t.TempDir()
	s := sampleSummary()
	s.Run.Args = append(s.Run.Args, "--client-secret="+testClientSecret)
	s.Run.Command = &CommandRun{Line: "./it.sh " + testClientSecret, OutputTail: "token " + testAccessToken + "\n" + testPrivateKey}
	if err := WriteAllWith(dir, s, ginkgoReport(), Options{Secrets: testSecrets()}); err != nil {
		t.Fatal(err)
	}
	findings, err := ScanForSecrets(dir, testSecrets())
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) > 0 {
		t.Errorf("secrets leaked into artifacts:\n%s", strings.Join(findings, "\n"))
	}
	// Even without being told the values, JWTs, bearer tokens and PEM keys go.
	dir2 := t.TempDir()
	if err := WriteAll(dir2, sampleSummary(), ginkgoReport()); err != nil {
		t.Fatal(err)
	}
	findings, _ = ScanForSecrets(dir2, []string{testSignedJWT, testPrivateKey, testAccessToken})
	if len(findings) > 0 {
		t.Errorf("pattern redaction missed:\n%s", strings.Join(findings, "\n"))
	}
}

// The scanner itself must find what is there, in the encodings artifacts use.
func TestScanForSecretsFindsLeaks(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"k":"`+strings.ReplaceAll(testPrivateKey, "\n", `\n`)+`"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.html"), []byte("<p>"+testClientSecret+"</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.md"), []byte("nothing here"), 0o644)
	findings, err := ScanForSecrets(dir, []string{testClientSecret, testPrivateKey, "short"})
	if err != nil {
		t.Fatal(err)
	}
	want := "a.json: secret #1\nb.html: secret #0"
	if got := strings.Join(findings, "\n"); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteAllWithoutGinkgoReport(t *testing.T) {
	dir := t.TempDir()
	s := &Summary{Run: Run{Client: Software{"acme", "1"}, Interrupted: true, HarnessError: "adapter crashed: exit status 2"}}
	if err := WriteAll(dir, s, types.Report{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, GinkgoJSONFile)); !os.IsNotExist(err) {
		t.Errorf("report.json written for a run Ginkgo never reported: %v", err)
	}
	if s.Verdict != VerdictError || ExitCode(s) != 2 {
		t.Errorf("verdict %q exit %d, want ERROR 2", s.Verdict, ExitCode(s))
	}
	// Every artifact says the run did not complete.
	for name, want := range map[string]string{
		HTMLFile:        "The run was interrupted",
		MarkdownFile:    "interrupted",
		JUnitFile:       "adapter crashed: exit status 2",
		SummaryJSONFile: `"interrupted": true`,
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q", name, want)
		}
	}
}

func TestWriteAllReportsUnwritableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, nil, 0o644)
	if err := WriteAll(file, sampleSummary(), types.Report{}); err == nil {
		t.Error("WriteAll into a path that is a file succeeded")
	}
	if err := WriteAll(t.TempDir(), nil, types.Report{}); err == nil {
		t.Error("WriteAll of a nil summary succeeded")
	}
}

func TestMarkdownSummary(t *testing.T) {
	s := sampleSummary()
	s.Cases[0].UnexpectedPass = true
	s.Cases[4].Reason += " <script>alert(1)</script> | col"
	md := string(Markdown(s))
	for _, want := range []string{"## knoxconform: ERROR", "| FAIL | 2 |", "ratelimit/429/retry-after-seconds", "auth/4002250/resign", "report.html", "junit.xml", "Unexpected passes"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	if !strings.Contains(md, "### SHOULD not met") || strings.Index(md, "server/500/backoff-grows") < strings.Index(md, "### SHOULD not met") {
		t.Error("the NON-STRICT case is not listed apart from the failures")
	}
	if strings.Contains(md, "validation/400/no-retry**") {
		t.Error("a passing case is listed among the failing ones")
	}
	if strings.Contains(md, "<script>") || strings.Contains(md, "> | col") {
		t.Error("untrusted text reached summary.md unescaped")
	}
}
