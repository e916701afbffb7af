package knoxtest_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// runSandbox starts RunSandbox with cfg and returns the server and a stop
// function that waits for it to return.
func runSandbox(cfg knoxtest.SandboxConfig) (*knoxtest.Server, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *knoxtest.Server, 1)
	done := make(chan error, 1)
	cfg.Ready = func(s *knoxtest.Server) { ready <- s }
	go func() { done <- knoxtest.RunSandbox(ctx, cfg, io.Discard) }()
	var srv *knoxtest.Server
	Eventually(ready).WithTimeout(10 * time.Second).Should(Receive(&srv))
	return srv, func() {
		cancel()
		Eventually(done).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
	}
}

var _ = Describe("RunSandbox with --dir", func() {
	It("keeps every credential and the CA across restarts, so a client pinned to them keeps working", func() {
		dir := GinkgoT().TempDir()
		first, stop := runSandbox(knoxtest.SandboxConfig{Addr: "127.0.0.1:0", Dir: dir, TLS: true})
		creds := first.Credentials()
		stop()
		caPEM, err := os.ReadFile(filepath.Join(dir, "knoxtest-ca.pem"))
		Expect(err).NotTo(HaveOccurred())
		info, err := os.Stat(filepath.Join(dir, "knoxtest-ca-key.pem"))
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)), "the CA key is private")

		second, stop := runSandbox(knoxtest.SandboxConfig{Addr: "127.0.0.1:0", Dir: dir, TLS: true})
		defer stop()
		Expect(second.Credentials()).To(Equal(creds))
		pinned := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509Pool(caPEM)}}}
		resp, err := pinned.Get(second.URL + knoxtest.ControlPrefix + "health")
		Expect(err).NotTo(HaveOccurred(), "a client pinned to the first run's CA must trust the restarted sandbox")
		resp.Body.Close()
		k, err := knoxkeys.Load(creds.KeysFile)
		Expect(err).NotTo(HaveOccurred())
		Expect(postAccessToken(second, accessTokenBody(signCI(k, creds.ClientIdentifier), k.PublicB64(), 30)).Status).To(Equal(200))
	})

	It("refuses an RSA key under 2048 bits, saying what Knox requires", func() {
		dir := GinkgoT().TempDir()
		weak, err := knoxkeys.Generate(1024, "weak")
		Expect(err).NotTo(HaveOccurred())
		file := filepath.Join(dir, "weak-keys.json")
		Expect(weak.WriteFile(file, knoxkeys.PKCS8)).To(Succeed())
		err = knoxtest.RunSandbox(context.Background(), knoxtest.SandboxConfig{Addr: "127.0.0.1:0", KeysFile: file}, io.Discard)
		Expect(err).To(MatchError(And(ContainSubstring("1024 bits"), ContainSubstring("2048"))))
		Expect(weak.WriteFile(filepath.Join(dir, "keys.json"), knoxkeys.PKCS8)).To(Succeed())
		err = knoxtest.RunSandbox(context.Background(), knoxtest.SandboxConfig{Addr: "127.0.0.1:0", Dir: dir}, io.Discard)
		Expect(err).To(MatchError(ContainSubstring("1024 bits")))
	})

	It("reports a busy port before generating any key", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		dir := GinkgoT().TempDir()
		err = knoxtest.RunSandbox(context.Background(), knoxtest.SandboxConfig{Addr: ln.Addr().String(), Dir: dir}, io.Discard)
		Expect(err).To(MatchError(ContainSubstring("choose another --addr")))
		Expect(filepath.Join(dir, "keys.json")).NotTo(BeAnExistingFile())
	})
})
