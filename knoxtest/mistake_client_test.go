package knoxtest_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/gomega"
)

// provoke plays a naive client configured with m.Credentials through m.Op and
// returns the code the server answered. It reads keys.json without the
// consistency check knoxkeys.Load does, as a client in another language would.
func provoke(srv *knoxtest.Server, m knoxtest.Mistake) knoxerr.Code {
	c := m.Credentials
	switch m.Op {
	case "sa.exchangeCode":
		return postForm(srv, saTokenPath, saForm(c, m.AuthCode)).Err.Code
	case "sa.authorizeToken":
		return authorize(srv, c.SAAppID, m.AuthToken).Err.Code
	}
	var f struct{ Public, Private string }
	data, err := os.ReadFile(c.KeysFile)
	Expect(err).NotTo(HaveOccurred())
	Expect(json.Unmarshal(data, &f)).To(Succeed())
	priv := mustPrivate(f.Private)
	sign := func(claim, value string) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{claim: value, "publicKey": f.Public,
			"aud": "KnoxWSM", "jti": knoxkeys.NewJTI(), "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()}).SignedString(priv)
		Expect(err).NotTo(HaveOccurred())
		return s
	}
	r := postAccessToken(srv, accessTokenBody(sign("clientIdentifier", c.ClientIdentifier), f.Public, 30))
	if m.Op == "knox.accessToken" || r.Err != nil {
		if r.Err == nil {
			return ""
		}
		return r.Err.Code
	}
	var out struct{ AccessToken string }
	Expect(json.Unmarshal(r.Body, &out)).To(Succeed())
	r = listDevices(srv, sign("accessToken", out.AccessToken), 0)
	if r.Err == nil {
		return ""
	}
	return lastExchange(srv).Code
}

func mustPrivate(b64 string) *rsa.PrivateKey {
	der, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, "\n", ""))
	Expect(err).NotTo(HaveOccurred())
	k, err := knoxkeys.ParsePrivateKeyDER(der)
	Expect(err).NotTo(HaveOccurred())
	return k
}
