package c // want package:"hasKnoxFuncs"

// Package c is the bottom of a three-package chain: it talks to Knox over HTTP.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"

	"github.com/knoxconform/knoxconform/knoxerr"
)

const tokenPath = "/ams/v1/users/accesstoken"

type Client struct {
	Base string
	HC   *http.Client
}

// Token sends a request built from a Knox path constant and passes Knox's error on.
func (cl *Client) Token(ctx context.Context) (string, error) { // want Token:"returnsKnoxError"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.Base+tokenPath, nil)
	if err != nil {
		return "", err
	}
	resp, err := cl.HC.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return "", knoxerr.FromResponse(resp)
	}
	return "token", nil
}

// Fetch calls a Knox host directly.
func Fetch() error { // want Fetch:"returnsKnoxError"
	url := "https://eu-kcs-api.samsungknox.com" + "/kcs/v1/ping"
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Check builds its Knox error itself.
func Check(ok bool) error { // want Check:"returnsKnoxError"
	if !ok {
		return knoxerr.New("4032251", "expired")
	}
	return nil
}

// Parse returns *knoxerr.Error: callers see that from its type, no fact needed.
func Parse(status int) *knoxerr.Error { return knoxerr.Parse(status, nil, nil) }

// first and second are found through the fixed point: first is declared before
// the function that makes it a Knox function.
func first() error { return second() } // want first:"returnsKnoxError"

func second() error { return errors.Join(errors.New("context"), Check(false)) } // want second:"returnsKnoxError"

// ReadConfig has nothing to do with Knox.
func ReadConfig() error { return os.ErrNotExist }

// Ping talks to a host that is not Knox.
func Ping() error {
	_, err := http.Get("https://example.com/health")
	return err
}

// do is a generic helper: nothing in it names Knox, so it has no fact.
func (cl *Client) do(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cl.Base+path, nil)
	if err != nil {
		return nil, err
	}
	return cl.HC.Do(req)
}

// Devices hands the helper a Knox path, which makes the helper's error a Knox error.
func (cl *Client) Devices(ctx context.Context) error { // want Devices:"returnsKnoxError"
	resp, err := cl.do(ctx, "/kcs/v1/devices/list")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// KCSURL parses a Knox URL: url.Parse's error is not a Knox error.
func KCSURL() *url.URL {
	u, _ := url.Parse("https://eu-kcs-api.samsungknox.com/kcs/v1")
	return u
}

// Doer is how clients make http.Client replaceable in tests.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// PingVia sends a Knox request through an interface.
func PingVia(d Doer) error { // want PingVia:"returnsKnoxError"
	req, err := http.NewRequest(http.MethodGet, "https://eu-kcs-api.samsungknox.com/kcs/v1/ping", nil)
	if err != nil {
		return err
	}
	resp, err := d.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
