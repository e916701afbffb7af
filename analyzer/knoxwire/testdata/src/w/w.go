// Package w is a Knox client with the set-up mistakes knoxwire reports, each
// beside the correct variant that stays silent.
package w

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const base = "https://eu-kcs-api.samsungknox.com"

type config struct{ Insecure bool }

func tlsConfigs(cfg config) []*tls.Config {
	bad := &tls.Config{InsecureSkipVerify: true} // want `InsecureSkipVerify: true accepts any server certificate`
	good := &tls.Config{InsecureSkipVerify: cfg.Insecure}
	assigned := &tls.Config{}
	assigned.InsecureSkipVerify = true // want `InsecureSkipVerify = true accepts any server certificate`
	chosen := &tls.Config{}
	if cfg.Insecure {
		chosen.InsecureSkipVerify = true // a switch the user turns on: not reported
	}
	return []*tls.Config{bad, good, assigned, chosen}
}

func calls(ctx context.Context, c *http.Client) {
	http.Get(base + "/kcs/v1/devices") // want `http.Get sends a Knox call through http.DefaultClient`
	c.Get(base + "/kcs/v1/devices")    // some client of the caller's: not known to lack a timeout

	req, _ := http.NewRequest(http.MethodGet, base+"/kcs/v1/devices", nil)
	http.DefaultClient.Do(req) // want `http.DefaultClient.Do: the default client has no timeout and this request no deadline`
	bg, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/kcs/v1/devices", nil)
	http.DefaultClient.Do(bg) // want `http.DefaultClient.Do: the default client has no timeout`

	withCtx, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/kcs/v1/devices", nil)
	http.DefaultClient.Do(withCtx) // the caller's context may carry a deadline: not reported
	timed := &http.Client{Timeout: 30 * time.Second}
	timed.Do(req)
}

func sign() {
	jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"aud": "KnoxWSM"}) // want `signed with SigningMethodRS256: Knox accepts only RS512`
	jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{"aud": "KnoxWSM"})
}

// Not a Knox JWT: no KnoxWSM audience, any method goes.
func signOther() {
	jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"aud": "other"})
}

type tokenRequest struct {
	Validity string `json:"validityForAccessTokenInMinutes"` // want `validityForAccessTokenInMinutes declared as a string`
}

type tokenRequestTagged struct {
	Validity int `json:"validityForAccessTokenInMinutes,string"` // want `tagged ,string`
}

type tokenRequestGood struct {
	Validity int `json:"validityForAccessTokenInMinutes"`
}

var body = map[string]any{
	"validityForAccessTokenInMinutes": "30", // want `validityForAccessTokenInMinutes given as a string`
}

var goodBody = map[string]any{
	"validityForAccessTokenInMinutes": 30,
}

func secrets(u *url.URL, secret string) string {
	q := u.Query()
	q.Set("client_secret", secret) // want `client_secret set on a URL query`
	q.Set("client_id", "abc")
	u.RawQuery = q.Encode()

	form := url.Values{}
	form.Set("client_secret", secret) // a form body: where the secret belongs
	_ = form.Encode()

	other := url.Values{}
	other.Set("privateKey", secret) // want `privateKey set on a URL query`
	u.RawQuery = other.Encode()

	u.RawQuery = "client_secret=" + secret                      // want `client_secret written into a URL query`
	return base + "/token?grant_type=x&client_secret=" + secret // want `client_secret written into a URL query`
}
