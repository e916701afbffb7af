package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The simulated Knox Clouds write keys.json, a private key, into temporary
// directories. Whatever way a run ends, none may be left behind; a terminal's
// Ctrl-C signals the whole process group (knoxconform, its workers, the
// adapters) at once, which is the hard case.

// leftovers lists what the processes left in tmp.
func leftovers(t *testing.T, tmp string) []string {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// startGroup starts knoxconform in its own process group, with TMPDIR=tmp.
func startGroup(t *testing.T, ctx context.Context, tmp, dir string, out *syncBuffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, knoxconformBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func waitFor(out *syncBuffer, text string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !strings.Contains(out.String(), text) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func TestInterruptedRunLeavesNoTempDirs(t *testing.T) {
	ref := reference(t)
	for _, procs := range []string{"1", "2"} {
		t.Run("procs="+procs, func(t *testing.T) {
			tmp, dir := t.TempDir(), t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out := &syncBuffer{}
			cmd := startGroup(t, ctx, tmp, dir, out, "run", "--target", ref, "--procs", procs, "--no-color")
			if !waitFor(out, "PASS  ", time.Minute) {
				t.Fatalf("no case passed within a minute:\n%s", out.String())
			}
			// As a terminal's Ctrl-C does: every process of the group at once.
			if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if ctx.Err() != nil {
				t.Fatalf("still running 2 minutes after SIGINT:\n%s", out.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() == 0 {
				t.Fatalf("an interrupted run must exit non-zero, got %v", err)
			}
			if left := leftovers(t, tmp); len(left) > 0 {
				t.Errorf("the interrupted run left %d temporary entries in TMPDIR (private keys): %s", len(left), strings.Join(left, ", "))
			}
		})
	}
}

func TestServeRemovesItsTempDirOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out := &syncBuffer{}
			cmd := startGroup(t, ctx, tmp, t.TempDir(), out, "serve", "--addr", "127.0.0.1:0")
			if !waitFor(out, "listening on", 30*time.Second) {
				t.Fatalf("serve did not start:\n%s", out.String())
			}
			if len(leftovers(t, tmp)) == 0 {
				t.Fatal("serve made no temporary directory for its keys.json; the test checks nothing")
			}
			if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil || ctx.Err() != nil {
				t.Fatalf("serve did not stop cleanly on %v: %v\n%s", sig, err, out.String())
			}
			if left := leftovers(t, tmp); len(left) > 0 {
				t.Errorf("serve left %s in TMPDIR after %v", strings.Join(left, ", "), sig)
			}
		})
	}
}

func TestServeChecksThePortBeforeGeneratingKeys(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	r := knoxconform(t, t.TempDir(), time.Minute, "serve", "--addr", ln.Addr().String(), "--dir", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "choose another --addr") {
		t.Fatalf("a busy port: want exit 2 saying to choose another --addr, got %s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "keys.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("keys.json was generated although the port was busy (err %v)", err)
	}
}
