//go:build unix

package observe

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A background process the command leaves behind does not outlive the
// observation (it could keep calling the server, or hold CI's job open).
func TestObserveEndsWhatTheCommandLeftBehind(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	o := observeRun(t, Config{Command: []string{sh, "-c", `sleep 60 & echo $! > "$0"; exit 0`, pidFile}, Seed: 1})
	if o.report == nil || o.report.Run.Command == nil || o.report.Run.Command.ExitStatus != 0 {
		t.Fatalf("console:\n%s", o.out)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the background process %d outlived the observation", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alive reports whether pid runs: it exists and is not a zombie waiting for
// its (new) parent to reap it.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc: trust kill(0)
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
