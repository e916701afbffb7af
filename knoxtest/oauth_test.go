package knoxtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const oauthTokenPath = "/ams/v1/oauth2/token"

type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
}

func decodeToken(r response) tokenAnswer {
	Expect(r.Status).To(Equal(200), string(r.Body))
	var t tokenAnswer
	Expect(json.Unmarshal(r.Body, &t)).To(Succeed())
	Expect(t.AccessToken).NotTo(BeEmpty())
	return t
}

func clientCredentials(c knoxtest.Credentials, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {c.OAuthClientID},
		"client_secret": {c.OAuthClientSecret}, "scope": {scope}}
}

func kcList(srv *knoxtest.Server, token string, body string, hdr map[string]string) response {
	h := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "application/json"}
	for k, v := range hdr {
		h[k] = v
	}
	return do(srv, http.MethodPost, "/kc/v2/devices/getDevices", []byte(body), h)
}

var _ = Describe("OAuth 2.0 token server", func() {
	var (
		srv *knoxtest.Server
		c   knoxtest.Credentials
	)
	BeforeEach(func() {
		srv = knoxtest.NewServer()
		DeferCleanup(srv.Close)
		c = srv.Credentials()
	})
	token := func(f url.Values) response { return postForm(srv, oauthTokenPath, f) }

	It("issues a Bearer token to golang.org/x/oauth2's clientcredentials, which Knox Configure accepts", func() {
		cfg := clientcredentials.Config{ClientID: c.OAuthClientID, ClientSecret: c.OAuthClientSecret,
			TokenURL: srv.URL + oauthTokenPath, Scopes: []string{knoxtest.ScopeKCDevicesView},
			EndpointParams: url.Values{"expires_in": {"120"}}}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
		tok, err := cfg.Token(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(tok.TokenType).To(Equal("Bearer"))
		Expect(time.Until(tok.Expiry)).To(BeNumerically("~", 120*time.Second, 5*time.Second))
		Expect(tok.Extra("scope")).To(Equal(knoxtest.ScopeKCDevicesView))
		r := kcList(srv, tok.AccessToken, `{"pageSize":10}`, nil)
		Expect(r.Status).To(Equal(200), string(r.Body))
		j := srv.Journal()
		Expect(j[0].Route).To(Equal(knoxtest.RouteOAuthToken))
		Expect(j[0].IssuedToken).NotTo(BeEmpty())
		Expect(j[0].Form).NotTo(HaveKey("client_secret"), "x/oauth2 authenticates with HTTP Basic when it can")
		Expect(j[1].BearerToken).To(Equal(j[0].IssuedToken))
	})

	It("accepts client_secret in the body and defaults the lifetime to 599 s", func() {
		t := decodeToken(token(clientCredentials(c, knoxtest.ScopeKCDevicesView)))
		Expect(t.TokenType).To(Equal("Bearer"))
		Expect(t.ExpiresIn).To(Equal(599))
		Expect(lastExchange(srv).Form["client_secret"]).To(HavePrefix("<redacted"))
	})

	DescribeTable("answers RFC 6749 §5.2 errors produced from the mistake itself",
		func(mutate func(url.Values, *map[string]string), code knoxerr.Code, status int) {
			f := clientCredentials(c, knoxtest.ScopeKCDevicesView)
			hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			mutate(f, &hdr)
			path := oauthTokenPath
			if q := hdr["query"]; q != "" {
				path += "?" + q
				delete(hdr, "query")
			}
			r := do(srv, http.MethodPost, path, []byte(f.Encode()), hdr)
			Expect(r.Status).To(Equal(status), string(r.Body))
			Expect(r.Err.Shape).To(Equal(knoxerr.ShapeOAuth))
			Expect(r.Err.Code).To(Equal(code))
			Expect(r.Err.Detail).NotTo(BeEmpty())
			Expect(r.Header.Get("Cache-Control")).To(Equal("no-store"))
			Expect(lastExchange(srv).Code).To(Equal(code))
		},
		Entry("wrong secret", func(f url.Values, _ *map[string]string) { f.Set("client_secret", "not-the-secret") }, knoxerr.OAuthInvalidClient, 401),
		Entry("unknown client", func(f url.Values, _ *map[string]string) { f.Set("client_id", "nobody") }, knoxerr.OAuthInvalidClient, 401),
		Entry("no client authentication", func(f url.Values, _ *map[string]string) { f.Del("client_id"); f.Del("client_secret") }, knoxerr.OAuthInvalidClient, 401),
		Entry("unknown grant", func(f url.Values, _ *map[string]string) { f.Set("grant_type", "password") }, knoxerr.OAuthUnsupportedGrantType, 400),
		Entry("no grant", func(f url.Values, _ *map[string]string) { f.Del("grant_type") }, knoxerr.OAuthInvalidRequest, 400),
		Entry("scope not granted", func(f url.Values, _ *map[string]string) { f.Set("scope", "kdms.devices:upload") }, knoxerr.OAuthInvalidScope, 400),
		Entry("no scope", func(f url.Values, _ *map[string]string) { f.Del("scope") }, knoxerr.OAuthInvalidRequest, 400),
		Entry("expires_in over 60 minutes", func(f url.Values, _ *map[string]string) { f.Set("expires_in", "3601") }, knoxerr.OAuthInvalidRequest, 400),
		Entry("a JSON body", func(_ url.Values, h *map[string]string) { (*h)["Content-Type"] = "application/json" }, knoxerr.OAuthInvalidRequest, 400),
		Entry("a client only allowed client_credentials asks for a code grant", func(f url.Values, _ *map[string]string) {
			f.Set("client_id", "knoxtest-oauth-kai-only")
			f.Set("client_secret", "kai-only-secret-0123456789abcdef0123456789")
			f.Set("grant_type", "authorization_code")
		}, knoxerr.OAuthUnauthorizedClient, 400),
	)

	It("never journals the secret of a secret sent in the URL", func() {
		do(srv, http.MethodPost, oauthTokenPath+"?client_secret=hunter2hunter2", nil, nil)
		Expect(lastExchange(srv).Query).NotTo(ContainSubstring("hunter2"))
	})

	Describe("authorization_code and refresh_token", func() {
		codeForm := func(code, verifier string) url.Values {
			f := url.Values{"grant_type": {"authorization_code"}, "client_id": {c.OAuthClientID}, "client_secret": {c.OAuthClientSecret},
				"code": {code}, "redirect_uri": {c.OAuthRedirectURI}}
			if verifier != "" {
				f.Set("code_verifier", verifier)
			}
			return f
		}
		refreshForm := func(rt string) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {c.OAuthClientID}, "client_secret": {c.OAuthClientSecret}, "refresh_token": {rt}}
		}

		It("exchanges a code once; a reused code is invalid_grant and revokes what it issued", func() {
			code := srv.IssueOAuthCode(knoxtest.OAuthCode{})
			t := decodeToken(token(codeForm(code, "")))
			Expect(t.RefreshToken).NotTo(BeEmpty())
			Expect(kcList(srv, t.AccessToken, `{}`, nil).Status).To(Equal(200))
			r := token(codeForm(code, ""))
			Expect(r.Err.Code).To(Equal(knoxerr.OAuthInvalidGrant))
			Expect(kcList(srv, t.AccessToken, `{}`, nil).Err.Code).To(Equal(knoxerr.OAuthInvalidToken))
			Expect(token(refreshForm(t.RefreshToken)).Err.Code).To(Equal(knoxerr.OAuthInvalidGrant))
		})

		It("refuses an expired code, a wrong redirect_uri and a wrong PKCE verifier", func() {
			short := knoxtest.NewServer(knoxtest.WithAuthCodeTTL(10 * time.Millisecond))
			DeferCleanup(short.Close)
			sc := short.Credentials()
			code := short.IssueOAuthCode(knoxtest.OAuthCode{})
			time.Sleep(30 * time.Millisecond)
			f := url.Values{"grant_type": {"authorization_code"}, "client_id": {sc.OAuthClientID}, "client_secret": {sc.OAuthClientSecret},
				"code": {code}, "redirect_uri": {sc.OAuthRedirectURI}}
			Expect(postForm(short, oauthTokenPath, f).Err.Detail).To(ContainSubstring("expired"))

			code = srv.IssueOAuthCode(knoxtest.OAuthCode{})
			f = codeForm(code, "")
			f.Set("redirect_uri", "https://uem.example.test/elsewhere")
			Expect(token(f).Err.Code).To(Equal(knoxerr.OAuthInvalidGrant))

			verifier := strings.Repeat("v", 50)
			code = srv.IssueOAuthCode(knoxtest.OAuthCode{CodeChallenge: knoxtest.PKCEChallenge(verifier), CodeChallengeMethod: "S256"})
			Expect(token(codeForm(code, "")).Err.Detail).To(ContainSubstring("code_verifier"))
			Expect(token(codeForm(code, strings.Repeat("w", 50))).Err.Code).To(Equal(knoxerr.OAuthInvalidGrant))
			decodeToken(token(codeForm(code, verifier)))
		})

		It("rotates the refresh token: the old one is invalid_grant, the new one works", func() {
			t := decodeToken(token(codeForm(srv.IssueOAuthCode(knoxtest.OAuthCode{}), "")))
			t2 := decodeToken(token(refreshForm(t.RefreshToken)))
			Expect(t2.RefreshToken).NotTo(BeEmpty())
			Expect(t2.RefreshToken).NotTo(Equal(t.RefreshToken))
			Expect(lastExchange(srv).IssuedRefresh).NotTo(BeEmpty())
			r := token(refreshForm(t.RefreshToken))
			Expect(r.Err.Code).To(Equal(knoxerr.OAuthInvalidGrant))
			Expect(r.Err.Detail).To(ContainSubstring("already used"))
			decodeToken(token(refreshForm(t2.RefreshToken)))
		})

		It("revokes an access token (RFC 7009): later Bearer calls are 401 invalid_token", func() {
			t := decodeToken(token(clientCredentials(c, knoxtest.ScopeKCDevicesView)))
			r := postForm(srv, "/ams/v1/oauth2/revoke", url.Values{"token": {t.AccessToken}, "client_id": {c.OAuthClientID}, "client_secret": {c.OAuthClientSecret}})
			Expect(r.Status).To(Equal(200), string(r.Body))
			r = kcList(srv, t.AccessToken, `{}`, nil)
			Expect(r.Status).To(Equal(401))
			Expect(r.Header.Get("WWW-Authenticate")).To(ContainSubstring(`error="invalid_token"`))
		})
	})

	It("expires tokens at expires_in for real", func() {
		short := knoxtest.NewServer(knoxtest.WithOAuthTokenLifetime(300 * time.Millisecond))
		DeferCleanup(short.Close)
		t := decodeToken(postForm(short, oauthTokenPath, clientCredentials(short.Credentials(), knoxtest.ScopeKCDevicesView)))
		Expect(t.ExpiresIn).To(Equal(0), "a 300 ms lifetime rounds down to 0 whole seconds")
		Expect(kcList(short, t.AccessToken, `{}`, nil).Status).To(Equal(200))
		time.Sleep(350 * time.Millisecond)
		Expect(kcList(short, t.AccessToken, `{}`, nil).Err.Code).To(Equal(knoxerr.OAuthInvalidToken))
	})

	It("answers 403 insufficient_scope for a token without the route's scope", func() {
		t := decodeToken(token(clientCredentials(c, knoxtest.ScopeKAI)))
		r := kcList(srv, t.AccessToken, `{}`, nil)
		Expect(r.Status).To(Equal(403))
		Expect(r.Err.Code).To(Equal(knoxerr.OAuthInsufficientScope))
	})

	It("requires x-wsm-managed-tenantid from an MSP", func() {
		msp := knoxtest.NewServer(knoxtest.WithMSPTenant())
		DeferCleanup(msp.Close)
		mc := msp.Credentials()
		Expect(mc.OAuthTenantID).NotTo(BeEmpty())
		t := decodeToken(postForm(msp, oauthTokenPath, clientCredentials(mc, knoxtest.ScopeKCDevicesView)))
		Expect(kcList(msp, t.AccessToken, `{}`, nil).Status).To(Equal(403))
		Expect(kcList(msp, t.AccessToken, `{}`, map[string]string{"x-wsm-managed-tenantid": "someone-else"}).Status).To(Equal(403))
		Expect(kcList(msp, t.AccessToken, `{}`, map[string]string{"x-wsm-managed-tenantid": mc.OAuthTenantID}).Status).To(Equal(200))
	})
})

