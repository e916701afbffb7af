package tests

import "github.com/knoxconform/knoxconform/knoxerr"

// With -knoxcode.tests, test files are checked like any other.
func assertWire(e *knoxerr.Error) bool {
	return e.Code == "4032251" // want `use knoxerr.AccessTokenExpired`
}
