package h2

// h2 imports neither knoxerr nor net/http: only h1's package fact gets it
// past the fast path.

import "h1"

func Sync() {
	h1.Devices(nil) // want `KNX201`
}
