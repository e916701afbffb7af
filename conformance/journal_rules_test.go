package conformance

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/knoxtest"
)

// The sandbox journal flags, with the suite's own rules, the exchange that
// breaks one, and nothing in correct traffic.
func TestJournalRulesFlagWhatTheSuiteWouldFail(t *testing.T) {
	srv := knoxtest.NewServer()
	defer srv.Close()
	srv.SetJournalRules(JournalRules(SecretMarkers(srv.Credentials()))...)
	creds := srv.Credentials()
	keys, err := knoxkeys.Load(creds.KeysFile)
	if err != nil {
		t.Fatal(err)
	}
	post := func(jwt string, accept bool) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"clientIdentifierJwt": jwt, "base64EncodedStringPublicKey": keys.PublicB64(),
			"validityForAccessTokenInMinutes": 30})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/ams/v1/users/accesstoken", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if accept {
			req.Header.Set("Accept", "application/json")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	sign := func() string {
		jwt, err := keys.SignClientIdentifier(creds.ClientIdentifier, time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return jwt
	}
	first := sign()
	post(first, true)   // #1: correct
	post(sign(), true)  // #2: correct
	post(first, true)   // #3: the client-identifier JWT of #1 again
	post(sign(), false) // #4: no Accept header
	flags := map[int][]string{}
	for _, x := range srv.Journal() {
		flags[x.Seq] = x.Flags
	}
	if len(flags[1])+len(flags[2]) != 0 {
		t.Errorf("correct requests flagged: #1 %v, #2 %v", flags[1], flags[2])
	}
	if !strings.Contains(strings.Join(flags[3], "\n"), "fresh jti on every JWT: request #3 to POST /ams/v1/users/accesstoken resent the client-identifier JWT of request #1") {
		t.Errorf("#3 resent #1's JWT; flags %v", flags[3])
	}
	if len(flags[4]) != 1 || !strings.HasPrefix(flags[4][0], "Accept on every request") {
		t.Errorf("#4 had no Accept header; flags %v", flags[4])
	}
}
