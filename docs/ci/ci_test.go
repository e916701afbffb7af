// Package ci checks the CI recipes in this directory: the GitHub Actions workflow
// with actionlint (as a library, from the Go module proxy), the GitLab CI file
// against GitLab's published JSON Schema (vendored in schema/, see SOURCE.md), and
// both against what knoxconform itself accepts.
package ci

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

const (
	githubFile = "github-actions.yml"
	gitlabFile = "gitlab-ci.yml"
	schemaFile = "schema/gitlab-ci.json"
)

// actionlintErrors lints a workflow's content as actionlint's command would,
// with shellcheck over every run: script when shellcheck is installed.
func actionlintErrors(t *testing.T, name string, content []byte) []*actionlint.Error {
	t.Helper()
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else if os.Getenv("KNOXCONFORM_REQUIRE_SHELLCHECK") != "" {
		t.Fatal("shellcheck is not installed and KNOXCONFORM_REQUIRE_SHELLCHECK is set: apt-get install shellcheck")
	} else {
		t.Log("shellcheck is not installed: run: scripts are not shellchecked (Debian: apt-get install shellcheck)")
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(name, content, nil)
	if err != nil {
		t.Fatalf("actionlint: %v", err)
	}
	return errs
}

func TestGitHubWorkflowPassesActionlint(t *testing.T) {
	content, err := os.ReadFile(githubFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range actionlintErrors(t, githubFile, content) {
		t.Errorf("%s:%d:%d: %s [%s]", githubFile, e.Line, e.Column, e.Message, e.Kind)
	}
}

// TestActionlintCatchesABrokenWorkflow proves the check above can fail: the
// same workflow with a reference to a step that does not exist is rejected.
func TestActionlintCatchesABrokenWorkflow(t *testing.T) {
	content, err := os.ReadFile(githubFile)
	if err != nil {
		t.Fatal(err)
	}
	broken := bytes.Replace(content, []byte("steps.suite.outputs.status"), []byte("steps.no-such-step.outputs.status"), 1)
	if bytes.Equal(broken, content) {
		t.Fatal("the workflow no longer reads steps.suite.outputs.status; update this test")
	}
	if errs := actionlintErrors(t, githubFile, broken); len(errs) == 0 {
		t.Error("actionlint accepted a workflow that reads the output of a step that does not exist")
	}
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// gitlabSchema compiles the vendored GitLab CI schema.
func gitlabSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(schemaFile)
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = fmt.Errorf("%s: %v", schemaFile, err)
			return
		}
		c := jsonschema.NewCompiler()
		const url = "https://gitlab.com/.gitlab-ci.yml"
		if err := c.AddResource(url, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(url)
	})
	if schemaErr != nil {
		t.Fatalf("compiling %s: %v", schemaFile, schemaErr)
	}
	return schema
}

// validateGitLab checks a GitLab CI YAML document against the schema.
func validateGitLab(t *testing.T, content []byte) error {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return fmt.Errorf("not YAML: %v", err)
	}
	// Through JSON, so that the validator sees exactly JSON's types.
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("not representable as JSON: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return gitlabSchema(t).Validate(inst)
}

