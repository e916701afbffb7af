// Package noimport has a StatusCode field but no net/http: the fast path skips it.
package noimport

type response struct{ StatusCode int }

func f(r response) bool { return r.StatusCode == 429 }
