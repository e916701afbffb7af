package knoxtest_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("fault scripts", func() {
	var (
		srv *knoxtest.Server
		k   *knoxkeys.Keys
		tok string
	)
	BeforeEach(func() {
		srv, k, tok = mintedServer()
	})

	It("runs steps in order, each for Times requests, Pass included, then behaves naturally", func() {
		srv.Script(knoxtest.RouteListDevices,
			knoxtest.Step{Times: 2, Code: knoxerr.HTTPTooManyRequests, RetryAfter: "1"},
			knoxtest.Step{Pass: true},
			knoxtest.Step{Code: knoxerr.IDPAuthorizationFail})
		var statuses []int
		for range 5 {
			statuses = append(statuses, listDevices(srv, apiToken(k, tok), 0).Status)
		}
		Expect(statuses).To(Equal([]int{429, 429, 200, 401, 200}))
		j := srv.Journal()[1:]
		Expect(j[0].RetryAfter).To(Equal("1"))
		Expect(j[0].Injected).To(BeTrue())
		Expect(j[2].Injected).To(BeFalse())
		Expect(j[3].Code).To(Equal(knoxerr.IDPAuthorizationFail))
		Expect(j[3].JWT).NotTo(BeNil())
		Expect(j[3].JWT.SignatureValid).To(BeTrue())
	})

	It("answers 500 instead of panicking on a scripted status that is not a final HTTP status", func() {
		srv.Script(knoxtest.RouteListDevices, knoxtest.Step{Status: 42}, knoxtest.Step{Status: 101})
		Expect(listDevices(srv, apiToken(k, tok), 0).Status).To(Equal(500))
		Expect(listDevices(srv, apiToken(k, tok), 0).Status).To(Equal(500))
	})

	It("applies a Forever step to every later request", func() {
		srv.Script(knoxtest.RouteListDevices, knoxtest.Step{Times: knoxtest.Forever, Status: 500})
		for range 3 {
			Expect(listDevices(srv, apiToken(k, tok), 0).Status).To(Equal(500))
		}
	})

	DescribeTable("renders an injected code in every body shape",
		func(shape knoxerr.Shape, code knoxerr.Code, wantShape knoxerr.Shape) {
			srv.Script(knoxtest.RouteListDevices, knoxtest.Step{Code: code, Shape: shape})
			r := listDevices(srv, apiToken(k, tok), 0)
			Expect(r.Err.Shape).To(Equal(wantShape))
			Expect(r.Err.Code).To(Equal(code))
			Expect(lastExchange(srv).Code).To(Equal(code))
		},
		Entry("classic 4000000", knoxerr.ShapeClassic, knoxerr.ResourceInvalidParam, knoxerr.ShapeClassic),
		Entry("array 4032251", knoxerr.ShapeArray, knoxerr.AccessTokenExpired, knoxerr.ShapeArray),
		Entry("result 4032252", knoxerr.ShapeResult, knoxerr.AccessTokenInvalid, knoxerr.ShapeResult),
		Entry("oauth AUT_1802", knoxerr.ShapeOAuth, knoxerr.AUT1802, knoxerr.ShapeOAuth),
		Entry("classic LIC_5101", knoxerr.ShapeClassic, knoxerr.LIC5101, knoxerr.ShapeClassic),
	)

	It("keeps the spelling of a scripted code in the body and the canonical code in the journal", func() {
		srv.Script(knoxtest.RouteAccessToken, knoxtest.Step{Code: knoxerr.AccessTokenBadRequest}, knoxtest.Step{Code: knoxerr.AccessTokenBadRequestAlias})
		k := loadKeys(srv)
		for _, want := range []string{"40122050", "4012250"} {
			r := postAccessToken(srv, accessTokenBody(signCI(k, srv.Credentials().ClientIdentifier), k.PublicB64(), 30))
			Expect(r.Status).To(Equal(401))
			Expect(r.Err.RawCode).To(Equal(want))
			Expect(r.Err.Name).To(Equal("ACCESS_TOKEN_BAD_REQUEST"))
			Expect(lastExchange(srv).Code).To(Equal(knoxerr.AccessTokenBadRequest))
		}
	})

	It("sends an empty body and an HTML body as a gateway would", func() {
		srv.Script(knoxtest.RouteListDevices, knoxtest.Step{Fault: knoxtest.FaultEmpty, Status: 503},
			knoxtest.Step{Fault: knoxtest.FaultHTML})
		r := listDevices(srv, apiToken(k, tok), 0)
		Expect(r.Status).To(Equal(503))
		Expect(r.Body).To(BeEmpty())
		r = listDevices(srv, apiToken(k, tok), 0)
		Expect(r.Status).To(Equal(502))
		Expect(string(r.Body)).To(ContainSubstring("<html>"))
		Expect(lastExchange(srv).Fault).To(Equal(knoxtest.FaultHTML))
	})

	It("resets the connection before any response byte", func() {
		srv.Script(knoxtest.RouteListDevices, knoxtest.Step{Fault: knoxtest.FaultReset})
		req, _ := http.NewRequest("GET", srv.URL+"/kcs/v1/kme/devices/list", nil)
		req.Header.Set("x-knox-apitoken", apiToken(k, tok))
		// A fresh connection: Go's Transport silently retries an idempotent
		// request once when a reused connection is closed before the response.
		_, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		Expect(err).To(HaveOccurred())
		Eventually(func() knoxtest.Fault { return lastExchange(srv).Fault }).Should(Equal(knoxtest.FaultReset))
		Expect(lastExchange(srv).Injected).To(BeTrue())
	})

	It("hangs until the client gives up, journaling the request while it hangs", func() {
		srv.Script(knoxtest.RouteListDevices, knoxtest.Step{Fault: knoxtest.FaultHang})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/kcs/v1/kme/devices/list", nil)
		req.Header.Set("x-knox-apitoken", apiToken(k, tok))
		_, err := srv.Client().Do(req)
		Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue())
		Expect(lastExchange(srv).Fault).To(Equal(knoxtest.FaultHang))
		Expect(lastExchange(srv).Status).To(Equal(0))
	})

	It("Close returns promptly with a hung request and its temp dir is gone", func() {
		s2 := knoxtest.NewServer()
		s2.Script(knoxtest.RouteSAToken, knoxtest.Step{Fault: knoxtest.FaultHang, Times: knoxtest.Forever})
		errc := make(chan error, 1)
		go func() {
			_, err := s2.Client().Post(s2.Endpoints().SATokenURL, "application/x-www-form-urlencoded", strings.NewReader("a=b"))
			errc <- err
		}()
		Eventually(func() int { return len(s2.Journal()) }).Should(Equal(1))
		keysFile := s2.Credentials().KeysFile
		closed := make(chan struct{})
		go func() { s2.Close(); close(closed) }()
		Eventually(closed).WithTimeout(2 * time.Second).Should(BeClosed())
		Eventually(errc).WithTimeout(2 * time.Second).Should(Receive(HaveOccurred()))
		_, err := os.Stat(keysFile)
		Expect(os.IsNotExist(err)).To(BeTrue())
	})

	It("gives each TCP connection a stable id", func() {
		listDevices(srv, apiToken(k, tok), 0)
		listDevices(srv, apiToken(k, tok), 0)
		c2 := &http.Client{Transport: &http.Transport{}}
		req, _ := http.NewRequest("GET", srv.URL+"/kcs/v1/kme/devices/list", nil)
		req.Header.Set("x-knox-apitoken", apiToken(k, tok))
		resp, err := c2.Do(req)
		Expect(err).NotTo(HaveOccurred())
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		j := srv.Journal()
		Expect(j[1].ConnID).To(Equal(j[2].ConnID))
		Expect(j[3].ConnID).NotTo(Equal(j[2].ConnID))
		Expect(j[1].At).To(BeNumerically("<=", j[2].At))
		Expect(j[1].Seq).To(BeNumerically("<", j[2].Seq))
	})
})

