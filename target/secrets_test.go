package target_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// Credentials shaped like the ones the simulated Knox Cloud hands out.
const (
	leakSecret = "q3v9x0l2m4n6b8c1z7k5j3h1g9f2d4s6"                                      // SA client secret: 32 lower-case alnum
	leakKeyB64 = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7leakedkeymaterial" // the start of a PKCS#8 key
	leakToken  = "Zm9vYmFyLXRva2VuLXZhbHVlLTAxMjM0NTY3ODlBQkNE"                          // an opaque access token (32 bytes, base64url)
	leakJWT    = "eyJhbGciOiJSUzUxMiJ9.eyJhdWQiOiJLbm94V1NNIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU"
)

// leakyAdapter puts every credential it holds into everything it writes.
type leakyAdapter struct {
	fakeAdapter
	mu     sync.Mutex
	secret string
}

func (l *leakyAdapter) NewClient(ctx context.Context, p target.NewClientParams) error {
	l.mu.Lock()
	l.secret = p.Credentials.SAClientSecret
	l.mu.Unlock()
	return nil
}

func (l *leakyAdapter) leak() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("secret=%s key=%s token=%s jwt=%s", l.secret, leakKeyB64+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", leakToken, leakJWT)
}

func (l *leakyAdapter) Invoke(ctx context.Context, p target.InvokeParams) (target.Outcome, error) {
	switch p.Op {
	case target.OpExchangeCode:
		return target.Outcome{}, fmt.Errorf("cannot exchange: %s", l.leak())
	case target.OpAuthorizeToken:
		return target.Outcome{}, target.Skip("not with %s", l.leak())
	}
	return target.Outcome{Error: &target.OutcomeError{Kind: "auth", Message: "denied: " + l.leak()}}, nil
}

var _ = Describe("credentials in adapter output and the trace", func() {
	It("are replaced by fingerprints before the suite sees them", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		keys := filepath.Join(dir, "keys.json")
		key := leakKeyB64 + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		Expect(os.WriteFile(keys, []byte(`{"Public":"x","Private":"`+key+`","Identifier":"k"}`), 0o600)).To(Succeed())

		var trace bytes.Buffer
		var mu sync.Mutex
		tgt := target.InProcessWith(&leakyAdapter{}, target.Options{Trace: writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return trace.Write(p)
		})})
		DeferCleanup(tgt.Close)
		_, err := tgt.Hello(ctx, target.HelloParams{})
		Expect(err).NotTo(HaveOccurred())
		p := newClientParams("c1")
		p.Credentials.SAClientSecret, p.Credentials.KeysFile = leakSecret, keys
		Expect(tgt.NewClient(ctx, p)).To(Succeed())

		var texts []string
		o, err := tgt.Invoke(ctx, listDevices("c1", 0))
		Expect(err).NotTo(HaveOccurred())
		Expect(o.Error).NotTo(BeNil())
		texts = append(texts, o.Error.Message)
		_, err = tgt.Invoke(ctx, target.InvokeParams{Client: "c1", Op: target.OpExchangeCode, Params: []byte(`{"code":"x"}`)})
		Expect(err).To(HaveOccurred())
		texts = append(texts, err.Error())
		_, err = tgt.Invoke(ctx, target.InvokeParams{Client: "c1", Op: target.OpAuthorizeToken, Params: []byte(`{"authToken":"x"}`)})
		Expect(err).To(HaveOccurred())
		texts = append(texts, err.Error())
		Expect(tgt.Close()).To(Succeed())
		mu.Lock()
		texts = append(texts, trace.String())
		mu.Unlock()

		for i, text := range texts {
			for _, secret := range []string{leakSecret, key, leakToken, leakJWT} {
				Expect(text).NotTo(ContainSubstring(secret), "text #%d", i)
			}
		}
		// The trace still shows which secret was sent, by fingerprint.
		Expect(texts[3]).To(ContainSubstring(reports.Fingerprint(leakSecret)))
		Expect(texts[3]).To(ContainSubstring(`"type":"newClient"`))
		Expect(texts[0]).To(HavePrefix("denied: secret=[redacted "))
		Expect(target.HandedSecrets()).To(ContainElements(leakSecret, key))
	})
})

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
