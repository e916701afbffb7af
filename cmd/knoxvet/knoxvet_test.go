package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/analyzer"
)

// These tests build knoxvet and run it the ways users do, over the fixtures
// in fixtures/analyzer.

const (
	buggyPkgs = "./fixtures/analyzer/testdata/buggy/..."
	cleanPkgs = "./fixtures/analyzer/clean/..."
	buggyPath = "github.com/knoxconform/knoxconform/fixtures/analyzer/testdata/buggy/"
)

// everyRule is what the buggy fixture must trigger: each rule but KNX900,
// taken from the registry so that a new rule needs a buggy line to pass.
var everyRule = func() []string {
	var ids []string
	for _, r := range analyzer.Rules() {
		if r.ID != analyzer.DirectiveRule {
			ids = append(ids, r.ID)
		}
	}
	return ids
}()

var knoxvetBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "knoxvet-test")
	if err != nil {
		panic(err)
	}
	knoxvetBin = filepath.Join(dir, "knoxvet")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary builds knoxvet once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs knoxvet; skipped with -short")
	}
	if _, err := os.Stat(knoxvetBin); err != nil {
		out, err := exec.Command("go", "build", "-o", knoxvetBin, ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	return knoxvetBin
}

// run runs a command in dir and returns its exit code and output.
func run(t *testing.T, dir string, env []string, name string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return code, stdout.String(), stderr.String()
}

const repoRoot = "../.."

// vetCategories runs go vet -json with knoxvet and returns the category of
// every diagnostic.
func vetCategories(t *testing.T, bin string, pkgs string) []string {
	t.Helper()
	code, stdout, stderr := run(t, repoRoot, nil, "go", "vet", "-vettool="+bin, "-json", pkgs)
	if code != 0 {
		t.Fatalf("go vet -json exited %d:\n%s%s", code, stdout, stderr)
	}
	var cats []string
	for _, m := range regexp.MustCompile(`"category": "([^"]*)"`).FindAllStringSubmatch(stdout+stderr, -1) {
		cats = append(cats, m[1])
	}
	return cats
}

func TestVettoolBuggyFixture(t *testing.T) {
	bin := binary(t)
	code, stdout, stderr := run(t, repoRoot, nil, "go", "vet", "-vettool="+bin, buggyPkgs)
	if code != 1 {
		t.Fatalf("go vet -vettool on the buggy fixture exited %d, want 1:\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "the Knox error returned by enroll.Sync is dropped") {
		t.Errorf("go vet output lacks the depth-2 KNX201 finding:\n%s", stderr)
	}
	// cmd/cgo's translation carries a "Code generated" header; the findings
	// of the author's file must survive it, at the author's line.
	if !strings.Contains(stderr, "cgoclient/cgoclient.go:18:43: hard-coded Knox code 4032251") {
		t.Errorf("go vet output lacks the KNX101 finding in the file that imports \"C\":\n%s", stderr)
	}
	cats := vetCategories(t, bin, buggyPkgs)
	for _, id := range everyRule {
		if !slices.Contains(cats, id) {
			t.Errorf("go vet -json: no %s finding on the buggy fixture; got %v", id, cats)
		}
	}
}

func TestVettoolCleanFixture(t *testing.T) {
	bin := binary(t)
	for _, vet := range []string{"-vet=true", "-vet=false"} {
		code, stdout, stderr := run(t, repoRoot, nil, "go", "vet", "-vettool="+bin, vet, cleanPkgs)
		if code != 0 || strings.TrimSpace(stdout+stderr) != "" {
			t.Errorf("go vet -vettool %s on the clean fixture: exit %d, output:\n%s%s", vet, code, stdout, stderr)
		}
	}
}

// TestVetSuiteToggle shows that stock vet's analyzers run by default and
// -vet=false turns them off: printf is one of them.
func TestVetSuiteToggle(t *testing.T) {
	bin := binary(t)
	dir := tempModule(t, map[string]string{"p/p.go": "package p\n\nimport \"fmt\"\n\nfunc F() { fmt.Printf(\"%d\\n\", \"not a number\") }\n"})
	code, _, stderr := run(t, dir, nil, "go", "vet", "-vettool="+bin, "./...")
	if code != 1 || !strings.Contains(stderr, "Printf format %d has arg") {
		t.Errorf("default run: exit %d, want a printf finding:\n%s", code, stderr)
	}
	code, _, stderr = run(t, dir, nil, "go", "vet", "-vettool="+bin, "-vet=false", "./...")
	if code != 0 {
		t.Errorf("-vet=false: exit %d, want 0 (printf off):\n%s", code, stderr)
	}
}

type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID   string `json:"id"`
					Help struct {
						Text string `json:"text"`
					} `json:"help"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Fixes     []struct {
				ArtifactChanges []struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Replacements []struct {
						DeletedRegion struct {
							StartLine int `json:"startLine"`
						} `json:"deletedRegion"`
						InsertedContent struct {
							Text string `json:"text"`
						} `json:"insertedContent"`
					} `json:"replacements"`
				} `json:"artifactChanges"`
			} `json:"fixes"`
			Level   string `json:"level"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	bin := binary(t)
	code, stdout, stderr := run(t, repoRoot, nil, bin, "-format=sarif", "-vet=false", buggyPkgs)
	if code != exitFindings {
		t.Fatalf("knoxvet -format=sarif exited %d, want %d:\n%s", code, exitFindings, stderr)
	}
	validateSARIF(t, stdout)
	var doc sarifDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("SARIF output is not JSON: %v\n%s", err, stdout)
	}
	if doc.Runs[0].Tool.Driver.Version == "" {
		t.Error("tool.driver.version is empty")
	}
	// A suggested fix is carried as a SARIF fix: the 429 of client.go becomes
	// http.StatusTooManyRequests.
	fixed := false
	for _, res := range doc.Runs[0].Results {
		for _, f := range res.Fixes {
			for _, ch := range f.ArtifactChanges {
				for _, rp := range ch.Replacements {
					if res.RuleID == "KNX110" && strings.HasSuffix(ch.ArtifactLocation.URI, "knoxclient/client.go") &&
						strings.HasSuffix(rp.InsertedContent.Text, "http.StatusTooManyRequests") && rp.DeletedRegion.StartLine > 0 {
						fixed = true
					}
				}
			}
		}
	}
	if !fixed {
		t.Error("no SARIF fix replaces the KNX110 429 in knoxclient/client.go with http.StatusTooManyRequests")
	}
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif-schema-2.1.0") || len(doc.Runs) != 1 {
		t.Fatalf("version %q, $schema %q, %d runs; want 2.1.0, the 2.1.0 schema, one run", doc.Version, doc.Schema, len(doc.Runs))
	}
	r := doc.Runs[0]
	var ids []string
	for _, rule := range r.Tool.Driver.Rules {
		ids = append(ids, rule.ID)
		if rule.Help.Text == "" {
			t.Errorf("rule %s has no help text", rule.ID)
		}
	}
	for _, rule := range analyzer.Rules() {
		if !slices.Contains(ids, rule.ID) {
			t.Errorf("tool.driver.rules lacks %s (have %v)", rule.ID, ids)
		}
	}
	seen := map[string]bool{}
	for _, res := range r.Results {
		seen[res.RuleID] = true
		if res.RuleIndex < 0 || res.RuleIndex >= len(ids) || ids[res.RuleIndex] != res.RuleID {
			t.Errorf("result %s: ruleIndex %d does not point at its rule", res.RuleID, res.RuleIndex)
		}
		if res.Level == "" || res.Message.Text == "" || len(res.Locations) != 1 {
			t.Errorf("result %s: level %q, message %q, %d locations", res.RuleID, res.Level, res.Message.Text, len(res.Locations))
			continue
		}
		loc := res.Locations[0].PhysicalLocation
		uri := loc.ArtifactLocation.URI
		if !strings.HasPrefix(uri, "fixtures/analyzer/testdata/buggy/") || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %s: uri %q base %q; want a repository-relative uri with %%SRCROOT%%", res.RuleID, uri, loc.ArtifactLocation.URIBaseID)
		}
		if loc.Region.StartLine < 1 || loc.Region.StartColumn < 1 {
			t.Errorf("result %s: region %+v", res.RuleID, loc.Region)
		}
	}
	for _, id := range everyRule {
		if !seen[id] {
			t.Errorf("no SARIF result for %s", id)
		}
	}
}