var _ = Describe("Knox Configure v2 device listing", func() {
	It("pages with searchAfter to the end, refuses pageSize over 100 and foreign cursors, and limits to 10 requests/s", func() {
		srv := knoxtest.NewServer(knoxtest.WithDevices(25))
		DeferCleanup(srv.Close)
		t := decodeToken(postForm(srv, oauthTokenPath, clientCredentials(srv.Credentials(), knoxtest.ScopeKCDevicesView)))
		seen := map[string]bool{}
		cursor := ""
		for range 5 {
			body := `{"pageSize":10}`
			if cursor != "" {
				body = `{"pageSize":10,"searchAfter":"` + cursor + `"}`
			}
			r := kcList(srv, t.AccessToken, body, nil)
			Expect(r.Status).To(Equal(200), string(r.Body))
			var page struct {
				Devices []struct {
					DeviceID string `json:"deviceId"`
				} `json:"devices"`
				TotalCount      int    `json:"totalCount"`
				NextSearchAfter string `json:"nextSearchAfter"`
			}
			Expect(json.Unmarshal(r.Body, &page)).To(Succeed())
			Expect(page.TotalCount).To(Equal(25))
			for _, d := range page.Devices {
				Expect(seen).NotTo(HaveKey(d.DeviceID))
				seen[d.DeviceID] = true
			}
			Expect(lastExchange(srv).NextCursor).To(Equal(page.NextSearchAfter))
			cursor = page.NextSearchAfter
			if cursor == "" {
				break
			}
		}
		Expect(seen).To(HaveLen(25))
		Expect(lastExchange(srv).Page).To(Equal(2))

		r := kcList(srv, t.AccessToken, `{"pageSize":101}`, nil)
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.ResourceInvalidParam))
		Expect(kcList(srv, t.AccessToken, `{"searchAfter":"bm90LW91cnM"}`, nil).Status).To(Equal(400))

		limited := 0
		for range 15 {
			if kcList(srv, t.AccessToken, `{}`, nil).Status == http.StatusTooManyRequests {
				limited++
			}
		}
		Expect(limited).To(BeNumerically(">", 0))
	})
})

