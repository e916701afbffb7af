// Package notknox talks to some other HTTP API: the same numbers that knoxhttp
// reports in a Knox package are style here, and none is reported.
package notknox

import "net/http"

const statusURL = "https://status.example.org/api/v2/summary.json"

func check(resp *http.Response, w http.ResponseWriter) bool {
	if resp.StatusCode == 429 {
		w.WriteHeader(503)
	}
	switch resp.StatusCode {
	case 401, 403:
		return false
	}
	return resp.StatusCode == 200
}
