package conformance

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
)

// Requirements of BEHAVIOURS.md §3 (OAuth 2.0) and §4 (Knox Configure, Knox
// Guard), judged on the journal like every other: form fields and Bearer tokens
// are fingerprinted there, cursors are kept as sent.

// expiredBearerSlack is how long past its expiry a Bearer token may still
// arrive and count as used in time: the client checked it before sending and
// the request was in flight when it ended.
const expiredBearerSlack = 150 * time.Millisecond

// HaveSurfacedOAuthError: the last invoke failed carrying the OAuth 2.0 error
// code (invalid_client, invalid_grant, …), in any letter case.
func HaveSurfacedOAuthError(code knoxerr.Code) *Requirement {
	return requirement("surfaced OAuth error "+string(code),
		fmt.Sprintf("the failure carries the OAuth 2.0 error %s to the caller", code),
		func(ev *Evidence) (bool, string) {
			rec := ev.last()
			if rec.GaveUp || rec.Outcome.OK || rec.Outcome.Error == nil {
				return false, outcomeText(rec)
			}
			return strings.EqualFold(strings.TrimSpace(rec.Outcome.Error.Code), string(code)), outcomeText(rec)
		})
}

// HaveRequestedTokenProperly: every request to the token endpoint is a form
// POST, authenticates the client in the body or with HTTP Basic (never the
// URL), and asks for scope (client_credentials).
func HaveRequestedTokenProperly(scope string) *Requirement {
	route := knoxtest.RouteOAuthToken
	return requirement("token requested as a form with the scope the call needs",
		fmt.Sprintf("every request to %s is form-encoded, carries client_secret in the body or HTTP Basic (never the URL) and asks for scope %s", route, scope),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			if len(xs) == 0 {
				return false, "no token request was sent"
			}
			for _, x := range xs {
				ct := strings.ToLower(x.Header["Content-Type"])
				_, basic := x.Header["Authorization"]
				_, inBody := x.Form["client_secret"]
				switch {
				case !strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
					return false, fmt.Sprintf("request #%d has Content-Type %q", x.Seq, x.Header["Content-Type"])
				case queryHasCredential(x.Query):
					return false, fmt.Sprintf("request #%d carries credentials in its URL: ?%s", x.Seq, x.Query)
				case !basic && !inBody:
					return false, fmt.Sprintf("request #%d authenticates the client neither with HTTP Basic nor client_secret in the body", x.Seq)
				case x.Form["grant_type"] == "client_credentials" && !hasScope(x.Form["scope"], scope):
					return false, fmt.Sprintf("request #%d asks for scope %q", x.Seq, x.Form["scope"])
				}
			}
			return true, fmt.Sprintf("%d token request(s), form-encoded, credentials in the body or Basic, scope %s", len(xs), scope)
		})
}

func queryHasCredential(q string) bool {
	q = strings.ToLower(q)
	return strings.Contains(q, "secret") || strings.Contains(q, "client_id") || strings.Contains(q, "password")
}

func hasScope(sent, want string) bool {
	for _, s := range strings.Fields(sent) {
		if s == want {
			return true
		}
	}
	return false
}

// NeverSentExpiredBearer: no Bearer call carried a token past the lifetime the
// token server gave it (expires_in), beyond a request already in flight (the
// slack, plus the harness lag measured during the case: a loaded machine
// delays a request the client sent in time).
func NeverSentExpiredBearer() *Requirement {
	return noisy(requirement("used the token only for its lifetime",
		"no call carries an access token after its expires_in ended: the client renews it before or when it ends",
		func(ev *Evidence) (bool, string) {
			n := 0
			for _, x := range ev.window() {
				if x.BearerToken == "" {
					continue
				}
				n++
				if x.BearerProblem == "expired" && x.BearerExpiredFor > expiredBearerSlack+ev.Lag {
					return false, fmt.Sprintf("request #%d to %s carried a token that had expired %d ms earlier%s", x.Seq, x.Route, ms(x.BearerExpiredFor), ev.lagNote())
				}
			}
			return true, fmt.Sprintf("%d Bearer call(s), none with an expired token", n)
		}))
}

