//go:build !unix

package runner

// parallelSupported is false where a worker cannot signal itself (and where
// linking the executable may need privileges): runs are serial there.
const parallelSupported = false

func interruptSelf() {}
