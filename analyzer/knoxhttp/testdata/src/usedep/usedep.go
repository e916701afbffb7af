package usedep

// Package usedep reads resp.StatusCode without importing net/http: the fix adds
// the import.

import (
	"dep"
	"fmt"
)

func f() {
	if dep.Get().StatusCode == 429 { // want `use http.StatusTooManyRequests`
		fmt.Println("wait")
	}
}
