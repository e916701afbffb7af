package knoxtest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
)

// The same benchmarks with the server in a process of its own, so that its CPU
// time can be read apart from the client's: server-cpu-µs/call is the server's
// cost alone, and a server given 2 cores serves 2 s / (server CPU per call)
// calls each second.
//
//	go test ./knoxtest -run '^$' -bench ServerProcess -benchtime 20000x

const benchServerEnv = "KNOXTEST_BENCH_SERVER"

// TestBenchServerProcess is the server side of the ServerProcess benchmarks;
// it does nothing unless a benchmark started it.
func TestBenchServerProcess(t *testing.T) {
	if os.Getenv(benchServerEnv) != "1" {
		t.Skip("the server half of BenchmarkServerProcess*; started by them only")
	}
	if path := os.Getenv(benchServerEnv + "_PROFILE"); path != "" {
		// The server's own CPU profile: KNOXTEST_BENCH_SERVER_PROFILE=cpu.prof.
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	srv := knoxtest.NewServer()
	defer srv.Close()
	b, _ := json.Marshal(map[string]string{"url": srv.URL, "keysFile": srv.Credentials().KeysFile,
		"clientIdentifier": srv.Credentials().ClientIdentifier})
	fmt.Println(string(b))
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes stdin
}

type serverProcess struct {
	url, clientIdentifier string
	keys                  *knoxkeys.Keys
	cmd                   *exec.Cmd
	stdin                 io.Closer
}

func startServerProcess(b *testing.B) *serverProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServerProcess$", "-test.v")
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, stdin: stdin}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var info struct{ URL, KeysFile, ClientIdentifier string }
		if json.Unmarshal(sc.Bytes(), &info) == nil && info.URL != "" {
			p.url, p.clientIdentifier = info.URL, info.ClientIdentifier
			if p.keys, err = knoxkeys.Load(info.KeysFile); err != nil {
				b.Fatal(err)
			}
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return p
		}
	}
	b.Fatal("the server process did not say where it listens")
	return nil
}

// cpu is the CPU time the server process used so far, from /proc.
func (p *serverProcess) cpu(b *testing.B) time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/stat")
	if err != nil {
		b.Skipf("no /proc to read the server's CPU time from: %v", err)
	}
	// Fields after the parenthesised command: state is field 3; utime and stime are 14 and 15.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
}

func (p *serverProcess) run(b *testing.B, call func(*http.Client) error) {
	b.Helper()
	cpu0 := p.cpu(b)
	runCalls(b, call)
	b.ReportMetric(float64((p.cpu(b)-cpu0).Microseconds())/float64(b.N), "server-cpu-µs/call")
}

func BenchmarkServerProcessAccessToken(b *testing.B) {
	p := startServerProcess(b)
	bodies := signBodies(b, p.keys, p.clientIdentifier, b.N)
	var next atomic.Int64
	p.run(b, func(cl *http.Client) error {
		i := next.Add(1) - 1
		return drainOK(cl.Post(p.url+"/ams/v1/users/accesstoken", "application/json", strings.NewReader(bodies[i])))
	})
}

func BenchmarkServerProcessResource(b *testing.B) {
	p := startServerProcess(b)
	body := signBodies(b, p.keys, p.clientIdentifier, 1)[0]
	resp, err := http.Post(p.url+"/ams/v1/users/accesstoken", "application/json", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	var tok struct{ AccessToken string }
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	apiJWT, err := p.keys.SignAccessToken(tok.AccessToken, time.Now(), 0)
	if err != nil {
		b.Fatal(err)
	}
	p.run(b, func(cl *http.Client) error { return benchListDevices(cl, p.url, apiJWT) })
}
