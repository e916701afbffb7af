package knoxtest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

type deviceList struct {
	TotalCount int `json:"totalCount"`
	DeviceList []struct {
		Mei          string `json:"mei"`
		SerialNumber string `json:"serialNumber"`
	} `json:"deviceList"`
}

func deleteDevices(srv *knoxtest.Server, jwt string, ids ...string) response {
	b, _ := json.Marshal(map[string]any{"devices": map[string]any{"imeiOrSerials": ids}})
	return do(srv, http.MethodPost, "/kcs/v1/kme/devices/delete", b,
		map[string]string{"x-knox-apitoken": jwt, "Content-Type": "application/json", "Accept": "application/json"})
}

var _ = Describe("KME resource calls", func() {
	var (
		srv *knoxtest.Server
		k   *knoxkeys.Keys
		tok string
	)
	BeforeEach(func() {
		srv, k, tok = mintedServer()
	})

	It("pages over the 25 seeded devices, 10 a page", func() {
		seen := map[string]bool{}
		for page := 0; page < 3; page++ {
			r := listDevices(srv, apiToken(k, tok), page)
			Expect(r.Status).To(Equal(200))
			var dl deviceList
			Expect(json.Unmarshal(r.Body, &dl)).To(Succeed())
			Expect(dl.TotalCount).To(Equal(25))
			for _, d := range dl.DeviceList {
				seen[d.Mei] = true
			}
		}
		Expect(seen).To(HaveLen(25))
		ex := lastExchange(srv)
		Expect(ex.JWT.Subject).To(Equal("accessToken"))
		Expect(ex.JWT.TokenFingerprint).To(Equal(srv.Journal()[0].IssuedToken))
		Expect(ex.Query).To(Equal("pageNum=2"))
	})

	It("matches x-knox-apitoken case-insensitively", func() {
		r := do(srv, "GET", "/kcs/v1/kme/devices/list", nil, map[string]string{"X-KNOX-APITOKEN": apiToken(k, tok)})
		Expect(r.Status).To(Equal(200))
	})

	It("deletes devices with success, failed (locked) and not-found lists", func() {
		r := deleteDevices(srv, apiToken(k, tok), "350000000001000", "R58N0000006", "nope")
		Expect(r.Status).To(Equal(200))
		var out map[string][]string
		Expect(json.Unmarshal(r.Body, &out)).To(Succeed())
		Expect(out["successDeviceList"]).To(ConsistOf("350000000001000"))
		Expect(out["failedDeviceList"]).To(ConsistOf("R58N0000006"))
		Expect(out["notFoundDeviceList"]).To(ConsistOf("nope"))
		var dl deviceList
		Expect(json.Unmarshal(listDevices(srv, apiToken(k, tok), 0).Body, &dl)).To(Succeed())
		Expect(dl.TotalCount).To(Equal(24))
	})

	It("answers 400 4000000 to an empty device list and a bad pageNum", func() {
		Expect(deleteDevices(srv, apiToken(k, tok)).Err.Code).To(Equal(knoxerr.ResourceInvalidParam))
		Expect(do(srv, "GET", "/kcs/v1/kme/devices/list?pageNum=-1", nil, map[string]string{"x-knox-apitoken": apiToken(k, tok)}).Err.Code).
			To(Equal(knoxerr.ResourceInvalidParam))
	})

	It("answers 422 to more devices than one call allows", func() {
		s2 := knoxtest.NewServer(knoxtest.WithMaxDevicesPerCall(2))
		DeferCleanup(s2.Close)
		r := deleteDevices(s2, apiToken(k, mintToken(s2)), "a", "b", "c")
		Expect(r.Status).To(Equal(422))
		Expect(lastExchange(s2).Code).To(Equal(knoxerr.HTTPUnprocessableEntity))
	})

	It("answers 401 without x-knox-apitoken", func() {
		r := do(srv, "GET", "/kcs/v1/kme/devices/list", nil, nil)
		Expect(r.Status).To(Equal(401))
		Expect(lastExchange(srv).Code).To(Equal(knoxerr.HTTPUnauthorized))
	})

	It("answers 401 40122050 to a JWT signed with another key than the token's", func() {
		other, err := knoxkeys.Generate(1024, "o")
		Expect(err).NotTo(HaveOccurred())
		r := listDevices(srv, apiToken(other, tok), 0)
		Expect(r.Status).To(Equal(401))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenBadRequest))
		Expect(listDevices(srv, "garbage", 0).Err.Code).To(Equal(knoxerr.AccessTokenBadRequest))
	})

	It("answers 403 4032252 to an unknown or revoked token", func() {
		Expect(listDevices(srv, apiToken(k, "never-issued"), 0).Err.Code).To(Equal(knoxerr.AccessTokenInvalid))
		srv.RevokeTokens()
		r := listDevices(srv, apiToken(k, tok), 0)
		Expect(r.Status).To(Equal(403))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenInvalid))
	})

	It("answers 403 4032251 once ExpireTokens ran, and a new token works again", func() {
		srv.ExpireTokens()
		r := listDevices(srv, apiToken(k, tok), 0)
		Expect(r.Status).To(Equal(403))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenExpired))
		Expect(listDevices(srv, apiToken(k, mintToken(srv)), 0).Status).To(Equal(200))
	})

	It("answers 403 4032251 to an access-token JWT whose own exp is past", func() {
		j, err := k.SignAccessToken(tok, time.Now().Add(-time.Hour), time.Minute)
		Expect(err).NotTo(HaveOccurred())
		Expect(listDevices(srv, j, 0).Err.Code).To(Equal(knoxerr.AccessTokenExpired))
	})

	It("answers 403 to a token of an identifier not entitled to KME", func() {
		var m knoxtest.Mistake
		for _, x := range srv.Mistakes() {
			if x.Op == "kme.listDevices" {
				m = x
			}
		}
		Expect(m.Code).To(Equal(knoxerr.HTTPForbidden))
		r := postAccessToken(srv, accessTokenBody(signCI(k, m.Credentials.ClientIdentifier), k.PublicB64(), 30))
		Expect(r.Status).To(Equal(200))
		var out struct{ AccessToken string }
		Expect(json.Unmarshal(r.Body, &out)).To(Succeed())
		r = listDevices(srv, apiToken(k, out.AccessToken), 0)
		Expect(r.Status).To(Equal(403))
		Expect(r.Err.Name).To(Equal("AUTHORIZATION_FAIL"))
		Expect(lastExchange(srv).Code).To(Equal(knoxerr.HTTPForbidden))
	})

	It("answers 406 when Accept rules out JSON and accepts */* and q-weighted lists", func() {
		get := func(accept string) int {
			return do(srv, "GET", "/kcs/v1/kme/devices/list", nil, map[string]string{"x-knox-apitoken": apiToken(k, tok), "Accept": accept}).Status
		}
		Expect(get("text/html")).To(Equal(406))
		Expect(get("application/json;q=0, text/plain")).To(Equal(406))
		Expect(get("text/html, */*;q=0.1")).To(Equal(200))
		Expect(get("application/json")).To(Equal(200))
	})

	It("answers 429 past the per-token rate limit, with Retry-After when configured", func() {
		s2 := knoxtest.NewServer(knoxtest.WithRateLimit(0.001, 2), knoxtest.WithRetryAfterOnRateLimit("7"))
		DeferCleanup(s2.Close)
		t2 := mintToken(s2)
		Expect(listDevices(s2, apiToken(k, t2), 0).Status).To(Equal(200))
		Expect(listDevices(s2, apiToken(k, t2), 0).Status).To(Equal(200))
		r := listDevices(s2, apiToken(k, t2), 0)
		Expect(r.Status).To(Equal(429))
		Expect(r.Header.Get("Retry-After")).To(Equal("7"))
		Expect(lastExchange(s2).RetryAfter).To(Equal("7"))
		// Another token has its own bucket.
		Expect(listDevices(s2, apiToken(k, mintToken(s2)), 0).Status).To(Equal(200))
	})

	It("rejects a reused jti on resource calls only with WithJTIOnResources", func() {
		j := apiToken(k, tok)
		Expect(listDevices(srv, j, 0).Status).To(Equal(200))
		Expect(listDevices(srv, j, 0).Status).To(Equal(200))
		s2 := knoxtest.NewServer(knoxtest.WithJTIOnResources())
		DeferCleanup(s2.Close)
		j2 := apiToken(k, mintToken(s2))
		Expect(listDevices(s2, j2, 0).Status).To(Equal(200))
		Expect(listDevices(s2, j2, 0).Err.Code).To(Equal(knoxerr.APIKeyNonUniqueJWTID))
	})

	It("answers 404 to an unknown path and 501 to the unimplemented route", func() {
		r := do(srv, "GET", "/kcs/v1/nothing", nil, nil)
		Expect(r.Status).To(Equal(404))
		Expect(lastExchange(srv).Code).To(Equal(knoxerr.HTTPNotFound))
		r = do(srv, "POST", "/kcs/v1/kme/devices/unassignProfile", []byte(`{}`), nil)
		Expect(r.Status).To(Equal(501))
		Expect(lastExchange(srv).Route).To(Equal(knoxtest.RouteUnimplemented))
	})

	It("never answers 500 on its own, only by injection", func() {
		srv.Script(knoxtest.RouteListDevices, knoxtest.Step{Code: knoxerr.HTTPInternalServerError})
		Expect(listDevices(srv, apiToken(k, tok), 0).Status).To(Equal(500))
		Expect(lastExchange(srv).Injected).To(BeTrue())
		Expect(listDevices(srv, apiToken(k, tok), 0).Status).To(Equal(200))
	})

	It("renders natural errors in the shape chosen with WithErrorShape", func() {
		s2 := knoxtest.NewServer(knoxtest.WithErrorShape(knoxerr.ShapeResult))
		DeferCleanup(s2.Close)
		t2 := mintToken(s2)
		s2.RevokeTokens()
		r := listDevices(s2, apiToken(k, t2), 0)
		Expect(r.Err.Shape).To(Equal(knoxerr.ShapeResult))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenInvalid))
	})

	It("redacts x-knox-apitoken in the journal headers", func() {
		j := apiToken(k, tok)
		listDevices(srv, j, 0)
		h := lastExchange(srv).Header["X-Knox-Apitoken"]
		Expect(h).To(HavePrefix("<redacted sha256:"))
		Expect(strings.Contains(h, j)).To(BeFalse())
	})
})
