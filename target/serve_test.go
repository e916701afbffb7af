package target_test

import (
	"bytes"
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/target"
)

// serveLines runs Serve over the given input lines and returns what it wrote.
func serveLines(a target.Adapter, lines ...string) ([]string, error) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := target.Serve(ctx, a, strings.NewReader(strings.Join(lines, "\n")+"\n"), &out)
	return strings.Split(strings.TrimSpace(out.String()), "\n"), err
}

var _ = Describe("Serve", func() {
	It("answers a bad request with an error response and goes on", func() {
		out, err := serveLines(&fakeAdapter{},
			`{"v":1,"id":"1","type":"reset"}`,
			`{"v":1,"id":"2","type":"invoke","params":{"client":"c","op":"kme.listDevices","params":{"page":1}}}`,
			`{"v":2,"id":"3","type":"hello","params":{"protocol":2}}`,
			`{"v":1,"id":"4","type":"bye"}`)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HaveLen(4))
		Expect(out[0]).To(And(ContainSubstring(`"id":"1","type":"error"`), ContainSubstring(`\"reset\"`)))
		Expect(out[1]).To(And(ContainSubstring(`"id":"2","type":"error"`), ContainSubstring(`unknown field \"page\"`)))
		Expect(out[2]).To(And(ContainSubstring(`"id":"3","type":"error"`), ContainSubstring("protocol 1")))
		Expect(out[3]).To(Equal(`{"v":1,"id":"4","type":"ok"}`))
	})

	It("stops with an error on a line that is not a request at all", func() {
		_, err := serveLines(&fakeAdapter{}, `hello adapter`)
		Expect(err).To(MatchError(ContainSubstring(`not a request envelope {v, id, type}: "hello adapter"`)))
	})

	It("finishes in-flight invokes at end of input before returning", func() {
		out, err := serveLines(&fakeAdapter{},
			`{"v":1,"id":"1","type":"invoke","params":{"client":"c","op":"kme.listDevices","params":{"pageNum":3}}}`)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]string{`{"v":1,"id":"1","type":"result","result":{"ok":true,"value":{"totalCount":100,"devices":3}}}`}))
	})

	It("answers bye only after in-flight invokes", func() {
		out, err := serveLines(&fakeAdapter{},
			`{"v":1,"id":"1","type":"invoke","params":{"client":"c","op":"kme.listDevices","params":{"pageNum":2}}}`,
			`{"v":1,"id":"2","type":"bye"}`,
			`{"v":1,"id":"3","type":"hello","params":{"protocol":1}}`)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HaveLen(2), "nothing after bye is read")
		Expect(out[0]).To(ContainSubstring(`"id":"1","type":"result"`))
		Expect(out[1]).To(Equal(`{"v":1,"id":"2","type":"ok"}`))
	})

	It("refuses a request line over the limit instead of buffering it", func() {
		_, err := serveLines(&fakeAdapter{}, `{"v":1,"id":"1","type":"hello","params":{"protocol":1,"x":"`+strings.Repeat("y", target.MaxLineBytes)+`"}}`)
		Expect(err).To(MatchError(ContainSubstring("longer than 1048576 bytes")))
	})
})

var _ = Describe("the stderr tail", func() {
	It("keeps only the last StderrBytes of a chatty adapter, marked as cut", func() {
		t, err := target.Start(context.Background(), selfCommand(), target.Options{
			StderrBytes: 1024,
			Env:         []string{fakeModeEnv + "=chatty"},
		})
		Expect(err).NotTo(HaveOccurred())
		_, err = t.Hello(context.Background(), target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		Expect(t.Close()).To(Succeed())
		log := t.Stderr()
		Expect(log).To(HavePrefix("[… earlier output dropped …]\n"))
		Expect(len(log)).To(BeNumerically("<=", 1024+len("[… earlier output dropped …]\n")))
		Expect(log).To(HaveSuffix("chatty line 999\n"))
	})
})
