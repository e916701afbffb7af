// Package other is an HTTP client of another service: out of scope, no fact.
package other

import "net/http"

const statusURL = "https://status.example.org/kcsv1/summary.json"

func Get() (*http.Response, error) { return http.Get(statusURL) }
