package otherapi

// otherapi talks HTTP to another service: none of its constants names a Knox
// endpoint, so no request of it can reach Knox and nothing is reported.

import "net/http"

const base = "https://api.example.com/v1"

func Charges() {
	http.Get(base + "/charges")
	_, _ = http.Post(base+"/refunds", "application/json", nil)
}
