package target

import (
	"context"
	"fmt"
	"io"
	"time"
)

// InProcess drives a Go Adapter inside the suite's own process, with the same
// semantics as a subprocess: every request and response is encoded, sent through
// Serve over in-memory pipes and validated, so a Go adapter that passes here
// speaks the wire protocol exactly as it would from its own binary. Requests are
// bounded by DefaultRequestTimeout; use InProcessWith for other options.
func InProcess(a Adapter) Target { return InProcessWith(a, Options{}) }

// InProcessWith is InProcess with options (RequestTimeout and Trace apply; Env,
// Dir and StderrBytes do not).
func InProcessWith(a Adapter, opts Options) Target {
	toAdapterR, toAdapterW := io.Pipe()
	toSuiteR, toSuiteW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	tr := &pipeTransport{cancel: cancel, in: toAdapterW, out: toSuiteR, done: make(chan struct{})}
	go func() {
		defer close(tr.done)
		tr.err = Serve(ctx, a, toAdapterR, toSuiteW)
		// End of the adapter's output, as when a process exits.
		toSuiteW.Close()
		toAdapterR.Close()
	}()
	return newSession(tr, toSuiteR, toAdapterW, opts)
}

type pipeTransport struct {
	cancel context.CancelFunc
	in     *io.PipeWriter
	out    *io.PipeReader
	done   chan struct{}
	err    error // from Serve; read after done
}

func (t *pipeTransport) ended() string {
	select {
	case <-t.done:
		if t.err != nil {
			return "Serve returned: " + t.err.Error()
		}
		return "Serve returned"
	case <-time.After(time.Second):
		return "the adapter stopped writing"
	}
}

func (t *pipeTransport) shutdown(graceful bool) error {
	t.in.Close()
	wait := 2 * time.Second
	if !graceful {
		// The adapter hung or broke the protocol; there is no process to kill,
		// so give its goroutines a moment to notice the cancel and move on.
		t.cancel()
		wait = 100 * time.Millisecond
	}
	defer t.out.Close()
	defer t.cancel()
	select {
	case <-t.done:
		return nil
	case <-time.After(wait):
		if graceful {
			return fmt.Errorf("the in-process adapter did not stop within %s of bye", wait)
		}
		return nil // an adapter method that ignores its context keeps its goroutine
	}
}

func (t *pipeTransport) stderr() string { return "" }
