package knoxtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const saTokenPath = "/sa/auth/oauth2/token"

var _ = Describe("Samsung Account endpoints", func() {
	var (
		srv *knoxtest.Server
		c   knoxtest.Credentials
	)
	BeforeEach(func() {
		srv = knoxtest.NewServer()
		DeferCleanup(srv.Close)
		c = srv.Credentials()
	})

	exchange := func(f url.Values) response { return postForm(srv, saTokenPath, f) }

	It("exchanges an issued code once, and answers AUT_1802 to the same code again", func() {
		code := srv.IssueAuthCode(c.SAClientID)
		r := exchange(saForm(c, code))
		Expect(r.Status).To(Equal(200), string(r.Body))
		var tok map[string]any
		Expect(json.Unmarshal(r.Body, &tok)).To(Succeed())
		Expect(tok).To(HaveKey("access_token"))
		Expect(tok).To(HaveKey("refresh_token"))
		Expect(tok).To(HaveKeyWithValue("token_type", "bearer"))
		Expect(tok).To(HaveKey("expires_in"))
		r = exchange(saForm(c, code))
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.AUT1802))
		var body map[string]any
		Expect(json.Unmarshal(r.Body, &body)).To(Succeed())
		Expect(body).To(HaveKeyWithValue("code", "AUT_1802"))
		Expect(body).To(HaveKey("message"))
		ex := lastExchange(srv)
		Expect(ex.Form["code"]).To(HavePrefix("sha256:"))
		Expect(ex.Form["client_secret"]).To(HavePrefix("<redacted"))
		Expect(ex.Form["client_id"]).To(Equal(c.SAClientID))
	})

	It("reads the parameters only from a body declared as a form (AUT_1001 otherwise; our choice)", func() {
		code := srv.IssueAuthCode(c.SAClientID)
		body := []byte(saForm(c, code).Encode())
		for _, ct := range []string{"", "text/plain", "application/json"} {
			h := map[string]string{}
			if ct != "" {
				h["Content-Type"] = ct
			}
			r := do(srv, http.MethodPost, saTokenPath, body, h)
			Expect(r.Status).To(Equal(400), "Content-Type %q", ct)
			Expect(r.Err.Code).To(Equal(knoxerr.AUT1001), "Content-Type %q", ct)
		}
		// The code was not consumed by the refused requests.
		Expect(exchange(saForm(c, code)).Status).To(Equal(200))
	})

	It("answers AUT_1802 to an expired code", func() {
		s2 := knoxtest.NewServer(knoxtest.WithAuthCodeTTL(time.Nanosecond))
		DeferCleanup(s2.Close)
		code := s2.IssueAuthCode(s2.Credentials().SAClientID)
		time.Sleep(time.Millisecond)
		Expect(postForm(s2, saTokenPath, saForm(s2.Credentials(), code)).Err.Code).To(Equal(knoxerr.AUT1802))
	})

	DescribeTable("applies the documented AUT rules to one wrong field",
		func(mutate func(url.Values), want knoxerr.Code) {
			f := saForm(c, srv.IssueAuthCode(c.SAClientID))
			mutate(f)
			r := exchange(f)
			Expect(r.Status).To(Equal(400))
			Expect(r.Err.Code).To(Equal(want))
			Expect(lastExchange(srv).Code).To(Equal(want))
		},
		Entry("AUT_1001 client_id missing", func(f url.Values) { f.Del("client_id") }, knoxerr.AUT1001),
		Entry("AUT_1002 client_secret empty", func(f url.Values) { f.Set("client_secret", "") }, knoxerr.AUT1002),
		Entry("AUT_1006 code missing", func(f url.Values) { f.Del("code") }, knoxerr.AUT1006),
		Entry("AUT_1008 grant_type missing", func(f url.Values) { f.Del("grant_type") }, knoxerr.AUT1008),
		Entry("AUT_1010 client_id too long", func(f url.Values) { f.Set("client_id", f.Get("client_id")+"x") }, knoxerr.AUT1010),
		Entry("AUT_1011 client_secret too short", func(f url.Values) { f.Set("client_secret", "short") }, knoxerr.AUT1011),
		Entry("AUT_1015 code too short", func(f url.Values) { f.Set("code", "abc") }, knoxerr.AUT1015),
		Entry("AUT_1017 grant_type not authorization_code", func(f url.Values) { f.Set("grant_type", "client_credentials") }, knoxerr.AUT1017),
		Entry("AUT_1022 redirect_uri http", func(f url.Values) { f.Set("redirect_uri", "http://uem.example.test/cb") }, knoxerr.AUT1022),
		Entry("AUT_1022 redirect_uri not encoded", func(f url.Values) { f.Set("redirect_uri", "https://uem.example.test/a b") }, knoxerr.AUT1022),
		Entry("AUT_1022 redirect_uri not registered", func(f url.Values) { f.Set("redirect_uri", "https://uem.example.test/other") }, knoxerr.AUT1022),
		Entry("AUT_1024 client_id upper case", func(f url.Values) { f.Set("client_id", "ABCDEFGHIJ") }, knoxerr.AUT1024),
		Entry("AUT_1045 redirect_uri too long", func(f url.Values) { f.Set("redirect_uri", "https://x.test/"+strings.Repeat("a", 2100)) }, knoxerr.AUT1045),
		Entry("AUT_1702 wrong secret", func(f url.Values) { f.Set("client_secret", strings.Repeat("9", 32)) }, knoxerr.AUT1702),
		Entry("AUT_1785 unknown client", func(f url.Values) { f.Set("client_id", "1234567890") }, knoxerr.AUT1785),
		Entry("AUT_1802 never-issued code", func(f url.Values) { f.Set("code", strings.Repeat("c", 32)) }, knoxerr.AUT1802),
	)

	It("answers AUT_1806 to a code issued to another client", func() {
		var m knoxtest.Mistake
		for _, x := range srv.Mistakes() {
			if x.Code == knoxerr.AUT1806 {
				m = x
			}
		}
		r := exchange(saForm(m.Credentials, m.AuthCode))
		Expect(r.Err.Code).To(Equal(knoxerr.AUT1806))
	})

	It("authorizes a token for its own app id and applies the LIC rules", func() {
		code := srv.IssueAuthCode(c.SAClientID)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		Expect(json.Unmarshal(exchange(saForm(c, code)).Body, &tok)).To(Succeed())
		Expect(authorize(srv, c.SAAppID, tok.AccessToken).Status).To(Equal(200))
		Expect(lastExchange(srv).Form["authToken"]).To(HavePrefix("sha256:"))

		r := authorize(srv, "", tok.AccessToken)
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.LIC4101))
		Expect(authorize(srv, c.SAAppID, "bad token!").Err.Code).To(Equal(knoxerr.LIC4101))
		Expect(authorize(srv, c.SAAppID, strings.Repeat("A", 43)).Err.Code).To(Equal(knoxerr.LIC4102))
		Expect(authorize(srv, "zz9other01", tok.AccessToken).Err.Code).To(Equal(knoxerr.LIC4103))
	})

	It("answers LIC_5101 with HTTP 500 only by injection", func() {
		srv.Script(knoxtest.RouteSAAuthorize, knoxtest.Step{Code: knoxerr.LIC5101})
		r := authorize(srv, c.SAAppID, strings.Repeat("A", 43))
		Expect(r.Status).To(Equal(500))
		Expect(r.Err.Code).To(Equal(knoxerr.LIC5101))
		Expect(lastExchange(srv).Injected).To(BeTrue())
	})
})

