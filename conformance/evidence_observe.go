package conformance

import (
	"fmt"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/reports"
)

// This file is the door through which the passive judge of `knoxconform
// observe` reaches the suite's rules: it has a journal and nothing the client
// reported, so it builds Evidence from journal slices and judges them with the
// very Requirements the Ginkgo cases use, and classifies with the same rules.

// JournalEvidence is Evidence made of exchanges alone: what the simulated
// server saw, with no invoke (the client's own outcomes are unknown to a
// passive observer, so no outcome rule may be judged on it).
func JournalEvidence(xs []knoxtest.Exchange) *Evidence {
	return &Evidence{Journal: xs}
}

// Judge applies q to ev at level and returns the report's Check row, exactly
// as a case records it.
func Judge(level knoxerr.Level, ev *Evidence, q *Requirement) reports.Check {
	var failure string
	g := gomega.NewGomega(func(message string, _ ...int) { failure = message })
	g.Expect(ev).To(q)
	return reports.Check{Name: q.Name, Level: string(level), Passed: failure == "",
		Expected: q.Expected, Actual: q.Actual}
}

// ClassifyObserved sets res.Class from its checks (and a hint already in
// res.Class: UNSUPPORTED or ERROR), with the rules `run` classifies by, then
// applies the expected-failures list.
func ClassifyObserved(res *reports.CaseResult, expected map[string]string) {
	classify(res, types.SpecStatePassed, "")
	applyExpected(res, expected)
}

// Timeline is the report timeline of xs, with the same notes (re-sign,
// refresh, same-jwt, same-jti) the cases' timelines carry.
func Timeline(xs []knoxtest.Exchange) []reports.Attempt { return timeline(xs) }

// SecretMarkers are what HaveKeptSecretsOut looks for, for a server's
// credentials: the client secret in clear and as the journal fingerprints it,
// and the start of the private key.
func SecretMarkers(c knoxtest.Credentials) map[string]string {
	return map[string]string{
		"client_secret":             c.SAClientSecret,
		"client_secret fingerprint": journalFingerprint(c.SAClientSecret),
		"private key":               privateKeyPrefix(c.KeysFile),
	}
}

// HaveReusedTokens: the client minted a new access token only when it had a
// reason: a resource call rejected with 401 or 403 since the last token was
// issued, or that token nearing its end (a minute or more old: the shortest
// validity a client may ask for). Minting one per call passes every other
// rule but multiplies the load on Knox's token endpoint.
func HaveReusedTokens() *Requirement {
	const oldEnough = time.Minute
	return requirement("reused the access token",
		"one access token for many calls while it is valid; a new one only after a rejection (401/403) or near its end",
		func(ev *Evidence) (bool, string) {
			var lastIssue *knoxtest.Exchange
			rejected := false
			issued, calls := 0, 0
			for _, x := range ev.window() {
				switch {
				case x.Route == knoxtest.RouteAccessToken && x.IssuedToken != "":
					issued++
					if lastIssue != nil && !rejected && x.At-lastIssue.At < oldEnough {
						return false, fmt.Sprintf("request #%d obtained a new access token %d ms after request #%d obtained one, with no rejection in between (%d resource call(s) so far)",
							x.Seq, ms(x.At-lastIssue.At), lastIssue.Seq, calls)
					}
					x := x
					lastIssue, rejected = &x, false
				case x.JWT != nil && x.JWT.TokenFingerprint != "":
					calls++
					if x.Status == 401 || x.Status == 403 {
						rejected = true
					}
				}
			}
			return true, fmt.Sprintf("%d access token(s) for %d resource call(s)", issued, calls)
		})
}

// JournalRules are the rules a journal alone can decide, as flags for the
// sandbox (Server.SetJournalRules): each is one of the suite's own
// Requirements, judged on the newest exchanges, and flags the newest one when
// the requirement fails because of it (its failure names that request), so a
// developer working against `knoxconform serve` sees at once what the suite
// would say about the same traffic.
func JournalRules(secrets map[string]string) []knoxtest.JournalRule {
	// NeverResentSameJWT is not among them: after a rejection the cases judge
	// it, but in free traffic an unchanged access-token JWT may be sent again
	// while valid (BEHAVIOURS §2 "Fresh jti"); HaveUniqueJTIs says what may not.
	qs := []*Requirement{
		HaveUniqueJTIs(),
		HaveSentValidJWTs(),
		HaveSentHeaderOnEvery("Accept", "application/json"),
		HaveKeptSecretsOut(secrets),
		HaveSentValidityAsNumber(),
	}
	rules := make([]knoxtest.JournalRule, len(qs))
	for i, q := range qs {
		rules[i] = func(recent []knoxtest.Exchange) string {
			if len(recent) == 0 {
				return ""
			}
			newest := recent[len(recent)-1].Seq
			if ok, _ := q.Match(JournalEvidence(recent)); ok || !namesRequest(q.Actual, newest) {
				return ""
			}
			return q.Name + ": " + q.Actual
		}
	}
	return rules
}

// namesRequest is whether a requirement's Actual text is about request seq
// ("request #12 to …", "#12 resent …").
func namesRequest(actual string, seq int) bool {
	tag := fmt.Sprintf("#%d", seq)
	for i := strings.Index(actual, tag); i >= 0; {
		end := i + len(tag)
		if end == len(actual) || actual[end] < '0' || actual[end] > '9' {
			return true
		}
		next := strings.Index(actual[end:], tag)
		if next < 0 {
			return false
		}
		i = end + next
	}
	return false
}
