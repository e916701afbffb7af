package b // want package:"hasKnoxFuncs"

// Package b is the middle of the chain: it wraps c and imports neither knoxerr
// nor net/http.

import (
	"context"
	"fmt"

	"c"
)

// Login wraps c's error with %w.
func Login(ctx context.Context, cl *c.Client) error { // want Login:"returnsKnoxError"
	tok, err := cl.Token(ctx)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	_ = tok
	return nil
}

// Refresh returns a named result with a bare return.
func Refresh() (err error) { // want Refresh:"returnsKnoxError"
	err = c.Fetch()
	return
}

// Config passes a non-Knox error on.
func Config() error { return c.ReadConfig() }
