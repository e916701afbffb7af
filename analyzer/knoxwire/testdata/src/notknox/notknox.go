// Package notknox talks to some other service: knoxwire leaves it alone.
package notknox

import (
	"crypto/tls"
	"net/http"
)

var cfg = &tls.Config{InsecureSkipVerify: true}

func get() { http.Get("https://status.example.org/") }