// NeverReusedRejectedBearer: a Bearer token refused with 401 is never sent again.
func NeverReusedRejectedBearer(route knoxtest.Route) *Requirement {
	return requirement("never reused the rejected Bearer token",
		fmt.Sprintf("no request to %s carries a Bearer token the server already refused", route),
		func(ev *Evidence) (bool, string) {
			rejected := map[string]int{}
			for _, x := range ev.on(route) {
				if x.BearerToken == "" {
					continue
				}
				if seq, bad := rejected[x.BearerToken]; bad {
					return false, fmt.Sprintf("request #%d resent the token refused at request #%d", x.Seq, seq)
				}
				if x.Status == 401 {
					rejected[x.BearerToken] = x.Seq
				}
			}
			return true, requests(route, ev.on(route))
		})
}

// HaveUsedRotatedRefreshToken: every refresh_token request sends the refresh
// token the previous successful token answer returned.
func HaveUsedRotatedRefreshToken() *Requirement {
	route := knoxtest.RouteOAuthToken
	return requirement("kept the rotated refresh token",
		"each refresh sends the refresh token the previous token answer returned (the old one is discarded)",
		func(ev *Evidence) (bool, string) {
			latest, refreshes := "", 0
			for _, x := range ev.on(route) {
				if x.Form["grant_type"] == "refresh_token" {
					refreshes++
					if latest == "" || !strings.Contains(x.Form["refresh_token"], latest) {
						return false, fmt.Sprintf("refresh request #%d sent refresh token %s, not the latest issued %s", x.Seq, short(x.Form["refresh_token"]), short(latest))
					}
				}
				if x.IssuedRefresh != "" {
					latest = x.IssuedRefresh
				}
			}
			if refreshes == 0 {
				return false, "no refresh_token request was sent"
			}
			return true, fmt.Sprintf("%d refresh(es), each with the latest refresh token", refreshes)
		})
}

// NeverResentOAuthCode: an authorization code reaches the token endpoint at
// most as often as the caller asked to exchange it.
func NeverResentOAuthCode(asked int) *Requirement {
	route := knoxtest.RouteOAuthToken
	return requirement("never resent the authorization code",
		fmt.Sprintf("the authorization code is sent once per exchange the caller asked for (%d): never after invalid_grant, a 5xx, a timeout or a reset", asked),
		func(ev *Evidence) (bool, string) {
			counts := map[string]int{}
			for _, x := range ev.on(route) {
				if c := x.Form["code"]; c != "" {
					counts[c]++
					if counts[c] > asked {
						return false, fmt.Sprintf("the same authorization code was sent %d times: %s", counts[c], requests(route, ev.on(route)))
					}
				}
			}
			return true, requests(route, ev.on(route))
		})
}

// HaveSentPKCEVerifier: the code exchange carried a code_verifier.
func HaveSentPKCEVerifier() *Requirement {
	route := knoxtest.RouteOAuthToken
	return requirement("sent the PKCE code_verifier",
		"the authorization code exchange carries the code_verifier of the code_challenge used",
		func(ev *Evidence) (bool, string) {
			for _, x := range ev.on(route) {
				if x.Form["grant_type"] == "authorization_code" {
					_, has := x.Form["code_verifier"]
					if !has {
						return false, fmt.Sprintf("request #%d exchanged the code without code_verifier", x.Seq)
					}
					return x.Status == 200, fmt.Sprintf("request #%d sent code_verifier; the server answered %s", x.Seq, answer(x))
				}
			}
			return false, "no authorization_code request was sent"
		})
}

// HaveSentHeaderOn: every request to route carried header with value.
func HaveSentHeaderOn(route knoxtest.Route, header, value string) *Requirement {
	return requirement(header+" on every call",
		fmt.Sprintf("every request to %s carries %s: %s", route, header, value),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			if len(xs) == 0 {
				return false, requests(route, xs)
			}
			for _, x := range xs {
				if x.Header[header] != value {
					got := x.Header[header]
					if got == "" {
						got = "no " + header + " header"
					}
					return false, fmt.Sprintf("request #%d had %s", x.Seq, got)
				}
			}
			return true, fmt.Sprintf("%d request(s), all with %s", len(xs), header)
		})
}

