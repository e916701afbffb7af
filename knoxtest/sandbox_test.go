package knoxtest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// syncBuffer is an io.Writer safe to read while the sandbox writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var _ = Describe("RunSandbox", func() {
	It("serves a working Knox Cloud with a control API and stops when the context ends", func() {
		dir := GinkgoT().TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan *knoxtest.Server, 1)
		out := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- knoxtest.RunSandbox(ctx, knoxtest.SandboxConfig{Dir: dir, ClientIdentifier: "my-kme-identifier",
				Ready: func(s *knoxtest.Server) { ready <- s }}, out)
		}()
		var srv *knoxtest.Server
		Eventually(ready).WithTimeout(10 * time.Second).Should(Receive(&srv))
		Expect(out.String()).To(ContainSubstring(filepath.Join(dir, "keys.json")))
		Expect(out.String()).To(ContainSubstring(srv.URL))
		Expect(out.String()).To(ContainSubstring("my-kme-identifier"))
		Expect(srv.Credentials().ClientIdentifier).To(Equal("my-kme-identifier"))

		ctl := func(method, name string, body any) (int, []byte) {
			var rd io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				rd = bytes.NewReader(b)
			}
			req, _ := http.NewRequest(method, srv.URL+knoxtest.ControlPrefix+name, rd)
			resp, err := srv.Client().Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		st, body := ctl("GET", "health", nil)
		Expect(st).To(Equal(200))
		Expect(string(body)).To(ContainSubstring(`"status":"ok"`))

		st, _ = ctl("POST", "script", map[string]any{"route": knoxtest.RouteAccessToken,
			"steps": []knoxtest.Step{{Code: knoxerr.HTTPTooManyRequests, RetryAfter: "2"}}})
		Expect(st).To(Equal(200))
		st, body = ctl("POST", "script", map[string]any{"route": "GET /nowhere", "steps": []knoxtest.Step{}})
		Expect(st).To(Equal(400))
		Expect(string(body)).To(ContainSubstring("unknown route"))

		k, err := knoxkeys.Load(filepath.Join(dir, "keys.json"))
		Expect(err).NotTo(HaveOccurred())
		r := postAccessToken(srv, accessTokenBody(signCI(k, "my-kme-identifier"), k.PublicB64(), 30))
		Expect(r.Status).To(Equal(429))
		Expect(r.Header.Get("Retry-After")).To(Equal("2"))
		Expect(postAccessToken(srv, accessTokenBody(signCI(k, "my-kme-identifier"), k.PublicB64(), 30)).Status).To(Equal(200))

		st, body = ctl("POST", "authcode", map[string]string{})
		Expect(st).To(Equal(200))
		var ac struct{ Code string }
		Expect(json.Unmarshal(body, &ac)).To(Succeed())
		Expect(postForm(srv, saTokenPath, saForm(srv.Credentials(), ac.Code)).Status).To(Equal(200))

		st, body = ctl("GET", "journal", nil)
		Expect(st).To(Equal(200))
		var j []knoxtest.Exchange
		Expect(json.Unmarshal(body, &j)).To(Succeed())
		Expect(j).To(HaveLen(3))
		Expect(j[0].Injected).To(BeTrue())
		Expect(strings.Contains(string(body), ac.Code)).To(BeFalse())

		st, _ = ctl("POST", "reset", nil)
		Expect(st).To(Equal(200))
		Expect(srv.Journal()).To(BeEmpty())

		cancel()
		Eventually(done).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
		Expect(out.String()).To(ContainSubstring("stopped"))
		// keys.json the sandbox generated outlives it, so a restart reuses it.
		Expect(filepath.Join(dir, "keys.json")).To(BeAnExistingFile())
	})

	It("with TLS, writes a CA file beside keys.json that the server's certificate verifies against", func() {
		dir := GinkgoT().TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan *knoxtest.Server, 1)
		done := make(chan error, 1)
		go func() {
			done <- knoxtest.RunSandbox(ctx, knoxtest.SandboxConfig{Dir: dir, TLS: true,
				Ready: func(s *knoxtest.Server) { ready <- s }}, io.Discard)
		}()
		DeferCleanup(func() {
			cancel()
			Eventually(done).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
		})
		var srv *knoxtest.Server
		Eventually(ready).WithTimeout(10 * time.Second).Should(Receive(&srv))
		Expect(srv.URL).To(HavePrefix("https://"))
		pemData, err := os.ReadFile(filepath.Join(dir, "knoxtest-ca.pem"))
		Expect(err).NotTo(HaveOccurred())
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509Pool(pemData)}}}
		resp, err := cl.Get(srv.URL + knoxtest.ControlPrefix + "health")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(200))
	})

	It("explains a keys file it cannot read", func() {
		err := knoxtest.RunSandbox(context.Background(), knoxtest.SandboxConfig{KeysFile: "/nonexistent/keys.json"}, io.Discard)
		Expect(err).To(MatchError(ContainSubstring("--keys")))
	})
})
