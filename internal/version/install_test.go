package version

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

const modulePath = "github.com/knoxconform/knoxconform"

// TestGoInstallAtVersion proves the README's install line: `go install
// …/cmd/knoxconform@VERSION` and `…/cmd/knoxvet@VERSION` work from an empty
// module cache, and both binaries print VERSION, not "(devel)". The committed
// tree (HEAD) is published as VERSION on a module proxy in a directory, as a
// release tag would publish it; dependencies come from the module download cache
// this machine already has, else from GOPROXY.
func TestGoInstallAtVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both commands from an empty module cache")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not a git checkout: the module is published from its committed tree")
	}
	repo := strings.TrimSpace(string(root))
	const ver = "v0.99.0-installtest"

	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy", modulePath, "@v")
	if err := os.MkdirAll(proxy, 0o755); err != nil {
		t.Fatal(err)
	}
	// The committed tree, as a tag would publish it (git archive works in a
	// worktree too, where modzip.CreateFromVCS finds no .git directory).
	tree := filepath.Join(tmp, "tree")
	if err := os.MkdirAll(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	archive := exec.Command("sh", "-c", `git -C "$1" archive --format=tar HEAD | tar -x -C "$2"`, "sh", repo, tree)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive HEAD: %v\n%s", err, out)
	}
	zf, err := os.Create(filepath.Join(proxy, ver+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromDir(zf, module.Version{Path: modulePath, Version: ver}, tree); err != nil {
		t.Fatalf("zipping the committed tree as module %s@%s: %v", modulePath, ver, err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(tree, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]string{"Version": ver, "Time": time.Now().UTC().Format(time.RFC3339)})
	for name, data := range map[string][]byte{ver + ".mod": gomod, ver + ".info": info, "list": []byte(ver + "\n")} {
		if err := os.WriteFile(filepath.Join(proxy, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	envOut, err := exec.Command(gobin, "env", "GOMODCACHE", "GOPROXY").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(envOut)), "\n")
	proxies := []string{"file://" + filepath.ToSlash(filepath.Join(tmp, "proxy"))}
	if len(lines) == 2 {
		if dl := filepath.Join(lines[0], "cache", "download"); isDir(dl) {
			proxies = append(proxies, "file://"+filepath.ToSlash(dl))
		}
		if lines[1] != "" && lines[1] != "off" {
			proxies = append(proxies, lines[1])
		}
	}
	bin := filepath.Join(tmp, "bin")
	// -trimpath: the build cache then serves later runs, whose module cache is another temporary directory.
	cmd := exec.Command(gobin, "install", "-trimpath",
		modulePath+"/cmd/knoxconform@"+ver, modulePath+"/cmd/knoxvet@"+ver)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(),
		"GOBIN="+bin,
		"GOMODCACHE="+filepath.Join(tmp, "modcache"), // empty: nothing is found already there
		"GOPROXY="+strings.Join(proxies, ","),
		"GONOSUMDB="+modulePath, "GONOSUMCHECK=1", "GOFLAGS=-modcacherw", "GOTOOLCHAIN=local",
		"GOSUMDB=off", // the test release is not in the checksum database; go.sum still checks every dependency
	)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install …@%s: %v\n%s", ver, err, out)
	}
	t.Logf("go install of both commands from an empty module cache: %s", time.Since(start).Round(time.Millisecond))
	for _, tool := range []string{"knoxconform", "knoxvet"} {
		out, err := exec.Command(filepath.Join(bin, tool), "version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s version: %v\n%s", tool, err, out)
		}
		if got, want := strings.TrimSpace(string(out)), tool+" "+ver; got != want {
			t.Errorf("%s version printed %q, want %q", tool, got, want)
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