// HaveFollowedCursorToTheEnd: the successful pages of the listing start
// without a cursor, each sends the nextSearchAfter of the page before, no page
// is fetched twice and the last one has no nextSearchAfter. A listing the
// client gave up on while a fault lasted (the route's last answer was an
// injected fault and the call reported failure) need not reach the end: a
// client whose own attempt bound is lower than the fault is long stops there.
func HaveFollowedCursorToTheEnd(route knoxtest.Route) *Requirement {
	return requirement("followed the cursor to the end, each page once",
		"the first page without searchAfter, then each page with the previous nextSearchAfter, no page twice, until no nextSearchAfter (or until the client gave up during a fault and reported failure)",
		func(ev *Evidence) (bool, string) {
			var pages []knoxtest.Exchange
			for _, x := range ev.on(route) {
				if x.Status == 200 {
					pages = append(pages, x)
				}
			}
			if len(pages) == 0 {
				return false, requests(route, ev.on(route))
			}
			seen := map[string]int{}
			prevNext := ""
			for i, x := range pages {
				if seq, again := seen[x.Cursor]; again {
					return false, fmt.Sprintf("request #%d fetched the page of cursor %q again (first at #%d)", x.Seq, short(x.Cursor), seq)
				}
				seen[x.Cursor] = x.Seq
				if x.Cursor != prevNext {
					return false, fmt.Sprintf("page %d (request #%d) sent searchAfter %q, not the previous page's nextSearchAfter %q", i+1, x.Seq, short(x.Cursor), short(prevNext))
				}
				prevNext = x.NextCursor
			}
			if prevNext != "" {
				if ev.gaveUpDuringFault(route) {
					return true, fmt.Sprintf("%d page(s), each once, cursor followed until the client gave up during the fault: %s", len(pages), outcomeText(ev.last()))
				}
				return false, fmt.Sprintf("stopped after %d page(s) although the last answer had a nextSearchAfter", len(pages))
			}
			return true, fmt.Sprintf("%d page(s), each once, cursor followed to the end", len(pages))
		})
}

// HaveReportedPositive: the last invoke succeeded and its value's field is a
// number above zero (a token's remaining lifetime, as the server answered it).
func HaveReportedPositive(field, why string) *Requirement {
	return requirement(fmt.Sprintf("reported %s", field),
		fmt.Sprintf("the call succeeds and reports %s above 0 (%s)", field, why),
		func(ev *Evidence) (bool, string) {
			got, msg, ok := reportedNumber(ev, field)
			if !ok {
				return false, msg
			}
			return got > 0, fmt.Sprintf("the client reported %s = %v", field, got)
		})
}

// HaveReportedCount: the last invoke succeeded and its value's field is n.
func HaveReportedCount(field string, n int) *Requirement {
	return requirement(fmt.Sprintf("reported %s = %d", field, n),
		fmt.Sprintf("the call succeeds and reports %s = %d", field, n),
		func(ev *Evidence) (bool, string) {
			got, msg, ok := reportedNumber(ev, field)
			if !ok {
				return false, msg
			}
			return int(got) == n, fmt.Sprintf("the client reported %s = %d", field, int(got))
		})
}

// reportedNumber is the number field of the value the last invoke reported,
// or, when it did not succeed with one, why not.
func reportedNumber(ev *Evidence, field string) (float64, string, bool) {
	rec := ev.last()
	if rec.GaveUp || !rec.Outcome.OK {
		return 0, outcomeText(rec), false
	}
	var v map[string]any
	if json.Unmarshal(rec.Outcome.Value, &v) != nil {
		return 0, "the value is not a JSON object", false
	}
	got, isNum := v[field].(float64)
	if !isNum {
		return 0, fmt.Sprintf("the value has no number %q", field), false
	}
	return got, "", true
}

// HaveBackedOffAfter: after every reply of status on route, the next request
// to route came no sooner than a deliberate delay. Gaps between successful
// requests (the pages of a listing) are the client's own business.
func HaveBackedOffAfter(route knoxtest.Route, status int) *Requirement {
	return noisy(requirement(fmt.Sprintf("backed off after %d", status),
		fmt.Sprintf("a delay before the request that follows each %d on %s, not a 0 ms hot loop", status, route),
		func(ev *Evidence) (bool, string) {
			xs := ev.on(route)
			var gs []time.Duration
			for i := 0; i+1 < len(xs); i++ {
				if xs[i].Status == status && ev.sameCall(xs[i], xs[i+1]) {
					gs = append(gs, max(0, xs[i+1].At-replied(xs[i])))
				}
			}
			return ev.waited(gs, requests(route, xs))
		}))
}