var _ = Describe("Mistakes", func() {
	It("is deterministic and each mistake really produces its code", func() {
		srv := knoxtest.NewServer()
		DeferCleanup(srv.Close)
		ms := srv.Mistakes()
		again := srv.Mistakes()
		Expect(ms).To(HaveLen(len(again)))
		for i := range ms {
			Expect(ms[i].Code).To(Equal(again[i].Code))
			Expect(ms[i].Op).To(Equal(again[i].Op))
			Expect(ms[i].Description).To(Equal(again[i].Description))
		}
		covered := map[knoxerr.Code]bool{}
		for _, m := range ms {
			covered[m.Code] = true
			got := provoke(srv, m)
			Expect(got).To(Equal(m.Code), "%s via %s: %s", m.Code, m.Op, m.Description)
		}
		for _, want := range []knoxerr.Code{knoxerr.AUT1001, knoxerr.AUT1002, knoxerr.AUT1006, knoxerr.AUT1010, knoxerr.AUT1011,
			knoxerr.AUT1015, knoxerr.AUT1022, knoxerr.AUT1024, knoxerr.AUT1045, knoxerr.AUT1702, knoxerr.AUT1785, knoxerr.AUT1802,
			knoxerr.AUT1806, knoxerr.LIC4101, knoxerr.LIC4102, knoxerr.LIC4103, knoxerr.AccessTokenBadRequest,
			knoxerr.APIKeyRestrictionNotFound, knoxerr.APIKeyRestrictionInvalid, knoxerr.HTTPForbidden} {
			Expect(covered).To(HaveKey(want))
		}
	})
})
