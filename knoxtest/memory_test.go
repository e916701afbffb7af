package knoxtest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxtest"
)

// Memory bounds of a long-running sandbox: after a warm-up that fills the
// journal to its bounds, another 80,000 mixed requests — fresh and replayed
// JWTs, resource calls, Samsung Account forms, 1 MB forms of 20,000 fields,
// 2 MB bodies, unknown paths with long queries, journal reads — may grow the
// process's RSS by at most memoryRSSBound and its live heap by at most
// memoryHeapBound, and the live heap with a full journal stays under
// memoryHeapCeiling. Before the journal was bounded in bytes and the maps
// pruned, each large form kept about 2.3 MB: the 50 of them among a full
// journal's last 10,000 exchanges alone held over 100 MB.
const (
	memoryWarmup      = 20000
	memoryRequests    = 100000
	memoryRSSBound    = 48 << 20
	memoryHeapBound   = 24 << 20
	memoryHeapCeiling = 96 << 20
)

func TestSandboxMemoryStaysFlatUnderLoad(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan *knoxtest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- knoxtest.RunSandbox(ctx, knoxtest.SandboxConfig{Addr: "127.0.0.1:0", Dir: t.TempDir(),
			Options: []knoxtest.Option{knoxtest.WithRateLimit(5000, 500)},
			Ready:   func(s *knoxtest.Server) { ready <- s }}, io.Discard)
	}()
	var srv *knoxtest.Server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("the sandbox did not start")
	}
	defer func() { cancel(); <-done }()

	// Credentials: fresh accesstoken JWTs (RSA signing is slow, so a thousand),
	// and resource JWTs for a few access tokens.
	k, creds := srv.Keys(), srv.Credentials()
	const fresh = 1000
	bodies := make([]string, fresh)
	var wg sync.WaitGroup
	for w := range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := w; i < fresh; i += runtime.GOMAXPROCS(0) {
				j, err := k.SignClientIdentifier(creds.ClientIdentifier, time.Now(), 0)
				if err != nil {
					t.Error(err)
					return
				}
				bodies[i] = `{"clientIdentifierJwt":"` + j + `","base64EncodedStringPublicKey":"` + k.PublicB64() + `"}`
			}
		})
	}
	wg.Wait()
	cl := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
	defer cl.CloseIdleConnections()
	var apiJWTs []string
	for i := range 8 {
		resp, err := cl.Post(srv.URL+"/ams/v1/users/accesstoken", "application/json", strings.NewReader(bodies[i]))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tok := strings.TrimSuffix(strings.TrimPrefix(string(b), `{"accessToken":"`), `"}`)
		j, err := k.SignAccessToken(tok, time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		apiJWTs = append(apiJWTs, j)
	}
	var bigForm strings.Builder
	for i := 0; bigForm.Len() < 1<<20; i++ {
		fmt.Fprintf(&bigForm, "field%d=%s&", i, strings.Repeat("v", 40))
	}
	big := bigForm.String()
	huge := `{"clientIdentifierJwt":"` + strings.Repeat("A", 2<<20) + `"}`
	longQuery := "?" + strings.Repeat("q=abcdefghijklmnop&", 200)

	var next, failures atomic.Int64
	var lastSeq atomic.Int64
	request := func(n int64) error {
		var req *http.Request
		var err error
		switch {
		case n%200 == 0: // 0.5%: a 1 MB form of 20,000 fields
			req, err = http.NewRequest("POST", srv.URL+"/sa/auth/oauth2/token", strings.NewReader(big))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case n%200 == 1: // 0.5%: a 2 MB body, past the 1 MiB the server reads
			req, err = http.NewRequest("POST", srv.URL+"/ams/v1/users/accesstoken", strings.NewReader(huge))
		case n%100 == 2: // 1%: a fresh JWT, or a replayed one once they are used up
			req, err = http.NewRequest("POST", srv.URL+"/ams/v1/users/accesstoken", strings.NewReader(bodies[(n/100)%fresh]))
		case n%10 < 3: // replayed JWTs: 4002250
			req, err = http.NewRequest("POST", srv.URL+"/ams/v1/users/accesstoken", strings.NewReader(bodies[n%fresh]))
		case n%10 < 7: // resource calls
			req, err = http.NewRequest("GET", srv.URL+"/kcs/v1/kme/devices/list?pageNum="+strconv.Itoa(int(n%3)), nil)
			if err == nil {
				req.Header.Set("x-knox-apitoken", apiJWTs[n%int64(len(apiJWTs))])
			}
		case n%10 < 9: // Samsung Account exchanges with a code the sandbox issued (AUT errors or 200)
			form := url.Values{"client_id": {creds.SAClientID}, "client_secret": {creds.SAClientSecret},
				"code": {srv.IssueAuthCode(creds.SAClientID)}, "grant_type": {"authorization_code"}, "redirect_uri": {creds.SARedirectURI}}
			req, err = http.NewRequest("POST", srv.URL+"/sa/auth/oauth2/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case n%1000 == 9: // now and then, read the journal since the last read
			req, err = http.NewRequest("GET", srv.URL+knoxtest.ControlPrefix+"journal?since="+strconv.FormatInt(lastSeq.Load(), 10), nil)
		default: // unknown paths with long queries
			req, err = http.NewRequest("GET", srv.URL+"/kcs/v1/nowhere/"+strconv.FormatInt(n, 10)+longQuery, nil)
		}
		if err != nil {
			return err
		}
		resp, err := cl.Do(req)
		if err != nil {
			return err
		}
		if seq := resp.Header.Get("X-Knoxtest-Journal-Last-Seq"); seq != "" {
			if v, err := strconv.ParseInt(seq, 10, 64); err == nil {
				lastSeq.Store(v)
			}
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		return err
	}
	drive := func(until int64) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for {
					n := next.Add(1)
					if n > until {
						return
					}
					if err := request(n); err != nil && failures.Add(1) <= 3 {
						t.Errorf("request %d: %v", n, err)
					}
				}
			})
		}
		wg.Wait()
	}

	start := time.Now()
	drive(memoryWarmup)
	rss0, heap0 := memoryNow(t)
	stats0 := srv.JournalStats()
	drive(memoryRequests)
	rss1, heap1 := memoryNow(t)
	stats1 := srv.JournalStats()
	t.Logf("%d requests in %v; after %d: RSS %.1f MiB, heap %.1f MiB; after %d: RSS %.1f MiB (%+.1f), heap %.1f MiB (%+.1f); journal %d exchanges, %.1f MiB, %d dropped",
		memoryRequests, time.Since(start).Round(time.Millisecond), memoryWarmup, mib(rss0), mib(heap0), memoryRequests,
		mib(rss1), mib(rss1)-mib(rss0), mib(heap1), mib(heap1)-mib(heap0), stats1.Entries, mib(uint64(stats1.Bytes)), stats1.Dropped)

	if stats1.LastSeq < memoryRequests*9/10 {
		t.Fatalf("the server saw %d requests of %d; the load did not happen", stats1.LastSeq, memoryRequests)
	}
	if stats0.Dropped == 0 {
		t.Errorf("the warm-up did not fill the journal (%+v); the test would not show that the bounds hold", stats0)
	}
	if stats1.Bytes > knoxtest.DefaultJournalBytes || stats1.Entries > knoxtest.DefaultJournalEntries {
		t.Errorf("journal past its bounds: %+v", stats1)
	}
	if heap0 > memoryHeapCeiling || heap1 > memoryHeapCeiling {
		t.Errorf("the live heap with a full journal is %.1f MiB (then %.1f MiB); the ceiling is %.0f MiB", mib(heap0), mib(heap1), mib(memoryHeapCeiling))
	}
	if rss1 > rss0 && rss1-rss0 > memoryRSSBound {
		t.Errorf("RSS grew by %.1f MiB over %d requests; the bound is %.0f MiB", mib(rss1)-mib(rss0), memoryRequests-memoryWarmup, mib(memoryRSSBound))
	}
	if heap1 > heap0 && heap1-heap0 > memoryHeapBound {
		t.Errorf("the live heap grew by %.1f MiB over %d requests; the bound is %.0f MiB", mib(heap1)-mib(heap0), memoryRequests-memoryWarmup, mib(memoryHeapBound))
	}
}

// memoryNow collects garbage, returns freed memory to the OS, and reports the
// process's resident set and live heap.
func memoryNow(t *testing.T) (rss, heap uint64) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status to read RSS from: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10, ms.HeapAlloc
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0, 0
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
