package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/knoxconform/knoxconform/target"
)

// probeTimeout bounds the probe: starting the adapter (or connecting to it)
// and its hello. It matches the time the suite gives each process's start.
const probeTimeout = 30 * time.Second

// maxProbeLog bounds how much of the adapter's log a failed probe reports.
const (
	maxProbeLogLines = 20
	maxProbeLogBytes = 4 << 10
)

// probeTarget starts the target once — or connects to it — and says hello,
// exactly as every process of the run is about to. A target that cannot start
// is found here, before any case and before any worker process exists, so it
// is reported once instead of once per case (and once per worker). The error
// names what failed and ends with the tail of the adapter's log, already
// redacted by package target.
//
// When keep is set, the session that answered is returned open, for the suite
// to run on (the caller closes it after the run); otherwise it is closed.
// A Ctrl-C during the probe ends it (and the adapter) at once.
func probeTarget(cfg *Config, trace io.Writer, keep bool) (*suiteSession, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()

	// The options the suite would start it with (only Trace is set from
	// the command line), so that the suite can run on this session.
	opts := suiteTargetOptions(suiteOptions{Trace: trace})
	var tgt target.Target
	var err error
	if cfg.Target != "" {
		tgt, err = target.Start(ctx, cfg.Target, opts)
	} else {
		tgt, err = target.Dial(ctx, cfg.TargetAddr, opts)
	}
	if err != nil {
		return nil, probeError(ctx, "starting the adapter", err, "")
	}
	hello, err := tgt.Hello(ctx, target.HelloParams{Protocol: target.ProtocolVersion})
	if err == nil && hello.Protocol != target.ProtocolVersion {
		err = fmt.Errorf("the adapter speaks protocol %d; this knoxconform speaks %d (update the adapter, or use a knoxconform that matches it)",
			hello.Protocol, target.ProtocolVersion)
	}
	if err != nil {
		defer tgt.Close()
		return nil, probeError(ctx, "the adapter's hello", err, tgt.Stderr())
	}
	if !keep {
		_ = tgt.Close()
		return nil, nil
	}
	return &suiteSession{Target: tgt, Hello: hello}, nil
}

// probeError words a failed probe: what failed, why, and the adapter's log.
func probeError(ctx context.Context, what string, err error, stderr string) error {
	var h *target.HarnessError
	if errors.As(err, &h) && h.Stderr != "" {
		stderr = h.Stderr
	}
	msg := fmt.Sprintf("%s failed, so no case ran: %v", what, err)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		msg += fmt.Sprintf(" (no answer within %s: does the adapter read requests from stdin and answer hello on stdout? See docs/protocol.md)", probeTimeout)
	case ctx.Err() != nil:
		msg += " (interrupted)"
	}
	if tail := logTail(stderr); tail != "" {
		msg += "\nthe adapter's log (stderr) ended with:\n" + tail
	}
	return errors.New(msg)
}

// logTail is the last lines of an adapter's log, bounded, each indented.
func logTail(s string) string {
	s = strings.TrimRight(s, "\n")
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if len(s) > maxProbeLogBytes {
		s = s[len(s)-maxProbeLogBytes:]
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	lines := strings.Split(s, "\n")
	if len(lines) > maxProbeLogLines {
		lines = lines[len(lines)-maxProbeLogLines:]
	}
	return "    " + strings.Join(lines, "\n    ")
}