// tempModule writes files into a fresh module that requires this one through
// a replace directive, so fixtures can import knoxerr outside the work tree.
func tempModule(t *testing.T, files map[string]string) string {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/fixture\n\ngo 1.26.0\n\nrequire github.com/knoxconform/knoxconform v0.0.0\n\nreplace github.com/knoxconform/knoxconform => " + root + "\n"
	files["go.mod"] = gomod
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyBuggy copies the buggy fixture into a temp module, import paths rewritten.
func copyBuggy(t *testing.T) string {
	t.Helper()
	src := filepath.Join(repoRoot, "fixtures/analyzer/testdata/buggy")
	files := map[string]string{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		files[rel] = strings.ReplaceAll(string(data), buggyPath, "example.com/fixture/")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tempModule(t, files)
}

var offline = []string{"GOFLAGS=-mod=mod", "GOPROXY=off"}

func TestFix(t *testing.T) {
	bin := binary(t)
	dir := copyBuggy(t)
	code, stdout, stderr := run(t, dir, offline, bin, "-vet=false", "./...")
	if code != exitFindings || !strings.Contains(stdout, "KNX101") || !strings.Contains(stdout, "KNX110") {
		t.Fatalf("before -fix: exit %d, want KNX101 and KNX110 findings:\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, dir, offline, bin, "-vet=false", "-fix", "./...")
	if code != exitFindings { // the dropped errors have no automatic fix
		t.Fatalf("-fix: exit %d, want %d:\n%s%s", code, exitFindings, stdout, stderr)
	}
	code, stdout, stderr = run(t, dir, offline, bin, "-vet=false", "./...")
	for _, line := range strings.Split(stdout, "\n") {
		// cgoclient imports "C": its file on disk is not what was analysed
		// (cmd/cgo's translation is), so no fix is offered there.
		if (strings.Contains(line, "KNX101") || strings.Contains(line, "KNX110")) && !strings.Contains(line, "cgoclient") {
			t.Errorf("after -fix a finding is left: %s", line)
		}
	}
	if code != exitFindings || !strings.Contains(stdout, "KNX201") {
		t.Errorf("after -fix: exit %d; the KNX201 finding should remain:\n%s%s", code, stdout, stderr)
	}
	fixed, err := os.ReadFile(filepath.Join(dir, "knoxclient/client.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"resp.StatusCode == http.StatusTooManyRequests", "body.Code == knoxerr.AccessTokenExpiredNum"} {
		if !bytes.Contains(fixed, []byte(want)) {
			t.Errorf("fixed client.go lacks %q", want)
		}
	}
	if code, _, stderr := run(t, dir, offline, "go", "build", "./..."); code != 0 {
		t.Errorf("fixed fixture does not build:\n%s", stderr)
	}
}

// TestGoFixTool runs knoxvet under go fix -fixtool, which speaks the vet
// protocol, and checks the diff it proposes.
func TestGoFixTool(t *testing.T) {
	bin := binary(t)
	dir := copyBuggy(t)
	code, stdout, stderr := run(t, dir, offline, "go", "fix", "-fixtool="+bin, "-diff", "./knoxclient")
	if !strings.Contains(stdout+stderr, "+\tif resp.StatusCode == http.StatusTooManyRequests") {
		t.Errorf("go fix -fixtool -diff: exit %d, no diff replacing 429:\n%s%s", code, stdout, stderr)
	}
}

func TestStandaloneErrors(t *testing.T) {
	bin := binary(t)
	dir := tempModule(t, map[string]string{"bad/bad.go": "package bad\n\nfunc F() int { return \"not an int\" }\n"})
	code, stdout, stderr := run(t, dir, offline, bin, "./...")
	if code != exitUsage || !strings.Contains(stderr, "bad.go:3") || !strings.Contains(stderr, "fix them") || strings.Contains(stderr, "panic") {
		t.Errorf("code that does not type-check: exit %d, want %d with the error and advice:\n%s%s", code, exitUsage, stdout, stderr)
	}
	code, _, stderr = run(t, dir, offline, bin, "-format=xml", "./...")
	if code != exitUsage || !strings.Contains(stderr, "want text, json or sarif") {
		t.Errorf("-format=xml: exit %d:\n%s", code, stderr)
	}
	code, _, stderr = run(t, dir, offline, bin)
	if code != exitUsage || !strings.Contains(stderr, "no packages named") {
		t.Errorf("no packages: exit %d:\n%s", code, stderr)
	}
}
