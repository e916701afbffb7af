package gclplugin

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// golangciVersion is the golangci-lint release the custom binary is built
// from; it uses golang.org/x/tools v0.52.0, as knoxvet does.
const golangciVersion = "v2.15.0"

// buildEnv gates TestCustomGolangciLint: building golangci-lint with every
// linter takes minutes on a small machine (measured in the README), so it
// runs when this variable is 1, as CI sets it, and is skipped otherwise.
const buildEnv = "KNOXVET_GCL_BUILD"

// customMain is what `golangci-lint custom` generates, reduced to its point:
// golangci-lint's command with the plugin linked in by a blank import.
const customMain = `package main

import (
	"fmt"
	"os"

	"github.com/golangci/golangci-lint/v2/pkg/commands"
	"github.com/golangci/golangci-lint/v2/pkg/exitcodes"

	_ "github.com/knoxconform/knoxconform/gclplugin"
)

func main() {
	if err := commands.Execute(commands.BuildInfo{Version: "%s-knoxvet", Commit: "custom", Date: "(test)"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitcodes.Failure)
	}
}
`

const golangciConfig = `version: "2"
run:
  relative-path-mode: wd
linters:
  default: none
  enable:
    - knoxvet
  settings:
    custom:
      knoxvet:
        type: module
        description: knoxvet
issues:
  max-issues-per-linter: 0
  max-same-issues: 0
  uniq-by-line: false
`

// TestCustomGolangciLint builds a golangci-lint binary with the knoxvet
// plugin through the module proxy, runs it on fixtures/analyzer's buggy
// client, and expects the findings knoxvet itself reports there.
func TestCustomGolangciLint(t *testing.T) {
	if os.Getenv(buildEnv) != "1" {
		t.Skipf("set %s=1 to build golangci-lint %s with the plugin (minutes; CI sets it)", buildEnv, golangciVersion)
	}
	plugin, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Dir(plugin)
	dir := t.TempDir()
	gomod := fmt.Sprintf(`module example.com/custom-gcl

go 1.26.0

require (
	github.com/golangci/golangci-lint/v2 %s
	github.com/knoxconform/knoxconform/gclplugin v0.0.0-00010101000000-000000000000
)

replace (
	github.com/knoxconform/knoxconform => %s
	github.com/knoxconform/knoxconform/gclplugin => %s
)
`, golangciVersion, repo, plugin)
	write(t, filepath.Join(dir, "go.mod"), gomod)
	write(t, filepath.Join(dir, "main.go"), fmt.Sprintf(customMain, golangciVersion))
	goCmd(t, dir, "mod", "tidy")
	bin := filepath.Join(dir, "custom-gcl")
	start := time.Now()
	goCmd(t, dir, "build", "-o", bin, ".")
	t.Logf("built golangci-lint %s with the knoxvet plugin in %s", golangciVersion, time.Since(start).Round(time.Second))

	cfg := filepath.Join(dir, ".golangci.yml")
	write(t, cfg, golangciConfig)
	pkgs := "./fixtures/analyzer/testdata/buggy/..."
	report := filepath.Join(dir, "report.json")
	cmd := exec.Command(bin, "run", "--config", cfg, "--output.json.path", report, pkgs)
	cmd.Dir = repo
	text, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("custom golangci-lint run: %v\n%s", err, text)
	}
	out, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("custom golangci-lint wrote no JSON report: %v\n%s", err, text)
	}
	var issues struct {
		Issues []struct {
			FromLinter string
			Text       string
			Pos        struct {
				Filename string
				Line     int
			}
		}
	}
	if err := json.Unmarshal(out, &issues); err != nil {
		t.Fatalf("golangci-lint JSON: %v\n%s", err, out)
	}
	var got []string
	for _, is := range issues.Issues {
		if is.FromLinter == "knoxvet" {
			got = append(got, fmt.Sprintf("%s:%d", filepath.ToSlash(is.Pos.Filename), is.Pos.Line))
		}
	}
	want := knoxvetFindings(t, repo, pkgs)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("golangci-lint with the plugin reported\n%s\nknoxvet reports\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// knoxvetFindings runs knoxvet's standalone driver (Knox analyzers only) and
// returns file:line of each finding, relative to repo, sorted.
func knoxvetFindings(t *testing.T, repo, pkgs string) []string {
	t.Helper()
	cmd := exec.Command("go", "run", "./cmd/knoxvet", "-vet=false", "-test=false", "-format=json", pkgs)
	cmd.Dir = repo
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("knoxvet: %v\n%s", err, out)
	}
	var tree map[string]map[string][]struct {
		Posn string `json:"posn"`
	}
	if err := json.Unmarshal(out, &tree); err != nil {
		t.Fatalf("knoxvet JSON: %v\n%s", err, out)
	}
	var lines []string
	for _, byAnalyzer := range tree {
		for _, ds := range byAnalyzer {
			for _, d := range ds {
				// posn is /abs/file.go:line:col.
				p := d.Posn
				p = p[:strings.LastIndex(p, ":")]
				rel, err := filepath.Rel(repo, p[:strings.LastIndex(p, ":")])
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, filepath.ToSlash(rel)+p[strings.LastIndex(p, ":"):])
			}
		}
	}
	slices.Sort(lines)
	return lines
}

func write(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
