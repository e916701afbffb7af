package conformance

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/reports"
)

// Every documented code has at least one case: a code cannot enter the
// catalogue without the suite judging it.
func TestEveryCatalogueCodeHasACase(t *testing.T) {
	covered := map[knoxerr.Code]bool{}
	for _, c := range Cases() {
		for _, code := range c.Codes {
			covered[knoxerr.Code(code)] = true
		}
	}
	for _, e := range knoxerr.Catalogue() {
		if !covered[e.Code] {
			t.Errorf("catalogue code %s (%s) has no case: add one to the case file of its family", e.Code, e.Name)
		}
	}
}

// beyondTheTables maps every row of BEHAVIOURS.md §2 (by its topic) to the
// ID prefix of the case(s) that judge it.
var beyondTheTables = map[string]string{
	"Retry-After as HTTP-date":                        "ratelimit/retry-after-date",
	"Retry-After garbage (`soon`)":                    "ratelimit/retry-after-garbage",
	"Retry-After huge":                                "ratelimit/retry-after-huge",
	"503 + Retry-After from a gateway":                "ratelimit/503-retry-after",
	"Error body shapes":                               "body-shape/",
	"Connection reset before the response (GET)":      "network/reset-get",
	"Server never answers":                            "network/hang-timeout",
	"Token reuse":                                     "token/reuse",
	"Concurrent calls on an expired token":            "token/single-flight",
	"Fresh `jti`":                                     "jwt/fresh-jti",
	"JWT form":                                        "jwt/form",
	"TLS":                                             "tls/verify",
	"Secrets":                                         "secrets/placement",
	"TLS with a private CA":                           "tls/private-ca",
	"Persisting 429 with Retry-After":                 "ratelimit/retry-after-persisting",
	"Unique `jti` across the run":                     "jwt/unique-jti-run",
	"Re-signed JWT is fresh":                          "jwt/resigned-fresh",
	"`Accept: application/json` everywhere":           "http/406/accept-everywhere",
	"Status and code both surfaced":                   "surface/status-and-code",
	"State-changing call after 500, timeout or reset": "state/delete-500/",
	"Jitter across clients":                           "ratelimit/jitter",
	"Every route, every fault":                        "route/",
	"Success is success":                              "success/",
	"Rejected state is dropped":                       "knox/4032252/no-reuse",
	"Authorization code, single use":                  "sa/AUT_1802/no-resend-code",
}

// behavioursFile is the oracle, in the shared folder beside the repository.
const behavioursFile = "../../shared/design/BEHAVIOURS.md"

