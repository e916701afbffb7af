package withtests

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestFake(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(429) // want `use http.StatusTooManyRequests`
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
}
