package knoxtest_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// signWithOfficialLibrary is run by node: it signs a client identifier with
// Samsung's knox-token-library-js (generateSignedClientIdentifierJWT(keysPath,
// clientIdentifier), per the package README) and prints the JWT and the public
// key the library put in it. The key is taken from the generate function when
// the library has one, else from the JWT's publicKey claim.
const signWithOfficialLibrary = `
const lib = require('knox-token-library-js');
const [keysPath, clientIdentifier] = process.argv.slice(2);
const jwt = lib.generateSignedClientIdentifierJWT(keysPath, clientIdentifier);
let publicKey;
if (typeof lib.generateBase64EncodedStringPublicKey === 'function') {
  publicKey = lib.generateBase64EncodedStringPublicKey(keysPath);
}
if (typeof publicKey !== 'string' || publicKey === '') {
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64').toString('utf8'));
  publicKey = claims.publicKey;
}
process.stdout.write(JSON.stringify({jwt, publicKey}));
`

var _ = Describe("Samsung's knox-token-library-js against the server", Label("node"), func() {
	It("signs a client identifier the server accepts, and the same JWT twice gets 4002250", func() {
		node, nerr := exec.LookPath("node")
		npm, perr := exec.LookPath("npm")
		if nerr != nil || perr != nil {
			Skip("node and npm are not both on PATH")
		}
		dir := GinkgoT().TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		install := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--silent",
			"--prefix", dir, "knox-token-library-js@1.0.22")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			Skip("npm install knox-token-library-js failed (offline?): " + truncateOut(out, err))
		}
		Expect(os.WriteFile(filepath.Join(dir, "sign.js"), []byte(signWithOfficialLibrary), 0o600)).To(Succeed())

		srv := knoxtest.NewServer()
		DeferCleanup(srv.Close)
		c := srv.Credentials()
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		sign := exec.CommandContext(sctx, node, filepath.Join(dir, "sign.js"), c.KeysFile, c.ClientIdentifier)
		sign.Dir = dir
		out, err := sign.Output()
		Expect(err).NotTo(HaveOccurred(), "node sign.js: %s", truncateOut(out, err))
		var signed struct{ JWT, PublicKey string }
		Expect(json.Unmarshal(out, &signed)).To(Succeed())
		Expect(signed.JWT).NotTo(BeEmpty())

		body := accessTokenBody(signed.JWT, signed.PublicKey, 30)
		r := postAccessToken(srv, body)
		Expect(r.Status).To(Equal(200), string(r.Body))
		ex := lastExchange(srv)
		Expect(ex.JWT.Alg).To(Equal("RS512"))
		Expect(ex.JWT.SignatureValid).To(BeTrue())
		AddReportEntry("official library JWT", ex.JWT)

		r = postAccessToken(srv, body)
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.APIKeyNonUniqueJWTID))
	})
})

func truncateOut(out []byte, err error) string {
	s := strings.TrimSpace(string(out))
	if len(s) > 400 {
		s = s[len(s)-400:]
	}
	if err != nil {
		s += " (" + err.Error() + ")"
	}
	return s
}
