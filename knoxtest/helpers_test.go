package knoxtest_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// response is a reply as a test sees it.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	Err    *knoxerr.Error
}

func do(srv *knoxtest.Server, method, path string, body []byte, hdr map[string]string) response {
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b, Err: knoxerr.Parse(resp.StatusCode, resp.Header, b)}
}

func loadKeys(srv *knoxtest.Server) *knoxkeys.Keys {
	k, err := knoxkeys.Load(srv.Credentials().KeysFile)
	Expect(err).NotTo(HaveOccurred())
	return k
}

func signCI(k *knoxkeys.Keys, ci string) string {
	j, err := k.SignClientIdentifier(ci, time.Now(), 0)
	Expect(err).NotTo(HaveOccurred())
	return j
}

func accessTokenBody(jwt, pub string, validity any) []byte {
	m := map[string]any{"clientIdentifierJwt": jwt, "base64EncodedStringPublicKey": pub}
	if validity != nil {
		m["validityForAccessTokenInMinutes"] = validity
	}
	b, err := json.Marshal(m)
	Expect(err).NotTo(HaveOccurred())
	return b
}

func postAccessToken(srv *knoxtest.Server, body []byte) response {
	return do(srv, http.MethodPost, "/ams/v1/users/accesstoken", body, map[string]string{"Content-Type": "application/json"})
}

// mintToken obtains an access token with the server's good credentials.
func mintToken(srv *knoxtest.Server) string {
	k := loadKeys(srv)
	r := postAccessToken(srv, accessTokenBody(signCI(k, srv.Credentials().ClientIdentifier), k.PublicB64(), 30))
	Expect(r.Status).To(Equal(200), string(r.Body))
	var out struct{ AccessToken string }
	Expect(json.Unmarshal(r.Body, &out)).To(Succeed())
	Expect(out.AccessToken).NotTo(BeEmpty())
	return out.AccessToken
}

// mintedServer starts a server, closed when the spec ends, and returns it with
// the client's keys and an access token minted with its good credentials.
func mintedServer() (*knoxtest.Server, *knoxkeys.Keys, string) {
	srv := knoxtest.NewServer()
	DeferCleanup(srv.Close)
	return srv, loadKeys(srv), mintToken(srv)
}

func apiToken(k *knoxkeys.Keys, tok string) string {
	j, err := k.SignAccessToken(tok, time.Now(), 0)
	Expect(err).NotTo(HaveOccurred())
	return j
}

func listDevices(srv *knoxtest.Server, jwt string, page int) response {
	return do(srv, http.MethodGet, "/kcs/v1/kme/devices/list?pageNum="+strconv.Itoa(page), nil,
		map[string]string{"X-Knox-Apitoken": jwt, "Accept": "application/json"})
}

func postForm(srv *knoxtest.Server, path string, form url.Values) response {
	return do(srv, http.MethodPost, path, []byte(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func saForm(c knoxtest.Credentials, code string) url.Values {
	return url.Values{"client_id": {c.SAClientID}, "client_secret": {c.SAClientSecret}, "code": {code},
		"grant_type": {"authorization_code"}, "redirect_uri": {c.SARedirectURI}}
}

func authorize(srv *knoxtest.Server, appID, token string) response {
	b, _ := json.Marshal(map[string]string{"authToken": token})
	h := map[string]string{"Content-Type": "application/json"}
	if appID != "" {
		h["x-osp-appId"] = appID
	}
	return do(srv, http.MethodPost, "/sa/auth/authorizeToken", b, h)
}

func lastExchange(srv *knoxtest.Server) knoxtest.Exchange {
	j := srv.Journal()
	Expect(j).NotTo(BeEmpty())
	return j[len(j)-1]
}

func x509Pool(pemData []byte) *x509.CertPool {
	p := x509.NewCertPool()
	Expect(p.AppendCertsFromPEM(pemData)).To(BeTrue())
	return p
}
