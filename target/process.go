package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Start runs command (split by SplitCommand, not by a shell) and returns the
// suite's handle on it: requests go to its stdin and responses come from its
// stdout as JSON lines; its stderr is its log, kept as a bounded tail for
// Stderr. Start performs no handshake: the caller sends Hello. ctx bounds only
// the start itself; the process lives until Close or its own exit. On Unix the
// adapter runs in its own process group, so Close also stops whatever it spawned.
func Start(ctx context.Context, command string, opts Options) (Target, error) {
	argv, err := SplitCommand(command)
	if err != nil {
		return nil, &HarnessError{Op: "start", Reason: err.Error()}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = opts.Dir
	cmd.Env = append(os.Environ(), opts.Env...)
	size := opts.StderrBytes
	if size <= 0 {
		size = 64 << 10
	}
	p := &procTransport{cmd: cmd, log: newRing(size), exited: make(chan struct{})}
	cmd.Stderr = p.log
	// Bounds Wait when a grandchild keeps stderr open after the adapter exits.
	cmd.WaitDelay = time.Second
	setProcessGroup(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, &HarnessError{Op: "start", Reason: err.Error()}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, &HarnessError{Op: "start", Reason: err.Error()}
	}
	if err := cmd.Start(); err != nil {
		reason := fmt.Sprintf("cannot start %q: %v", argv[0], err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			reason += " (check the --target command: is the adapter built, and is the path right?)"
		}
		return nil, &HarnessError{Op: "start", Reason: reason}
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	p.stdin = stdin
	return newSession(p, stdout, stdin, opts), nil
}

type procTransport struct {
	cmd     *exec.Cmd
	log     *ring
	stdin   interface{ Close() error }
	exited  chan struct{}
	waitErr error // set before exited is closed

	once sync.Once
}

func (p *procTransport) stderr() string { return p.log.String() }

func (p *procTransport) status() string {
	if p.waitErr == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ProcessState.String()
	}
	return p.waitErr.Error()
}

func (p *procTransport) ended() string {
	select {
	case <-p.exited:
		return "the process exited (" + p.status() + ")"
	case <-time.After(3 * time.Second):
		return "the process closed its stdout but is still running"
	}
}

func (p *procTransport) shutdown(graceful bool) error {
	var err error
	p.once.Do(func() {
		p.stdin.Close()
		if graceful {
			select {
			case <-p.exited:
				if p.waitErr != nil {
					err = &HarnessError{Op: "close", Reason: "the adapter exited after bye with " + p.status(), Stderr: p.stderr()}
				}
				// Whatever the adapter started and left behind goes with it.
				killProcessGroup(p.cmd)
				return
			case <-time.After(ExitGrace):
			}
		}
		killProcessGroup(p.cmd)
		select {
		case <-p.exited:
		case <-time.After(KillWait):
			err = &HarnessError{Op: "close", Reason: fmt.Sprintf("the adapter (pid %d) did not exit within %s of being killed", p.cmd.Process.Pid, KillWait)}
		}
	})
	return err
}
