package corpus_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/knoxcopies.golden")

// modulePath is this module's path: the copies live in a directory of it.
const modulePath = "github.com/knoxconform/knoxconform/precision/corpus"

// A library to copy: its package, and its internal packages, which a copy
// outside the library's module could not import and which are copied beside it.
type library struct {
	name, pkg string
	internal  []string
}

var libraries = []library{
	{"retryablehttp", "github.com/hashicorp/go-retryablehttp", nil},
	{"resty", "github.com/go-resty/resty/v2", nil},
	{"jwt", "github.com/golang-jwt/jwt/v5", nil},
	{"backoff", "github.com/cenkalti/backoff/v4", nil},
	{"stripe", "github.com/stripe/stripe-go/v82", nil},
	{"oauth2", "golang.org/x/oauth2", []string{"golang.org/x/oauth2/internal"}},
}

// knoxEndpoint is the file added to each copy: a Knox base URL constant puts
// the package in knoxvet's scope, as a client library adapted to Knox would be.
//
// The canary is one deliberate KNX110 per copy: the golden file must list it,
// which proves that knoxvet analysed the copy with the Knox rules on.
const knoxEndpoint = `package %s

import "net/http"

// knoxBaseURL makes this copy a Knox client for knoxvet.
const knoxBaseURL = "https://eu-kcs-api.samsungknox.com/kcs/v1"

func knoxvetCanary(resp *http.Response) bool { return resp.StatusCode == 429 }
`

// TestKnoxFlavouredCopies copies each library's non-test sources into this
// module, adds a Knox base URL constant, runs knoxvet (Knox analyzers only)
// and compares its findings with testdata/knoxcopies.golden, where every line
// is a finding reviewed as true. A new finding, or a finding that goes away,
// fails the test; -update rewrites the file after review.
func TestKnoxFlavouredCopies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds knoxvet and analyses copies of real libraries; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "knoxvet")
	build := exec.Command("go", "build", "-o", bin, "./cmd/knoxvet")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building knoxvet: %v\n%s", err, out)
	}
	dir, err := os.MkdirTemp(".", "knoxcopy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, lib := range libraries {
		rewrite := map[string]string{}
		for _, in := range lib.internal {
			rewrite[in] = modulePath + "/" + filepath.Base(dir) + "/" + lib.name + strings.TrimPrefix(in, lib.pkg)
		}
		copyPackage(t, lib.pkg, filepath.Join(dir, lib.name), rewrite, true)
		for _, in := range lib.internal {
			copyPackage(t, in, filepath.Join(dir, lib.name, strings.TrimPrefix(in, lib.pkg)), rewrite, false)
		}
	}
	cmd := exec.Command(bin, "-vet=false", "-test=false", "./"+filepath.ToSlash(dir)+"/...")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
		t.Fatalf("knoxvet: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	got := normalize(stdout.String(), dir)
	golden := filepath.Join("testdata", "knoxcopies.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("knoxvet's findings on the Knox-flavoured copies changed; review them, then go test -run %s -update\ngot:\n%s\nwant:\n%s", t.Name(), got, want)
	}
}

var position = regexp.MustCompile(`^(.*?\.go):(\d+):\d+: `)

// normalize makes knoxvet's text output independent of the temporary
// directory and of column numbers.
func normalize(out, dir string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		i := strings.Index(l, filepath.Base(dir)+string(filepath.Separator))
		if i >= 0 {
			l = l[i+len(filepath.Base(dir))+1:]
		}
		lines = append(lines, position.ReplaceAllString(l, "$1:$2: "))
	}
	return strings.Join(lines, "\n") + "\n"
}

// copyPackage copies the non-test Go files of pkg into dst, rewriting the
// import paths in rewrite, and adds the Knox endpoint file when knox is set.
func copyPackage(t *testing.T, pkg, dst string, rewrite map[string]string, knox bool) {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}\n{{.Name}}\n{{join .GoFiles \"\\n\"}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	fields := strings.Split(strings.TrimSpace(string(out)), "\n")
	src, name, files := fields[0], fields[1], fields[2:]
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for from, to := range rewrite {
			text = strings.ReplaceAll(text, `"`+from+`"`, `"`+to+`"`)
		}
		if err := os.WriteFile(filepath.Join(dst, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if knox {
		text := strings.Replace(knoxEndpoint, "%s", name, 1)
		if err := os.WriteFile(filepath.Join(dst, "knox_endpoint.go"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
