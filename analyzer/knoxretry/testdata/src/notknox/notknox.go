// Package notknox is an HTTP client of another service: its hot loop is not
// knoxretry's business.
package notknox

import "net/http"

func poll(c *http.Client, req *http.Request) *http.Response {
	for {
		resp, err := c.Do(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp
		}
	}
}
