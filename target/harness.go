package target

import (
	"context"
	"errors"
	"fmt"
)

// HarnessError is a failure of the adapter itself (crash, hang, garbage, protocol
// violation). It is never a verdict on the client: the suite reports ERROR.
type HarnessError struct {
	// Op is what the suite was doing ("start", "hello", "invoke kme.listDevices").
	Op     string
	Reason string
	// Stderr is the tail of the adapter's log, when there is one.
	Stderr string
}

func (e *HarnessError) Error() string {
	return fmt.Sprintf("adapter error during %s: %s", e.Op, e.Reason)
}

// IsHarness reports whether err is (or wraps) a *HarnessError.
func IsHarness(err error) bool {
	var h *HarnessError
	return errors.As(err, &h)
}

// Target is the suite's handle on an adapter: the Adapter methods, plus
// OpenClient (newClient, with what the adapter declared about the client),
// Alive (the liveness probe), Close (bye, then stop) and Stderr (the adapter's
// log so far, for evidence).
type Target interface {
	Adapter
	ClientOpener
	// Alive checks that the adapter still answers: a ping when it declared
	// the ping feature in hello, a hello otherwise, bounded by
	// LivenessTimeout. No answer in time ends the session: the error is a
	// *HarnessError and every later request fails at once.
	Alive(ctx context.Context) error
	Close() error
	Stderr() string
}
