package target_test

import (
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/target"
)

// slowOpener blocks in newClient until released, and declares its client's
// own timeout.
type slowOpener struct {
	fakeAdapter
	release chan struct{}
}

func (s *slowOpener) OpenClient(ctx context.Context, p target.NewClientParams) (target.NewClientResult, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	return target.NewClientResult{TimeoutMs: 8000}, nil
}

var _ = Describe("liveness", func() {
	It("Serve declares ping and answers it at once while newClient is still running", func() {
		a := &slowOpener{release: make(chan struct{})}
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		go func() { _ = target.Serve(ctx, a, inR, outW); outW.Close() }()
		answers := make(chan string, 8)
		go func() {
			dec := json.NewDecoder(outR)
			for {
				var m json.RawMessage
				if dec.Decode(&m) != nil {
					close(answers)
					return
				}
				answers <- string(m)
			}
		}()
		send := func(line string) { _, err := io.WriteString(inW, line+"\n"); Expect(err).NotTo(HaveOccurred()) }

		send(`{"v":1,"id":"1","type":"hello","params":{"protocol":1}}`)
		Eventually(answers).Should(Receive(ContainSubstring(`"features":["concurrency","ping"]`)))
		send(`{"v":1,"id":"2","type":"newClient","params":{"client":"c","endpoints":{"knoxBaseURL":"","saTokenURL":"","saAuthorizeURL":""},"credentials":{"keysFile":"","clientIdentifier":"","saClientId":"","saClientSecret":"","saRedirectUri":"","saAppId":""},"config":{}}}`)
		send(`{"v":1,"id":"3","type":"ping"}`)
		Eventually(answers).Should(Receive(Equal(`{"v":1,"id":"3","type":"ok"}`)), "ping is answered before the stuck newClient")
		close(a.release)
		Eventually(answers).Should(Receive(Equal(`{"v":1,"id":"2","type":"ok","result":{"timeoutMs":8000}}`)), "newClient's ok carries what OpenClient declared")
		send(`{"v":1,"id":"4","type":"bye"}`)
		Eventually(answers).Should(Receive(Equal(`{"v":1,"id":"4","type":"ok"}`)))
		inW.Close()
	})

	It("hands the declared timeout to the suite through OpenClient", func() {
		a := &slowOpener{release: make(chan struct{})}
		close(a.release)
		t := target.InProcess(a)
		defer t.Close()
		_, err := t.Hello(context.Background(), target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		res, err := t.OpenClient(context.Background(), target.NewClientParams{Client: "c"})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.TimeoutMs).To(Equal(8000))
		Expect(t.NewClient(context.Background(), target.NewClientParams{Client: "d"})).To(Succeed(), "NewClient still works and drops the result")
	})

	It("finds a Go adapter alive while its client hangs in an invoke", func() {
		t := startFake("hang", 0)
		_, err := t.Hello(context.Background(), target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err = t.Invoke(ctx, target.InvokeParams{Client: "c", Op: target.OpDeleteDevices, Params: json.RawMessage(`{"devices":["x"]}`)})
		Expect(err).To(MatchError(context.DeadlineExceeded), "the suite gave up on the invoke; that is not a harness error")
		start := time.Now()
		Expect(t.Alive(context.Background())).To(Succeed())
		Expect(time.Since(start)).To(BeNumerically("<", time.Second), "ping is answered at once")
		Expect(t.CloseClient(context.Background(), target.CloseClientParams{Client: "c"})).To(Succeed(), "the session stays usable")
	})

	It("ends the session of an adapter that answers nothing, within the liveness deadline", func() {
		if _, err := exec.LookPath("sh"); err != nil {
			Skip("no sh")
		}
		// Answers hello (id 1), then reads nothing more.
		t, err := target.Start(context.Background(), `sh -c 'read line; echo "{\"id\":\"1\",\"type\":\"hello\",\"result\":{\"protocol\":1,\"adapter\":{\"name\":\"a\"},\"client\":{\"name\":\"c\"},\"operations\":[]}}"; exec sleep 60'`, target.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = t.Close() })
		_, err = t.Hello(context.Background(), target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		start := time.Now()
		err = t.Alive(context.Background())
		Expect(err).To(HaveOccurred())
		Expect(target.IsHarness(err)).To(BeTrue(), "a wedged adapter is a harness error: %v", err)
		Expect(err.Error()).To(And(ContainSubstring("liveness hello"), ContainSubstring("wedged")))
		Expect(time.Since(start)).To(BeNumerically("~", target.LivenessTimeout, time.Second))
		start = time.Now()
		err = t.NewClient(context.Background(), target.NewClientParams{Client: "c"})
		Expect(target.IsHarness(err)).To(BeTrue())
		Expect(strings.Contains(err.Error(), "unusable")).To(BeTrue(), err.Error())
		Expect(time.Since(start)).To(BeNumerically("<", 100*time.Millisecond), "a wedged session fails at once")
	})
})

var _ = Describe("the declared timeout bound", func() {
	It("is the same in the response.ok schema as in MaxDeclaredTimeoutMs", func() {
		raw, ok := target.Schema("response.ok")
		Expect(ok).To(BeTrue())
		var s struct {
			Properties struct {
				Result struct {
					Properties struct {
						TimeoutMs struct {
							Minimum, Maximum int
						} `json:"timeoutMs"`
					}
				} `json:"result"`
			}
		}
		Expect(json.Unmarshal(raw, &s)).To(Succeed())
		Expect(s.Properties.Result.Properties.TimeoutMs.Maximum).To(Equal(target.MaxDeclaredTimeoutMs))
		Expect(s.Properties.Result.Properties.TimeoutMs.Minimum).To(Equal(1))
	})
})
