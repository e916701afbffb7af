package knoxtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The README's OAuth 2.0 walk-through, request for request, with the
// credentials read from the sandbox's startup output as a reader would.
var _ = Describe("the sandbox's OAuth 2.0", func() {
	It("prints working OAuth credentials, issues a token with client_credentials and refuses a reused code", func() {
		ctx, cancel := context.WithCancel(context.Background())
		DeferCleanup(cancel)
		ready := make(chan *knoxtest.Server, 1)
		out := &syncBuffer{}
		go func() {
			_ = knoxtest.RunSandbox(ctx, knoxtest.SandboxConfig{Dir: GinkgoT().TempDir(), Ready: func(s *knoxtest.Server) { ready <- s }}, out)
		}()
		var srv *knoxtest.Server
		Eventually(ready).WithTimeout(10 * time.Second).Should(Receive(&srv))
		field := func(name string) string {
			m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + ` +(\S+)$`).FindStringSubmatch(out.String())
			Expect(m).To(HaveLen(2), "the startup output has no %q line:\n%s", name, out.String())
			return m[1]
		}
		id, secret, redirect := field("client_id"), field("client_secret"), field("redirect_uri")
		tokenURL := field("token endpoint")
		Expect(tokenURL).To(Equal(srv.URL + "/ams/v1/oauth2/token"))

		post := func(form url.Values) (int, map[string]any) {
			req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(id, secret) // curl -u "$CLIENT_ID:$CLIENT_SECRET"
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			var body map[string]any
			Expect(json.NewDecoder(resp.Body).Decode(&body)).To(Succeed())
			return resp.StatusCode, body
		}
		status, tok := post(url.Values{"grant_type": {"client_credentials"}, "scope": {knoxtest.ScopeKCDevicesView}})
		Expect(status).To(Equal(200), "%v", tok)
		Expect(tok).To(HaveKeyWithValue("token_type", "Bearer"))

		resp, err := http.Post(srv.URL+knoxtest.ControlPrefix+"oauthcode", "application/json", nil)
		Expect(err).NotTo(HaveOccurred())
		var code struct{ Code string }
		Expect(json.NewDecoder(resp.Body).Decode(&code)).To(Succeed())
		resp.Body.Close()
		exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code.Code}, "redirect_uri": {redirect}}
		status, _ = post(exchange)
		Expect(status).To(Equal(200))
		status, again := post(exchange)
		Expect(status).To(Equal(400))
		Expect(again).To(HaveKeyWithValue("error", string(knoxerr.OAuthInvalidGrant)))
	})
})
