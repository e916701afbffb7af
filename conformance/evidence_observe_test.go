package conformance

import (
	"testing"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
)

func TestHaveReusedTokens(t *testing.T) {
	issue := func(seq, ms int, tok string) knoxtest.Exchange {
		return knoxtest.Exchange{Seq: seq, At: time.Duration(ms) * time.Millisecond, Route: knoxtest.RouteAccessToken, Status: 200, IssuedToken: tok}
	}
	call := func(seq, ms, status int, tok string) knoxtest.Exchange {
		return knoxtest.Exchange{Seq: seq, At: time.Duration(ms) * time.Millisecond, Route: knoxtest.RouteListDevices, Status: status,
			JWT: &knoxtest.JWT{TokenFingerprint: tok}}
	}
	for _, tc := range []struct {
		name    string
		journal []knoxtest.Exchange
		pass    bool
	}{
		{"one token, many calls", []knoxtest.Exchange{issue(1, 0, "a"), call(2, 5, 200, "a"), call(3, 9, 200, "a")}, true},
		{"a token per call", []knoxtest.Exchange{issue(1, 0, "a"), call(2, 5, 200, "a"), issue(3, 9, "b"), call(4, 12, 200, "b")}, false},
		{"a new token after 4032251", []knoxtest.Exchange{issue(1, 0, "a"), call(2, 5, 403, "a"), issue(3, 9, "b"), call(4, 12, 200, "b")}, true},
		{"a new token when the old one is old", []knoxtest.Exchange{issue(1, 0, "a"), call(2, 5, 200, "a"), issue(3, 61000, "b")}, true},
	} {
		check := Judge(knoxerr.SHOULD, JournalEvidence(tc.journal), HaveReusedTokens())
		if check.Passed != tc.pass {
			t.Errorf("%s: passed=%v (%s), want %v", tc.name, check.Passed, check.Actual, tc.pass)
		}
		if check.Level != "SHOULD" || check.Expected == "" || check.Actual == "" {
			t.Errorf("%s: incomplete check row %+v", tc.name, check)
		}
	}
}

func TestSecretMarkers(t *testing.T) {
	srv := knoxtest.NewServer()
	defer srv.Close()
	m := SecretMarkers(srv.Credentials())
	for name, v := range m {
		if v == "" {
			t.Errorf("marker %q is empty: the secret would never be found", name)
		}
	}
}