// Every row of BEHAVIOURS.md §2 has a case: the rows are read from the file
// itself, so a row added there fails this test until a case judges it.
func TestEveryBeyondTheTablesTopicHasACase(t *testing.T) {
	topics := sectionTwoTopics(t)
	for _, topic := range topics {
		prefix, ok := beyondTheTables[topic]
		if !ok {
			t.Errorf("BEHAVIOURS.md §2 %q: no case judges it (add the case and its ID prefix to beyondTheTables)", topic)
			continue
		}
		found := false
		for _, c := range Cases() {
			if strings.HasPrefix(c.ID, prefix) {
				found = true
			}
		}
		if !found {
			t.Errorf("BEHAVIOURS.md §2 %q: no case with ID %q", topic, prefix)
		}
	}
	shapes := 0
	for _, c := range Cases() {
		if strings.HasPrefix(c.ID, "body-shape/") {
			shapes++
		}
	}
	if shapes < 6 {
		t.Errorf("%d body-shape cases; BEHAVIOURS.md names six shapes (classic, array, result, oauth, html, empty)", shapes)
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9-]+/[A-Za-z0-9_-]+(/[a-z0-9-]+)?$`)

// IDs are unique, well-formed and in order; labels are valid Ginkgo labels;
// every case says what it requires and where that comes from.
func TestCaseIDsAndLabels(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, d := range catalogue() {
		c := d.Case
		if seen[c.ID] {
			t.Errorf("duplicate case ID %q", c.ID)
		}
		seen[c.ID] = true
		if !idPattern.MatchString(c.ID) {
			t.Errorf("case ID %q is not area/code-or-topic[/topic]", c.ID)
		}
		if c.ID < prev {
			t.Errorf("case %q listed after %q: Cases must be in ID order", c.ID, prev)
		}
		prev = c.ID
		switch knoxerr.Level(c.Level) {
		case knoxerr.MUST, knoxerr.SHOULD, knoxerr.INFO:
		default:
			t.Errorf("%s: level %q", c.ID, c.Level)
		}
		if c.Title == "" || c.Requirement == "" || c.Source == "" {
			t.Errorf("%s: title, requirement and source are all required", c.ID)
		}
		if d.run == nil {
			t.Errorf("%s: no scenario", c.ID)
		}
		for _, code := range c.Codes {
			if !knoxerr.Code(code).Documented() && !knoxerr.Code(code).IsOAuth() {
				t.Errorf("%s: code %q is not in the catalogue", c.ID, code)
			}
		}
		for _, l := range d.labels() {
			if strings.ContainsAny(l, "&|!,()/") || strings.TrimSpace(l) != l || l == "" {
				t.Errorf("%s: label %q is not a valid Ginkgo label", c.ID, l)
			}
		}
		if _, err := types.ParseLabelFilter(d.Level + " && area:" + d.Area); err != nil {
			t.Errorf("%s: labels unusable in a filter: %v", c.ID, err)
		}
	}
	if n := len(seen); n < 55 {
		t.Errorf("only %d cases", n)
	}
}

func TestFocusForGlob(t *testing.T) {
	full := func(id string) string { return "knoxconform against some client " + SuiteText + " " + id }
	tests := []struct {
		glob         string
		match, avoid []string
	}{
		{"ratelimit/*", []string{"ratelimit/retry-after-date", "ratelimit/503-retry-after"}, []string{"http/429/backoff"}},
		{"knox/4002250/resign", []string{"knox/4002250/resign"}, []string{"knox/4002250/bounded", "knox/4002250/resign-x"}},
		{"http/4??/no-retry", []string{"http/400/no-retry", "http/404/no-retry"}, []string{"http/500/bounded-backoff"}},
		{"sa/*/no-retry, tls/verify", []string{"sa/AUT_1001/no-retry", "tls/verify"}, []string{"sa/AUT_1802/no-resend-code"}},
		{"*", []string{"jwt/form"}, nil},
		{"j*", []string{"jwt/form"}, []string{"http/400/no-retry"}},
	}
	for _, tt := range tests {
		focus, err := FocusForGlob(tt.glob)
		if err != nil {
			t.Errorf("FocusForGlob(%q): %v", tt.glob, err)
			continue
		}
		re := regexp.MustCompile(focus)
		for _, id := range tt.match {
			if !re.MatchString(full(id)) {
				t.Errorf("FocusForGlob(%q) = %q does not match %q", tt.glob, focus, id)
			}
		}
		for _, id := range tt.avoid {
			if re.MatchString(full(id)) {
				t.Errorf("FocusForGlob(%q) = %q matches %q", tt.glob, focus, id)
			}
		}
	}
	for _, bad := range []string{"", " , ", "nosuch/*", "http/999/no-retry"} {
		if _, err := FocusForGlob(bad); err == nil {
			t.Errorf("FocusForGlob(%q): no error for a pattern that selects nothing", bad)
		}
	}
}

func TestClassify(t *testing.T) {
	must := func(ok bool) reports.Check { return reports.Check{Name: "m", Level: "MUST", Passed: ok} }
	should := func(ok bool) reports.Check { return reports.Check{Name: "s", Level: "SHOULD", Passed: ok} }
	info := func(ok bool) reports.Check { return reports.Check{Name: "i", Level: "INFO", Passed: ok} }
	tests := []struct {
		name   string
		hint   reports.Class
		state  types.SpecState
		checks []reports.Check
		want   reports.Class
	}{
		{"all passed", "", types.SpecStatePassed, []reports.Check{must(true), should(true)}, reports.Pass},
		{"info failure never fails", "", types.SpecStatePassed, []reports.Check{must(true), info(false)}, reports.Pass},
		{"should failed", "", types.SpecStatePassed, []reports.Check{must(true), should(false)}, reports.NonStrict},
		{"should failed under strict", "", types.SpecStateFailed, []reports.Check{must(true), should(false)}, reports.NonStrict},
		{"must failed", "", types.SpecStateFailed, []reports.Check{must(false), should(false)}, reports.Fail},
		{"harness hint", reports.Error, types.SpecStateFailed, nil, reports.Error},
		{"skip hint", reports.Unsupported, types.SpecStateSkipped, nil, reports.Unsupported},
		{"timed out", "", types.SpecStateTimedout, []reports.Check{must(true)}, reports.Error},
		{"timed out inside an invoke", reports.Error, types.SpecStateTimedout, nil, reports.Error},
		{"interrupted", "", types.SpecStateInterrupted, nil, reports.Error},
		{"panicked", "", types.SpecStatePanicked, nil, reports.Error},
		{"failed outside checks", "", types.SpecStateFailed, []reports.Check{must(true)}, reports.Error},
	}
	for _, tt := range tests {
		res := reports.CaseResult{Class: tt.hint, Checks: tt.checks}
		classify(&res, tt.state, "boom")
		if res.Class != tt.want {
			t.Errorf("%s: class %s, want %s", tt.name, res.Class, tt.want)
		}
		if tt.state.Is(types.SpecStateTimedout) && !strings.Contains(res.Reason, "time limit") {
			t.Errorf("%s: reason %q does not say the case ran out of time", tt.name, res.Reason)
		}
	}
}

func TestApplyExpected(t *testing.T) {
	listed := map[string]string{"a/1": "known bug #12", "b/2": ""}
	res := reports.CaseResult{Case: reports.Case{ID: "a/1"}, Class: reports.Fail}
	applyExpected(&res, listed)
	if res.Class != reports.ExpectedFail || res.ExpectedFailure != "known bug #12" {
		t.Errorf("listed FAIL: %+v", res)
	}
	res = reports.CaseResult{Case: reports.Case{ID: "b/2"}, Class: reports.Pass}
	applyExpected(&res, listed)
	if res.Class != reports.Pass || !res.UnexpectedPass || res.ExpectedFailure == "" {
		t.Errorf("listed PASS: %+v", res)
	}
	res = reports.CaseResult{Case: reports.Case{ID: "c/3"}, Class: reports.Fail}
	applyExpected(&res, listed)
	if res.Class != reports.Fail || res.UnexpectedPass {
		t.Errorf("unlisted FAIL: %+v", res)
	}
	res = reports.CaseResult{Case: reports.Case{ID: "a/1"}, Class: reports.Error}
	applyExpected(&res, listed)
	if res.Class != reports.Error {
		t.Errorf("listed ERROR must stay ERROR (the client was not judged): %+v", res)
	}
}

func TestRequestTimeoutOutlastsEveryInvokeDeadline(t *testing.T) {
	longest := 0
	for _, d := range catalogue() {
		c := d.clientConfig()
		longest = max(longest, c.TimeoutMs)
		if limit := time.Duration(c.TimeoutMs)*time.Millisecond + giveUpSlack; limit >= d.specTimeout() {
			t.Errorf("%s: an invoke may wait %s, the spec timeout is %s", d.ID, limit, d.specTimeout())
		}
	}
	deadline := time.Duration(longest)*time.Millisecond + giveUpSlack
	for _, asked := range []time.Duration{0, time.Second, 20 * time.Second} {
		if got := requestTimeout(asked); got <= deadline || got < asked {
			t.Errorf("requestTimeout(%s) = %s; must exceed the longest invoke deadline %s and never lower what was asked", asked, got, deadline)
		}
	}
	if got := requestTimeout(-1); got >= 0 {
		t.Errorf("requestTimeout(-1) = %s; negative (no limit) must pass through", got)
	}
}

func TestSurfaceLevelFollowsBehaviours(t *testing.T) {
	for c, want := range map[knoxerr.Code]knoxerr.Level{
		knoxerr.HTTPBadRequest:            knoxerr.MUST,   // "MUST report failure with status 400 and the Knox code"
		knoxerr.HTTPNotFound:              knoxerr.SHOULD, // the row only forbids retrying
		knoxerr.APIKeyRestrictionNotFound: knoxerr.MUST,   // "MUST NOT retry; surface the code"
		knoxerr.AUT1802:                   knoxerr.SHOULD, // "SHOULD surface the AUT code"
		knoxerr.LIC4103:                   knoxerr.SHOULD, // hides-sa-code is a SHOULD mutant
		"9999999":                         knoxerr.SHOULD,
	} {
		if got := surfaceLevel(c); got != want {
			t.Errorf("surfaceLevel(%s) = %s, want %s", c, got, want)
		}
	}
}

// sectionTwoTopics reads the topics of BEHAVIOURS.md §2's table; without the
// shared folder it falls back to the topics known here.
func sectionTwoTopics(t *testing.T) []string {
	data, err := os.ReadFile(behavioursFile)
	if err != nil {
		t.Logf("%s not readable (%v): checking the topics known here only", behavioursFile, err)
		return slices.Sorted(maps.Keys(beyondTheTables))
	}
	var topics []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			in = strings.HasPrefix(line, "## 2.")
		case in && strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| Topic") && !strings.HasPrefix(line, "|---"):
			topics = append(topics, strings.TrimSpace(strings.Split(line, "|")[1]))
		}
	}
	if len(topics) == 0 {
		t.Fatalf("%s: no §2 table rows found; has its layout changed?", behavioursFile)
	}
	return topics
}
