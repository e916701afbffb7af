package target_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/target"
)

func listDevices(client string, page int) target.InvokeParams {
	raw, _ := json.Marshal(target.ListDevicesParams{PageNum: page})
	return target.InvokeParams{Client: client, Op: target.OpListDevices, Params: raw}
}

func newClientParams(name string) target.NewClientParams {
	return target.NewClientParams{
		Client:      name,
		Endpoints:   target.Endpoints{KnoxBaseURL: "http://127.0.0.1:1/kcs/v1", SATokenURL: "http://127.0.0.1:1/auth/oauth2/token", SAAuthorizeURL: "http://127.0.0.1:1/auth/oauth2/authorize"},
		Credentials: target.Credentials{KeysFile: "/nonexistent/keys.json", ClientIdentifier: "cid"},
		Config:      target.ClientConfig{MaxAttempts: 3, BaseDelayMs: 1},
	}
}

// itSpeaksTheProtocol is the contract every transport must keep with a
// well-behaved adapter.
func itSpeaksTheProtocol(start func() target.Target) {
	var t target.Target
	ctx := context.Background()

	BeforeEach(func() {
		t = start()
		DeferCleanup(func() { Expect(t.Close()).To(Succeed()) })
	})

	It("runs a whole session: hello, newClient, invoke ok and error, closeClient", func() {
		h, err := t.Hello(ctx, target.HelloParams{Protocol: target.ProtocolVersion})
		Expect(err).NotTo(HaveOccurred())
		Expect(h.Adapter.Name).To(Equal("fake-adapter"))
		Expect(h.Operations).To(ConsistOf(target.Ops()))

		Expect(t.NewClient(ctx, newClientParams("c1"))).To(Succeed())

		o, err := t.Invoke(ctx, listDevices("c1", 1))
		Expect(err).NotTo(HaveOccurred())
		Expect(o.OK).To(BeTrue())
		var v target.ListDevicesValue
		Expect(json.Unmarshal(o.Value, &v)).To(Succeed())
		Expect(v).To(Equal(target.ListDevicesValue{TotalCount: 100, Devices: 1}))

		o, err = t.Invoke(ctx, target.InvokeParams{Client: "c1", Op: target.OpAccessToken})
		Expect(err).NotTo(HaveOccurred())
		Expect(o.OK).To(BeFalse())
		Expect(*o.Error).To(Equal(target.OutcomeError{Kind: knoxerr.KindAuth, HTTPStatus: 401, Code: "4032251", Message: "jti reused"}))

		Expect(t.CloseClient(ctx, target.CloseClientParams{Client: "c1"})).To(Succeed())
	})

	It("turns a skip into a *SkipError, for newClient and invoke", func() {
		err := t.NewClient(ctx, newClientParams("unsupported"))
		var sk *target.SkipError
		Expect(errors.As(err, &sk)).To(BeTrue(), "got %v", err)
		Expect(sk.Reason).To(ContainSubstring("keys file"))

		_, err = t.Invoke(ctx, target.InvokeParams{Client: "c1", Op: target.OpAuthorizeToken})
		Expect(errors.As(err, &sk)).To(BeTrue(), "got %v", err)
		Expect(sk.Reason).To(ContainSubstring("Samsung Account"))
	})

	It("reports an adapter error as a HarnessError and stays usable", func() {
		_, err := t.Invoke(ctx, target.InvokeParams{Client: "c1", Op: target.OpExchangeCode, Params: json.RawMessage(`{"code":"abc"}`)})
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("NullPointerException"))

		_, err = t.Invoke(ctx, listDevices("c1", 0))
		Expect(err).NotTo(HaveOccurred())
	})

	It("keeps several invokes in flight and matches out-of-order answers by id", func() {
		pages := []int{5, 1, 3, 0, 4, 2}
		got := make([]int, len(pages))
		var wg sync.WaitGroup
		var mu sync.Mutex
		var order []int
		for i, p := range pages {
			wg.Go(func() {
				defer GinkgoRecover()
				o, err := t.Invoke(ctx, listDevices("c1", p))
				Expect(err).NotTo(HaveOccurred())
				var v target.ListDevicesValue
				Expect(json.Unmarshal(o.Value, &v)).To(Succeed())
				got[i] = v.Devices
				mu.Lock()
				order = append(order, v.Devices)
				mu.Unlock()
			})
		}
		wg.Wait()
		Expect(got).To(Equal(pages), "each caller gets the answer to its own request")
		Expect(order).NotTo(Equal(pages), "answers arrived in finishing order, not request order")
	})

	It("rejects requests after Close", func() {
		Expect(t.Close()).To(Succeed())
		_, err := t.Hello(ctx, target.HelloParams{})
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("closed"))
	})
}

var _ = Describe("InProcess", func() {
	itSpeaksTheProtocol(func() target.Target { return target.InProcess(&fakeAdapter{}) })

	It("times out a hung invoke with a HarnessError, then fails fast", func() {
		t := target.InProcessWith(&fakeAdapter{mode: "hang"}, target.Options{RequestTimeout: 100 * time.Millisecond})
		defer t.Close()
		_, err := t.Invoke(context.Background(), target.InvokeParams{Client: "c1", Op: target.OpDeleteDevices, Params: json.RawMessage(`{"devices":["a"]}`)})
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("adapter did not answer invoke kme.deleteDevices within 100ms"))

		_, err = t.Hello(context.Background(), target.HelloParams{})
		Expect(target.IsHarness(err)).To(BeTrue())
		Expect(err.Error()).To(ContainSubstring("unusable after an earlier error"))
	})

	It("returns the context's error, not a HarnessError, when the caller gives up", func() {
		t := target.InProcess(&fakeAdapter{})
		defer t.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := t.Invoke(ctx, listDevices("c1", 10))
		Expect(err).To(MatchError(context.DeadlineExceeded))
		Expect(target.IsHarness(err)).To(BeFalse())
		// The late answer is dropped quietly; the target stays usable.
		_, err = t.Invoke(context.Background(), listDevices("c1", 12))
		Expect(err).NotTo(HaveOccurred())
	})

	It("answers an invalid outcome built by a Go adapter with an error naming the problem", func() {
		t := target.InProcess(badOutcomeAdapter{&fakeAdapter{}})
		defer t.Close()
		_, err := t.Invoke(context.Background(), listDevices("c1", 0))
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring(`error.kind is "teapot"`))
	})

	It("turns a panic in the adapter into an error response", func() {
		t := target.InProcess(panicAdapter{&fakeAdapter{}})
		defer t.Close()
		_, err := t.Invoke(context.Background(), listDevices("c1", 0))
		Expect(target.IsHarness(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("adapter panicked: nil map"))
	})
})

type badOutcomeAdapter struct{ *fakeAdapter }

func (badOutcomeAdapter) Invoke(context.Context, target.InvokeParams) (target.Outcome, error) {
	return target.Outcome{Error: &target.OutcomeError{Kind: "teapot"}}, nil
}

type panicAdapter struct{ *fakeAdapter }

func (panicAdapter) Invoke(context.Context, target.InvokeParams) (target.Outcome, error) {
	panic("nil map")
}
