package h

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A fake Knox server in a test writes its statuses as numbers on purpose:
// without -knoxhttp.tests nothing here is reported.
func TestFakeServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + devicesURL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
}
