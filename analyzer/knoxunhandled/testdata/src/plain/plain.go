package plain

// plain has nothing to do with Knox: the fast path returns at once.

import "os"

func Drop() {
	os.Remove("x")
	_ = os.Remove("y")
}

//knoxvet:ignore KNX201 left over from when this package called Knox // want `unused knoxvet:ignore directive for KNX201`
func Stale() {}

func NoRule() {
	// want +1 `malformed //knoxvet:ignore directive: no rule ID`
	//knoxvet:ignore
	Drop()
}