var _ = Describe("the journal", func() {
	It("holds no raw JWT, access token, client secret, authorization code or key once JSON-marshalled", func() {
		srv := knoxtest.NewServer()
		DeferCleanup(srv.Close)
		k := loadKeys(srv)
		c := srv.Credentials()
		ciJWT := signCI(k, c.ClientIdentifier)
		r := postAccessToken(srv, accessTokenBody(ciJWT, k.PublicB64(), 30))
		var out struct{ AccessToken string }
		Expect(json.Unmarshal(r.Body, &out)).To(Succeed())
		apiJWT := apiToken(k, out.AccessToken)
		listDevices(srv, apiJWT, 0)
		do(srv, "GET", "/kcs/v1/kme/devices/list?pageNum=0&access_token="+out.AccessToken, nil,
			map[string]string{"Authorization": "Bearer " + out.AccessToken})
		code := srv.IssueAuthCode(c.SAClientID)
		sr := postForm(srv, saTokenPath, saForm(c, code))
		var sa struct {
			AccessToken string `json:"access_token"`
		}
		Expect(json.Unmarshal(sr.Body, &sa)).To(Succeed())
		authorize(srv, c.SAAppID, sa.AccessToken)

		data, err := json.Marshal(srv.Journal())
		Expect(err).NotTo(HaveOccurred())
		text := string(data)
		keysJSON, err := os.ReadFile(c.KeysFile)
		Expect(err).NotTo(HaveOccurred())
		var kf struct{ Private string }
		Expect(json.Unmarshal(keysJSON, &kf)).To(Succeed())
		for name, secret := range map[string]string{"clientIdentifier JWT": ciJWT, "access-token JWT": apiJWT,
			"access token": out.AccessToken, "client secret": c.SAClientSecret, "authorization code": code,
			"SA token": sa.AccessToken, "private key": kf.Private[:40], "public key": k.PublicB64()[:40]} {
			Expect(text).NotTo(ContainSubstring(secret), name)
		}
		Expect(text).To(ContainSubstring("redacted"))
	})
})

var _ = Describe("WithTLS", func() {
	It("is refused by a client without the CA and works with Client() and with the CA file", func() {
		srv := knoxtest.NewServer(knoxtest.WithTLS())
		DeferCleanup(srv.Close)
		Expect(srv.URL).To(HavePrefix("https://127.0.0.1:"))
		Expect(srv.CAFile()).To(BeAnExistingFile())
		_, err := (&http.Client{Transport: &http.Transport{}}).Get(srv.URL + "/kcs/v1/kme/devices/list")
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("certificate"))

		resp, err := srv.Client().Get(srv.URL + "/kcs/v1/kme/devices/list")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(401))

		pemData, err := os.ReadFile(srv.CAFile())
		Expect(err).NotTo(HaveOccurred())
		pool := x509Pool(pemData)
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err = cl.Get("https://localhost:" + portOf(srv.URL) + "/kcs/v1/kme/devices/list")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(knoxtest.NewServer().CAFile()).To(BeEmpty())
	})
})

func portOf(u string) string {
	_, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://"))
	Expect(err).NotTo(HaveOccurred())
	return port
}
