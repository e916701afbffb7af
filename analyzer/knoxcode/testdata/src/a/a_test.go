package a

import "github.com/knoxconform/knoxconform/knoxerr"

// Tests assert wire values on purpose: skipped unless -knoxcode.tests.
func assertWire(e *knoxerr.Error) bool {
	return e.Code == "4032251"
}