var _ = Describe("Knox Guard device commands", func() {
	var (
		srv *knoxtest.Server
		jwt string
	)
	BeforeEach(func() {
		var tok string
		srv, _, tok = mintedServer()
		jwt = apiToken(loadKeys(srv), tok)
	})
	kg := func(path, body string) response {
		return do(srv, http.MethodPost, path, []byte(body), map[string]string{"x-knox-apitoken": jwt, "Content-Type": "application/json"})
	}

	It("locks one device and answers SUCCESS; an unknown device is a result/error body", func() {
		r := kg("/kcs/v1.1/kg/devices/lock", `{"deviceUid":"350000000001000","message":"Payment overdue"}`)
		Expect(r.Status).To(Equal(200), string(r.Body))
		res, err := knoxerr.ParseResult(r.Status, r.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.OK()).To(BeTrue())
		Expect(srv.GuardLocked("350000000001000")).To(BeTrue())
		Expect(kg("/kcs/v1.1/kg/devices/unlock", `{"deviceUid":"350000000001000"}`).Status).To(Equal(200))
		Expect(srv.GuardLocked("350000000001000")).To(BeFalse())

		r = kg("/kcs/v1.1/kg/devices/lock", `{"deviceUid":"359999999999999"}`)
		Expect(r.Status).To(Equal(404))
		Expect(r.Err.Shape).To(Equal(knoxerr.ShapeResult))
		Expect(r.Err.Code).To(Equal(knoxerr.ResourceNotFound))
		Expect(kg("/kcs/v1.1/kg/devices/sendMessage", `{"deviceUid":"350000000001000"}`).Err.Code).To(Equal(knoxerr.ResourceInvalidParam))
	})

	It("answers a bulk with per-device results", func() {
		r := kg("/kcs/v1.1/kg/devices/lock", `{"deviceUids":["350000000001000","359999999999999"]}`)
		Expect(r.Status).To(Equal(200), string(r.Body))
		b, err := knoxerr.ParseBulk(r.Status, r.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(b.Success).To(Equal(1))
		Expect(b.Failed()).To(HaveLen(1))
		Expect(b.Failed()[0].Err.Code).To(Equal(knoxerr.ResourceNotFound))
	})

	It("does not take OAuth 2.0 (Knox Guard is legacy authentication only)", func() {
		t := decodeToken(postForm(srv, oauthTokenPath, clientCredentials(srv.Credentials(), knoxtest.ScopeKCDevicesView)))
		r := do(srv, http.MethodPost, "/kcs/v1.1/kg/devices/lock", []byte(`{"deviceUid":"350000000001000"}`),
			map[string]string{"Authorization": "Bearer " + t.AccessToken, "Content-Type": "application/json"})
		Expect(r.Status).To(Equal(401))
		Expect(r.Err.Shape).To(Equal(knoxerr.ShapeResult))
	})

	It("renders a scripted 500 in the result/error body", func() {
		srv.Script(knoxtest.RouteKGLock, knoxtest.Step{Code: knoxerr.HTTPInternalServerError})
		r := kg("/kcs/v1.1/kg/devices/lock", `{"deviceUid":"350000000001000"}`)
		Expect(r.Status).To(Equal(500))
		Expect(r.Err.Shape).To(Equal(knoxerr.ShapeResult))
		Expect(srv.GuardLocked("350000000001000")).To(BeFalse(), "a scripted reply changes no state")
	})
})
