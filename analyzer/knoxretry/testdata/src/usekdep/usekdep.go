// Package usekdep calls kdep: the facts make its loops retry loops.
package usekdep

import (
	"context"

	"kdep"
)

func hot(ctx context.Context, c *kdep.Client) {
	for attempt := 0; attempt < 3; attempt++ {
		if err := c.List(ctx); err == nil { // want `no wait between attempts` `retried on every failed answer`
			return
		}
	}
}

func paced(ctx context.Context, c *kdep.Client) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = c.List(ctx); err == nil { // want `retried on every failed answer`
			return nil
		}
		kdep.Pause(attempt)
	}
	return err
}
