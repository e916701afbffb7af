package target_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/target"
)

// selfCommand is a target command line that runs this test binary as the fake
// adapter (see TestMain).
func selfCommand() string { return strconv.Quote(os.Args[0]) }

func startFake(mode string, timeout time.Duration) target.Target {
	t, err := target.Start(context.Background(), selfCommand(), target.Options{
		RequestTimeout: timeout,
		Env:            []string{fakeModeEnv + "=" + mode},
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = t.Close() })
	return t
}

var deleteDevices = target.InvokeParams{Client: "c1", Op: target.OpDeleteDevices, Params: json.RawMessage(`{"devices":["R58M12345"]}`)}

// misbehave says hello, then sends the invoke that provokes the mode's fault.
func misbehave(t target.Target) error {
	_, err := t.Hello(context.Background(), target.HelloParams{})
	Expect(err).NotTo(HaveOccurred())
	_, err = t.Invoke(context.Background(), deleteDevices)
	return err
}

var _ = Describe("Start", func() {
	Context("with a well-behaved adapter", func() {
		itSpeaksTheProtocol(func() target.Target { return startFake("ok", 5*time.Second) })
	})

	It("reports a crash with the exit status and the end of stderr, then fails fast", func() {
		t := startFake("crash", 5*time.Second)
		err := misbehave(t)
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("exit status 3"))
		Expect(err.Error()).To(ContainSubstring("boom"))
		Expect(err.Error()).To(ContainSubstring("invoke kme.deleteDevices"))
		Expect(t.Stderr()).To(Equal("starting delete\nboom\n"))

		_, err = t.Hello(context.Background(), target.HelloParams{})
		Expect(target.IsHarness(err)).To(BeTrue())
		Expect(err.Error()).To(ContainSubstring("unusable after an earlier error"))
	})

	It("times out a hung adapter with a HarnessError", func() {
		// The deadline also bounds starting the fake and its hello: 300 ms
		// was not enough for that on a loaded machine (a CI run failed here).
		t := startFake("hang", 2*time.Second)
		err := misbehave(t)
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err).To(MatchError("adapter error during invoke kme.deleteDevices: adapter did not answer invoke kme.deleteDevices within 2s"))
	})

	DescribeTable("rejects a line that breaks the protocol, naming it",
		func(mode string, want ...string) {
			t := startFake(mode, 5*time.Second)
			err := misbehave(t)
			Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
			for _, w := range want {
				Expect(err.Error()).To(ContainSubstring(w))
			}
			_, err = t.Invoke(context.Background(), listDevices("c1", 0))
			Expect(target.IsHarness(err)).To(BeTrue(), "the target is poisoned after a protocol violation")
		},
		Entry("not JSON", "garbage", "not a protocol message", `DEBUG: deleting devices now`),
		Entry("an id nobody asked", "unknown-id", `answered id "9999"`),
		Entry("an unknown error kind", "bad-kind", `error.kind is "oops"`, "invoke kme.deleteDevices"),
		Entry("a line over the limit", "huge", "longer than 1048576 bytes", "log to stderr"),
	)

	It("closes a hung adapter promptly, killing it", func() {
		t := startFake("deaf", 200*time.Millisecond)
		// Close only once the adapter is running: on a loaded machine the
		// bye's 200 ms can run out before the process has printed anything
		// (a CI run failed here), and then this spec would not show that
		// the stderr of a killed adapter is kept.
		Eventually(t.Stderr).WithTimeout(30 * time.Second).Should(ContainSubstring("deaf adapter started"))
		begin := time.Now()
		err := t.Close()
		Expect(target.IsHarness(err)).To(BeTrue(), "bye went unanswered: %v", err)
		Expect(time.Since(begin)).To(BeNumerically("<", 3*time.Second))
		Expect(t.Stderr()).To(ContainSubstring("deaf adapter started"))
	})

	It("traces every message in both directions", func() {
		var trace syncBuffer
		t, err := target.Start(context.Background(), selfCommand(), target.Options{Trace: &trace, Env: []string{fakeModeEnv + "=ok"}})
		Expect(err).NotTo(HaveOccurred())
		_, err = t.Hello(context.Background(), target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		Expect(t.Close()).To(Succeed())
		lines := strings.Split(strings.TrimSpace(trace.String()), "\n")
		Expect(lines).To(HaveLen(4), trace.String())
		Expect(lines[0]).To(MatchRegexp(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z -> \{"v":1,"id":"1","type":"hello","params":\{"protocol":1\}\}$`))
		Expect(lines[1]).To(MatchRegexp(`<- \{"v":1,"id":"1","type":"hello","result":`))
		Expect(lines[2]).To(ContainSubstring(`-> {"v":1,"id":"2","type":"bye"}`))
		Expect(lines[3]).To(ContainSubstring(`<- {"v":1,"id":"2","type":"ok"}`))
	})

	It("says what to check when the command does not exist", func() {
		_, err := target.Start(context.Background(), "./no-such-adapter --flag", target.Options{})
		Expect(target.IsHarness(err)).To(BeTrue())
		Expect(err.Error()).To(ContainSubstring(`cannot start "./no-such-adapter"`))
		Expect(err.Error()).To(ContainSubstring("is the adapter built"))
	})
})

var _ = Describe("SplitCommand", func() {
	DescribeTable("splits like a shell",
		func(in string, want []string) {
			Expect(target.SplitCommand(in)).To(Equal(want))
		},
		Entry("plain words", "  node adapter.js  --x 1", []string{"node", "adapter.js", "--x", "1"}),
		Entry("single quotes", `python3 -c 'print("a b")'`, []string{"python3", "-c", `print("a b")`}),
		Entry("double quotes and escapes", `"/opt/my adapter/run" "a\"b" c\ d "x\y"`, []string{"/opt/my adapter/run", `a"b`, "c d", `x\y`}),
		Entry("empty quoted word", `run ''`, []string{"run", ""}),
	)
	DescribeTable("rejects what it cannot split",
		func(in, want string) {
			_, err := target.SplitCommand(in)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("empty", "   ", "empty"),
		Entry("open quote", `run 'x`, "unclosed ' quote"),
		Entry("lone backslash", `run \`, "lone backslash"),
	)
})

var _ = Describe("Dial and ServeListener", func() {
	start := func() target.Target {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- target.ServeListener(ctx, &fakeAdapter{}, ln) }()
		DeferCleanup(func() {
			cancel()
			Eventually(served).WithTimeout(2 * time.Second).Should(Receive(MatchError(context.Canceled)))
		})
		t, err := target.Dial(context.Background(), ln.Addr().String(), target.Options{RequestTimeout: 5 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		return t
	}
	itSpeaksTheProtocol(start)

	It("reaches an adapter started with -listen (target.Main), the debugging set-up", func() {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), fakeModeEnv+"=listen")
		stderr, err := cmd.StderrPipe()
		Expect(err).NotTo(HaveOccurred())
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		first := make(chan string, 1)
		go func() {
			line, _ := bufio.NewReader(stderr).ReadString('\n')
			first <- line
		}()
		var line string
		Eventually(first).WithTimeout(5 * time.Second).Should(Receive(&line))
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		Expect(ok).To(BeTrue(), "first stderr line: %q", line)

		t, err := target.Dial(context.Background(), addr, target.Options{RequestTimeout: 5 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		h, err := t.Hello(context.Background(), target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		Expect(h.Client.Name).To(Equal("fake-client"))
		Expect(t.Close()).To(Succeed())
	})

	It("reports an adapter that drops the connection", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				buf := make([]byte, 512)
				_, _ = c.Read(buf)
				c.Close()
			}
		}()
		t, err := target.Dial(context.Background(), ln.Addr().String(), target.Options{RequestTimeout: 2 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		defer t.Close()
		_, err = t.Hello(context.Background(), target.HelloParams{})
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("closed the connection"))
	})

	It("says how to start the adapter when nothing listens", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := ln.Addr().String()
		ln.Close()
		_, err = target.Dial(context.Background(), addr, target.Options{})
		Expect(target.IsHarness(err)).To(BeTrue())
		Expect(err.Error()).To(ContainSubstring("-listen " + addr))
	})
})

// syncBuffer is a bytes.Buffer safe for the tracer's and the test's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
