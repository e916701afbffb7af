// Package kdep is a Knox client library: its exported functions carry facts
// that say they send, wait or read Retry-After.
package kdep

import (
	"context"
	"errors"
	"net/http"
	"time"
)

const devicesURL = "https://eu-kcs-api.samsungknox.com/kcs/v1/kme/devices/list"

type Client struct{ HTTP *http.Client }

func (c *Client) List(ctx context.Context) error { // want List:"knoxretry\\(sends\\)"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, devicesURL, nil)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// Pause waits, but takes neither a context nor a duration: only its fact says so.
func Pause(attempt int) { // want Pause:"knoxretry\\(waits\\)"
	time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
}
