package knoxtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
)

// Benchmarks of loopback throughput; run with
//
//	go test ./knoxtest -run '^$' -bench . -benchtime 2s
//
// Signing is done outside the timed loop where it can be, so the numbers are
// the server's cost plus one loopback round trip.

func BenchmarkNewServer(b *testing.B) {
	knoxtest.NewServer().Close() // the per-process key and CA are not what is measured
	b.ResetTimer()
	for b.Loop() {
		knoxtest.NewServer().Close()
	}
}

func BenchmarkAccessToken(b *testing.B) {
	srv := knoxtest.NewServer()
	defer srv.Close()
	k, err := knoxkeys.Load(srv.Credentials().KeysFile)
	if err != nil {
		b.Fatal(err)
	}
	bodies := make([]string, b.N)
	for i := range bodies {
		j, err := k.SignClientIdentifier(srv.Credentials().ClientIdentifier, time.Now(), 0)
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = `{"clientIdentifierJwt":"` + j + `","base64EncodedStringPublicKey":"` + k.PublicB64() + `","validityForAccessTokenInMinutes":30}`
	}
	cl := srv.Client()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := drainOK(cl.Post(srv.URL+"/ams/v1/users/accesstoken", "application/json", strings.NewReader(bodies[i]))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListDevices(b *testing.B) {
	srv := knoxtest.NewServer()
	defer srv.Close()
	k, err := knoxkeys.Load(srv.Credentials().KeysFile)
	if err != nil {
		b.Fatal(err)
	}
	j, _ := k.SignClientIdentifier(srv.Credentials().ClientIdentifier, time.Now(), 0)
	resp, err := srv.Client().Post(srv.URL+"/ams/v1/users/accesstoken", "application/json",
		strings.NewReader(`{"clientIdentifierJwt":"`+j+`","base64EncodedStringPublicKey":"`+k.PublicB64()+`"}`))
	if err != nil {
		b.Fatal(err)
	}
	var tok struct{ AccessToken string }
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(body, &tok); err != nil {
		b.Fatal(err)
	}
	apiJWT, _ := k.SignAccessToken(tok.AccessToken, time.Now(), 0) // reused: jti freshness is off by default on resources
	cl := srv.Client()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", srv.URL+"/kcs/v1/kme/devices/list?pageNum=1", nil)
		req.Header.Set("x-knox-apitoken", apiJWT)
		req.Header.Set("Accept", "application/json")
		if err := drainOK(cl.Do(req)); err != nil {
			b.Fatal(err)
		}
	}
}

// drainOK says what went wrong unless the request got a 200, and reads the
// body so the connection is reused.
func drainOK(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
