package enforced

import "github.com/knoxconform/knoxconform/knoxerr"

// Under -knoxswitch.enforce a default no longer excuses missing cases.
func f(err error) string {
	switch knoxerr.CodeOf(err) { // want `misses 38: knoxerr.HTTPBadRequest,`
	default:
		return ""
	}
}
