package knoxtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
)

// Benchmarks of the server alone over loopback; run with
//
//	go test ./knoxtest -run '^$' -bench . -benchtime 20000x
//
// Every JWT is signed before the timer starts (RSA private-key work is the
// client's cost, not the server's), and requests go out from several
// goroutines at once, as a busy client pool would send them, so the figure is
// the server's throughput ("calls/s") on the machine's cores, not one
// connection's round-trip latency.

func BenchmarkNewServer(b *testing.B) {
	knoxtest.NewServer().Close() // the per-process key and CA are not what is measured
	b.ResetTimer()
	for b.Loop() {
		knoxtest.NewServer().Close()
	}
}

// BenchmarkServerAccessToken: POST /ams/v1/users/accesstoken, each with its own
// freshly signed JWT (a reused jti would be a 400, not the path measured).
func BenchmarkServerAccessToken(b *testing.B) {
	srv := knoxtest.NewServer()
	defer srv.Close()
	bodies := accessTokenBodies(b, srv, b.N)
	var next atomic.Int64
	runCalls(b, func(cl *http.Client) error {
		i := next.Add(1) - 1
		return drainOK(cl.Post(srv.URL+"/ams/v1/users/accesstoken", "application/json", strings.NewReader(bodies[i])))
	})
}

// BenchmarkServerResource: GET /kcs/v1/kme/devices/list with one signed
// x-knox-apitoken (jti freshness is off by default on resource calls).
func BenchmarkServerResource(b *testing.B) {
	srv := knoxtest.NewServer()
	defer srv.Close()
	apiJWT := resourceJWT(b, srv)
	runCalls(b, func(cl *http.Client) error { return benchListDevices(cl, srv.URL, apiJWT) })
}

// BenchmarkServerMixed: accesstoken and resource calls, one of each in turn.
func BenchmarkServerMixed(b *testing.B) {
	srv := knoxtest.NewServer()
	defer srv.Close()
	bodies := accessTokenBodies(b, srv, b.N/2+1)
	apiJWT := resourceJWT(b, srv)
	var next atomic.Int64
	runCalls(b, func(cl *http.Client) error {
		i := next.Add(1) - 1
		if i%2 == 0 {
			return drainOK(cl.Post(srv.URL+"/ams/v1/users/accesstoken", "application/json", strings.NewReader(bodies[i/2])))
		}
		return benchListDevices(cl, srv.URL, apiJWT)
	})
}

// runCalls times b.N calls spread over 4 goroutines per core and reports
// calls/s, and the CPU time the process (server and client together) spent
// per call: on a shared machine calls/s depends on the neighbours, CPU per
// call does not, and 2 cores serve 2 s / (CPU per call) calls each second.
func runCalls(b *testing.B, call func(*http.Client) error) {
	b.Helper()
	cl := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	defer cl.CloseIdleConnections()
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(cl); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/call")
}

// processCPU is the user and system CPU time this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// accessTokenBodies signs n accesstoken bodies, on every core, before the timer.
func accessTokenBodies(b *testing.B, srv *knoxtest.Server, n int) []string {
	b.Helper()
	return signBodies(b, srv.Keys(), srv.Credentials().ClientIdentifier, n)
}

// signBodies signs n accesstoken bodies for ci with k, on every core.
func signBodies(b *testing.B, k *knoxkeys.Keys, ci string, n int) []string {
	b.Helper()
	pub := k.PublicB64()
	bodies := make([]string, n)
	var wg sync.WaitGroup
	var failed atomic.Value
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				j, err := k.SignClientIdentifier(ci, time.Now(), 0)
				if err != nil {
					failed.Store(err)
					return
				}
				bodies[i] = `{"clientIdentifierJwt":"` + j + `","base64EncodedStringPublicKey":"` + pub + `","validityForAccessTokenInMinutes":30}`
			}
		})
	}
	wg.Wait()
	if err, isErr := failed.Load().(error); isErr {
		b.Fatal(err)
	}
	return bodies
}

// resourceJWT gets an access token and signs one x-knox-apitoken with it.
func resourceJWT(b *testing.B, srv *knoxtest.Server) string {
	b.Helper()
	k := srv.Keys()
	j, err := k.SignClientIdentifier(srv.Credentials().ClientIdentifier, time.Now(), 0)
	if err != nil {
		b.Fatal(err)
	}
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
	apiJWT, err := k.SignAccessToken(tok.AccessToken, time.Now(), 0)
	if err != nil {
		b.Fatal(err)
	}
	return apiJWT
}

func benchListDevices(cl *http.Client, base, apiJWT string) error {
	req, err := http.NewRequest("GET", base+"/kcs/v1/kme/devices/list?pageNum=1", nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-knox-apitoken", apiJWT)
	req.Header.Set("Accept", "application/json")
	return drainOK(cl.Do(req))
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
