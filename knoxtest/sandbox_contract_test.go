package knoxtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The control API's contract: what a user sending it JSON by hand meets.
var _ = Describe("the sandbox control API", func() {
	var srv *knoxtest.Server
	BeforeEach(func() {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan *knoxtest.Server, 1)
		done := make(chan error, 1)
		go func() {
			done <- knoxtest.RunSandbox(ctx, knoxtest.SandboxConfig{Addr: "127.0.0.1:0", Dir: GinkgoT().TempDir(),
				Ready: func(s *knoxtest.Server) { ready <- s }}, io.Discard)
		}()
		DeferCleanup(func() {
			cancel()
			Eventually(done).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
		})
		Eventually(ready).WithTimeout(10 * time.Second).Should(Receive(&srv))
	})
	ctl := func(method, name, body string) (int, http.Header, string) {
		req, err := http.NewRequest(method, srv.URL+knoxtest.ControlPrefix+name, strings.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		resp, err := srv.Client().Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		return resp.StatusCode, resp.Header, string(b)
	}
	list := `"route":"GET /kcs/v1/kme/devices/list"`

	It("takes a code as a number, as Knox bodies write it, or as a string, and answers with it", func() {
		st, _, body := ctl("POST", "script", `{`+list+`,"steps":[{"code":4032251},{"code":"AUT_1802","shape":"oauth"}]}`)
		Expect(st).To(Equal(200), body)
		Expect(body).To(ContainSubstring(`"added":2`))
		Expect(body).To(ContainSubstring(`"queued":2`))
		r := listDevices(srv, "", 0)
		Expect(r.Status).To(Equal(403))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenExpired))
		Expect(listDevices(srv, "", 0).Err.Code).To(Equal(knoxerr.AUT1802))
	})

	DescribeTable("refuses a bad script with 400 saying what is allowed",
		func(body string, want ...string) {
			st, _, answer := ctl("POST", "script", body)
			Expect(st).To(Equal(400), answer)
			for _, w := range want {
				Expect(answer).To(ContainSubstring(w))
			}
			Expect(srv.JournalStats().Entries).To(BeZero())
		},
		Entry("an unknown code", `{`+list+`,"steps":[{"code":9999999}]}`, "steps[0].code", "4032251", "AUT_1802"),
		Entry("an unknown shape", `{`+list+`,"steps":[{"code":"500","shape":"xml"}]}`, "steps[0].shape", `\"classic\"`, `\"oauth\"`),
		Entry("an unknown fault", `{`+list+`,"steps":[{"fault":"slow"}]}`, "steps[0].fault", `\"reset\"`, `\"hang\"`),
		Entry("an unknown field", `{`+list+`,"steps":[{"cod":"500"}]}`, "steps[0]", "retryAfter"),
		Entry("a status that is no final HTTP status", `{`+list+`,"steps":[{"status":150}]}`, "steps[0].status", "200–599"),
		Entry("an unknown route", `{"route":"GET /nowhere","steps":[]}`, "route", string(knoxtest.RouteListDevices)),
		Entry("trailing data after the JSON", `{`+list+`,"steps":[]} {"x":1}`, "after its JSON value"),
		Entry("an empty body", ``, "empty"),
		Entry("more steps than one request may carry", `{`+list+`,"steps":[`+strings.TrimSuffix(strings.Repeat(`{},`, 300), ",")+`]}`, "steps", "256"),
	)

	It("refuses a body larger than it accepts with 413, and 60,000 steps never queue", func() {
		big := `{` + list + `,"steps":[` + strings.TrimSuffix(strings.Repeat(`{"code":500},`, 60000), ",") + `]}`
		st, _, body := ctl("POST", "script", big)
		Expect(st).To(Equal(http.StatusRequestEntityTooLarge), body)
		huge := bytes.Repeat([]byte(" "), 20<<20)
		st, _, body = ctl("POST", "script", string(huge))
		Expect(st).To(Equal(http.StatusRequestEntityTooLarge), body)
		Expect(listDevices(srv, "", 0).Status).To(Equal(401)) // nothing was scripted
	})

	It("limits how many steps a route may have queued", func() {
		steps := `{` + list + `,"steps":[` + strings.TrimSuffix(strings.Repeat(`{"code":500},`, 256), ",") + `]}`
		for range 4 {
			st, _, body := ctl("POST", "script", steps)
			Expect(st).To(Equal(200), body)
		}
		st, _, body := ctl("POST", "script", steps)
		Expect(st).To(Equal(400))
		Expect(body).To(ContainSubstring("1024 steps queued"))
		Expect(body).To(ContainSubstring("reset"))
	})

	It("answers a wrong method with 405 and Allow, and an unknown endpoint with 404 listing the API", func() {
		st, h, body := ctl("POST", "journal", "")
		Expect(st).To(Equal(405))
		Expect(h.Get("Allow")).To(Equal("GET, HEAD"))
		Expect(body).To(ContainSubstring("use GET"))
		st, h, _ = ctl("GET", "reset", "")
		Expect(st).To(Equal(405))
		Expect(h.Get("Allow")).To(Equal("POST"))
		st, _, body = ctl("GET", "nothing", "")
		Expect(st).To(Equal(404))
		Expect(body).To(ContainSubstring("POST " + knoxtest.ControlPrefix + "script"))
	})

	It("says what reset, expire and revoke changed", func() {
		mintToken(srv)
		mintToken(srv)
		st, _, body := ctl("POST", "expire", "")
		Expect(st).To(Equal(200))
		Expect(body).To(MatchJSON(`{"expired":2,"tokens":2}`))
		st, _, body = ctl("POST", "expire", "")
		Expect(body).To(MatchJSON(`{"expired":0,"tokens":2}`), "already expired tokens do not count as changed")
		st, _, body = ctl("POST", "revoke", "{}")
		Expect(st).To(Equal(200))
		Expect(body).To(MatchJSON(`{"revoked":2,"tokens":2}`))
		st, _, body = ctl("POST", "reset", `{"all":true}`)
		Expect(st).To(Equal(400), "reset takes no body")
		st, _, body = ctl("POST", "reset", "")
		Expect(st).To(Equal(200))
		var out struct {
			Reset  bool
			Forgot map[string]int
		}
		Expect(json.Unmarshal([]byte(body), &out)).To(Succeed())
		Expect(out.Reset).To(BeTrue())
		Expect(out.Forgot).To(HaveKeyWithValue("accessTokens", 2))
		Expect(out.Forgot).To(HaveKeyWithValue("jtis", 2))
		Expect(out.Forgot["exchanges"]).To(BeNumerically(">=", 2))
	})

	It("streams the journal, honouring ?since=", func() {
		for range 5 {
			listDevices(srv, "", 0)
		}
		st, h, body := ctl("GET", "journal", "")
		Expect(st).To(Equal(200))
		Expect(h.Get("X-Knoxtest-Journal-Last-Seq")).To(Equal("5"))
		var all []knoxtest.Exchange
		Expect(json.Unmarshal([]byte(body), &all)).To(Succeed())
		Expect(all).To(HaveLen(5))
		st, _, body = ctl("GET", "journal?since=3", "")
		Expect(st).To(Equal(200))
		var tail []knoxtest.Exchange
		Expect(json.Unmarshal([]byte(body), &tail)).To(Succeed())
		Expect(tail).To(HaveLen(2))
		Expect(tail[0].Seq).To(Equal(4))
		st, _, body = ctl("GET", "journal?since=soon", "")
		Expect(st).To(Equal(400))
		Expect(body).To(ContainSubstring("integer"))
		st, _, body = ctl("GET", "journal?after=3", "")
		Expect(st).To(Equal(400))
		Expect(body).To(ContainSubstring("since=N"))
	})
})
