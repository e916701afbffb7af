package knoxtest_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("POST /ams/v1/users/accesstoken", func() {
	var (
		srv *knoxtest.Server
		k   *knoxkeys.Keys
		ci  string
	)
	BeforeEach(func() {
		srv = knoxtest.NewServer()
		DeferCleanup(srv.Close)
		k = loadKeys(srv)
		ci = srv.Credentials().ClientIdentifier
	})

	It("issues an opaque access token for a correctly signed client identifier and journals its fingerprint", func() {
		r := postAccessToken(srv, accessTokenBody(signCI(k, ci), k.PublicB64(), 30))
		Expect(r.Status).To(Equal(200))
		var out struct{ AccessToken string }
		Expect(json.Unmarshal(r.Body, &out)).To(Succeed())
		ex := lastExchange(srv)
		Expect(ex.Route).To(Equal(knoxtest.RouteAccessToken))
		Expect(ex.IssuedToken).To(HavePrefix("sha256:"))
		Expect(ex.IssuedToken).NotTo(ContainSubstring(out.AccessToken))
		Expect(ex.ValidityType).To(Equal("number"))
		Expect(ex.JWT.SignatureValid).To(BeTrue())
		Expect(ex.JWT.Subject).To(Equal("clientIdentifier"))
		Expect(ex.JWT.Aud).To(Equal("KnoxWSM"))
		Expect(ex.Injected).To(BeFalse())
	})

	It("refuses a JSON body sent as another Content-Type with 400 4000000, and takes a charset", func() {
		body := accessTokenBody(signCI(k, ci), k.PublicB64(), nil)
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
			r := do(srv, "POST", "/ams/v1/users/accesstoken", body, map[string]string{"Content-Type": ct})
			Expect(r.Status).To(Equal(400), "Content-Type %q", ct)
			Expect(r.Err.Code).To(Equal(knoxerr.ResourceInvalidParam), "Content-Type %q", ct)
			Expect(string(r.Body)).To(ContainSubstring("application/json"))
		}
		r := do(srv, "POST", "/ams/v1/users/accesstoken", accessTokenBody(signCI(k, ci), k.PublicB64(), nil),
			map[string]string{"Content-Type": "application/json; charset=utf-8"})
		Expect(r.Status).To(Equal(200))
	})

	It("serves the older /ams/v0 path the same way", func() {
		r := do(srv, "POST", "/ams/v0/users/accesstoken", accessTokenBody(signCI(k, ci), k.PublicB64(), nil), map[string]string{"Content-Type": "application/json"})
		Expect(r.Status).To(Equal(200))
		Expect(lastExchange(srv).Route).To(Equal(knoxtest.RouteAccessTokenV0))
		Expect(lastExchange(srv).ValidityType).To(Equal("absent"))
	})

	It("answers 400 4000000 to a body that is not JSON", func() {
		r := postAccessToken(srv, []byte("{not json"))
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.ResourceInvalidParam))
		Expect(lastExchange(srv).Code).To(Equal(knoxerr.ResourceInvalidParam))
	})

	It("answers 400 4002251 to validity sent as the string \"30\"", func() {
		r := postAccessToken(srv, accessTokenBody(signCI(k, ci), k.PublicB64(), "30"))
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenTimeoutValidityResourceInvalidParam))
		Expect(lastExchange(srv).ValidityType).To(Equal("string"))
	})

	It("answers 400 4002251 to validity beyond int32 or outside 1..30", func() {
		for _, v := range []any{json.Number("3000000000"), 0, 31, 1.5} {
			r := postAccessToken(srv, accessTokenBody(signCI(k, ci), k.PublicB64(), v))
			Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenTimeoutValidityResourceInvalidParam), "validity %v", v)
		}
	})

	It("accepts validity as a numeric string with WithLenientValidity", func() {
		lenient := knoxtest.NewServer(knoxtest.WithLenientValidity())
		DeferCleanup(lenient.Close)
		lk := loadKeys(lenient)
		r := postAccessToken(lenient, accessTokenBody(signCI(lk, lenient.Credentials().ClientIdentifier), lk.PublicB64(), "30"))
		Expect(r.Status).To(Equal(200))
	})

	It("answers 401 ACCESS_TOKEN_BAD_REQUEST (4012250 in the body, 40122050 in the journal) to a JWT signed with another key", func() {
		other, err := knoxkeys.Generate(1024, "other")
		Expect(err).NotTo(HaveOccurred())
		// Signed with the other key but claiming, and sending, the registered key.
		j, err := other.Sign(knoxkeys.Claims{ClientIdentifier: ci, PublicKey: k.PublicB64()}, time.Now(), 0)
		Expect(err).NotTo(HaveOccurred())
		r := postAccessToken(srv, accessTokenBody(j, k.PublicB64(), 30))
		Expect(r.Status).To(Equal(401))
		Expect(r.Err.RawCode).To(Equal("4012250"))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenBadRequest))
		ex := lastExchange(srv)
		Expect(ex.Code).To(Equal(knoxerr.AccessTokenBadRequest))
		Expect(ex.JWT.SignatureValid).To(BeFalse())
		Expect(ex.JWT.Problem).To(ContainSubstring("signature"))
	})

	It("emits 40122050 in the body with WithBadRequestCode", func() {
		s2 := knoxtest.NewServer(knoxtest.WithBadRequestCode(knoxerr.AccessTokenBadRequest))
		DeferCleanup(s2.Close)
		r := postAccessToken(s2, accessTokenBody("a.b.c", k.PublicB64(), 30))
		Expect(r.Status).To(Equal(401))
		Expect(r.Err.RawCode).To(Equal("40122050"))
	})

	It("rejects alg none, HS512, a wrong aud and a publicKey claim that differs from the body key", func() {
		enc := base64.RawURLEncoding
		claims := `{"clientIdentifier":"` + ci + `","publicKey":"` + k.PublicB64() + `","aud":"KnoxWSM","jti":"x1"}`
		none := enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(claims)) + "."
		hs, err := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"clientIdentifier": ci, "publicKey": k.PublicB64(), "aud": "KnoxWSM", "jti": "x2"}).SignedString([]byte(k.PublicB64()))
		Expect(err).NotTo(HaveOccurred())
		badAud, err := k.Sign(knoxkeys.Claims{ClientIdentifier: ci, Aud: "SomethingElse"}, time.Now(), 0)
		Expect(err).NotTo(HaveOccurred())
		other, err := knoxkeys.Generate(1024, "other")
		Expect(err).NotTo(HaveOccurred())
		otherClaim, err := k.Sign(knoxkeys.Claims{ClientIdentifier: ci, PublicKey: other.PublicB64()}, time.Now(), 0)
		Expect(err).NotTo(HaveOccurred())
		for name, j := range map[string]string{"none": none, "HS512": hs, "aud": badAud, "publicKey claim": otherClaim} {
			r := postAccessToken(srv, accessTokenBody(j, k.PublicB64(), 30))
			Expect(r.Status).To(Equal(401), name)
			Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenBadRequest), name)
		}
	})

	It("answers 401 to an undecodable public key", func() {
		r := postAccessToken(srv, accessTokenBody(signCI(k, ci), "AAAAB3NzaC1yc2E", 30))
		Expect(r.Status).To(Equal(401))
		Expect(lastExchange(srv).JWT.Problem).To(ContainSubstring("base64EncodedStringPublicKey"))
	})

	It("answers 400 4002250 to the same JWT sent twice", func() {
		j := signCI(k, ci)
		Expect(postAccessToken(srv, accessTokenBody(j, k.PublicB64(), 30)).Status).To(Equal(200))
		r := postAccessToken(srv, accessTokenBody(j, k.PublicB64(), 30))
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.APIKeyNonUniqueJWTID))
		jr := srv.Journal()
		Expect(jr[0].JWT.Fingerprint).To(Equal(jr[1].JWT.Fingerprint))
	})

	It("remembers the jti of a request that got an injected 4002250, so resending that JWT gets a natural one", func() {
		srv.Script(knoxtest.RouteAccessToken, knoxtest.Step{Code: knoxerr.APIKeyNonUniqueJWTID})
		j := signCI(k, ci)
		Expect(postAccessToken(srv, accessTokenBody(j, k.PublicB64(), 30)).Err.Code).To(Equal(knoxerr.APIKeyNonUniqueJWTID))
		Expect(postAccessToken(srv, accessTokenBody(j, k.PublicB64(), 30)).Err.Code).To(Equal(knoxerr.APIKeyNonUniqueJWTID))
		jr := srv.Journal()
		Expect(jr[0].Injected).To(BeTrue())
		Expect(jr[0].JWT).NotTo(BeNil())
		Expect(jr[1].Injected).To(BeFalse())
		Expect(postAccessToken(srv, accessTokenBody(signCI(k, ci), k.PublicB64(), 30)).Status).To(Equal(200))
	})

	It("answers 403 4032251 to a JWT whose exp is past", func() {
		j, err := k.SignClientIdentifier(ci, time.Now().Add(-2*time.Hour), 30*time.Minute)
		Expect(err).NotTo(HaveOccurred())
		r := postAccessToken(srv, accessTokenBody(j, k.PublicB64(), 30))
		Expect(r.Status).To(Equal(403))
		Expect(r.Err.Code).To(Equal(knoxerr.AccessTokenExpired))
	})

	It("answers 404 4042251 to an unregistered client identifier", func() {
		r := postAccessToken(srv, accessTokenBody(signCI(k, "not-registered"), k.PublicB64(), 30))
		Expect(r.Status).To(Equal(404))
		Expect(r.Err.Code).To(Equal(knoxerr.APIKeyRestrictionNotFound))
	})

	It("answers 404 4042252 to the registered identifier signed with another (consistent) key pair", func() {
		other, err := knoxkeys.Generate(1024, "other")
		Expect(err).NotTo(HaveOccurred())
		r := postAccessToken(srv, accessTokenBody(signCI(other, ci), other.PublicB64(), 30))
		Expect(r.Status).To(Equal(404))
		Expect(r.Err.Code).To(Equal(knoxerr.APIKeyRestrictionInvalid))
	})

	It("answers 400 4000000 to a body over 1 MiB without reading it all into the journal", func() {
		r := postAccessToken(srv, []byte(`{"x":"`+strings.Repeat("a", 1<<20+10)+`"}`))
		Expect(r.Status).To(Equal(400))
		Expect(r.Err.Code).To(Equal(knoxerr.ResourceInvalidParam))
	})
})
