package h3

// h3 spells no Knox URL itself: the endpoint is another package's constant,
// which its expressions still carry as a constant value, so the fast path
// (no constant of the package names Knox) does not skip it.

import (
	"net/http"

	"urls"
)

func Devices() {
	http.Get(urls.KCS + "/devices/list") // want `KNX201`
}
