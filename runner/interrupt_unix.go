//go:build unix

package runner

import (
	"os"
	"syscall"
)

// parallelSupported reports whether --procs > 1 works on this system.
const parallelSupported = true

// interruptSelf delivers SIGINT to this process, so that Ginkgo's own
// interrupt handling runs exactly as for Ctrl-C.
func interruptSelf() { syscall.Kill(os.Getpid(), syscall.SIGINT) }