func TestGitLabJobMatchesSchema(t *testing.T) {
	content, err := os.ReadFile(gitlabFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateGitLab(t, content); err != nil {
		t.Errorf("%s does not match GitLab's CI schema:\n%v", gitlabFile, err)
	}
}

// TestGitLabSchemaCatchesABrokenJob proves the check above can fail.
func TestGitLabSchemaCatchesABrokenJob(t *testing.T) {
	content, err := os.ReadFile(gitlabFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ why, old, new string }{
		{"a misspelt report kind", "      junit: knoxconform-report/junit.xml", "      junits: knoxconform-report/junit.xml"},
		{"an artifacts:when GitLab does not know", "    when: always\n    expose_as", "    when: sometimes\n    expose_as"},
	} {
		broken := strings.Replace(string(content), m.old, m.new, 1)
		if broken == string(content) {
			t.Fatalf("%s: %q is no longer in %s; update this test", m.why, m.old, gitlabFile)
		}
		if validateGitLab(t, []byte(broken)) == nil {
			t.Errorf("the schema accepted %s", m.why)
		}
	}
}

// TestVendoredSchemaIsUnchanged compares the schema with the SHA-256 its
// SOURCE.md records, so a hand edit (or a partial update) is noticed.
func TestVendoredSchemaIsUnchanged(t *testing.T) {
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("schema", "SOURCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); !bytes.Contains(src, []byte(got)) {
		t.Errorf("%s has SHA-256 %s, which schema/SOURCE.md does not record: record where the new copy comes from", schemaFile, got)
	}
}

// TestRecipesDoWhatTheyPromise checks that each recipe installs both tools at a
// pinned version, runs the suite, publishes the reports and gates on report diff.
func TestRecipesDoWhatTheyPromise(t *testing.T) {
	common := []string{
		`go install "github.com/knoxconform/knoxconform/cmd/knoxconform@${KNOXCONFORM_VERSION}"`,
		`go install "github.com/knoxconform/knoxconform/cmd/knoxvet@${KNOXCONFORM_VERSION}"`,
		"knoxconform run ",
		"knoxconform report diff ",
		"knoxconform-report/summary.md",
		"knoxconform-report/junit.xml",
		"knoxvet -format=sarif ./... > knoxvet.sarif",
		"go vet -vettool=",
	}
	for file, extra := range map[string][]string{
		githubFile: {"$GITHUB_STEP_SUMMARY", "github/codeql-action/upload-sarif@", "actions/upload-artifact@", "path: knoxconform-report/", "gh release upload"},
		gitlabFile: {"reports:\n      junit: knoxconform-report/junit.xml", "expose_as:", "- knoxconform-report/\n", "knoxvet.sarif\n", "assets:"},
	} {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append(append([]string(nil), common...), extra...) {
			if !strings.Contains(string(content), want) {
				t.Errorf("%s does not contain %q", file, want)
			}
		}
	}
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// knoxconformHelp returns `knoxconform SUBCOMMAND --help` of this checkout.
func knoxconformHelp(t *testing.T, sub ...string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "knoxconform-ci-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", buildDir, "github.com/knoxconform/knoxconform/cmd/knoxconform").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/knoxconform: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	out, err := exec.Command(filepath.Join(buildDir, "knoxconform"), append(sub, "--help")...).CombinedOutput()
	if err != nil {
		t.Fatalf("knoxconform %s --help: %v\n%s", strings.Join(sub, " "), err, out)
	}
	return string(out)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// TestRecipeFlagsExist runs each knoxconform command line of the recipes
// (including the observe alternative shown in comments) past the command's own
// help: every flag a recipe passes must be one it accepts.
func TestRecipeFlagsExist(t *testing.T) {
	line := regexp.MustCompile(`knoxconform (run|observe|report diff)\b([^\n]*)`)
	flag := regexp.MustCompile(`(?:^|\s)(--[a-z][a-z-]*)`)
	for _, file := range []string{githubFile, gitlabFile} {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		matches := line.FindAllStringSubmatch(string(content), -1)
		if len(matches) < 3 {
			t.Errorf("%s: expected knoxconform run, observe and report diff lines, found %d", file, len(matches))
		}
		for _, m := range matches {
			help := knoxconformHelp(t, strings.Fields(m[1])...)
			args, _, _ := strings.Cut(m[2], " -- ") // observe: COMMAND's own arguments follow --
			for _, f := range flag.FindAllStringSubmatch(args, -1) {
				if !strings.Contains(help, f[1]+" ") {
					t.Errorf("%s: knoxconform %s has no flag %s (line %q)", file, m[1], f[1], strings.TrimSpace(m[0]))
				}
			}
		}
	}
}
