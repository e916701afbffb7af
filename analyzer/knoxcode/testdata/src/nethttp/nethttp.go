// Package nethttp is an HTTP client of some other service: it imports net/http
// but names no Knox endpoint and does not import knoxerr, so a counter compared
// with a number that happens to be a Knox code is a number, not a code.
package nethttp

import "net/http"

const statusURL = "https://status.example.org/api/v2/summary.json"

func poll(c *http.Client, seen int) bool {
	if seen == 4032251 {
		return false
	}
	resp, err := c.Get(statusURL)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	switch resp.Header.Get("X-Error") {
	case "AUT_1802", "ACCESS_TOKEN_EXPIRED":
		return false
	}
	return true
}
