package analyzer

import "slices"

// Link ties a behavioural rule to the row of the behaviour oracle
// (design/BEHAVIOURS.md) it checks in source, and to the conformance cases
// that judge the same behaviour at run time, so that docs/analyzers.md and
// docs/cases.md can point at each other. Rules that are about spelling
// (KNX101, KNX102, KNX110) or directives (KNX900) have no link.
type Link struct {
	// Rule is the rule ID ("KNX402").
	Rule string
	// Behaviour names the BEHAVIOURS.md row: its section and its first
	// column ("2 TLS", "1.1 429 Too Many Requests").
	Behaviour string
	// Cases are the IDs of the conformance cases (knoxconform list) that
	// fail a client doing what the rule reports.
	Cases []string
}

// links is ordered by rule ID.
var links = []Link{
	{"KNX201", "1 every documented code (surface the code)", []string{"body-shape/classic", "knox/4000000/no-retry"}},
	{"KNX202", "1 every documented code (surface the code)", []string{"body-shape/classic", "knox/4000000/no-retry"}},
	{"KNX203", "1 every documented code (surface the code)", []string{"body-shape/classic", "knox/4000000/no-retry"}},
	{"KNX204", "1 every documented code (surface the code)", []string{"body-shape/classic", "knox/4000000/no-retry"}},
	{"KNX205", "2 Status and code both surfaced; 1 every documented code (surface the code)", []string{"body-shape/classic", "knox/4000000/no-retry"}},
	{"KNX301", "1.2 4002250 / 4032251, 1.1 401 / 429 / 500, 1.4 LIC_5101", []string{
		"knox/4002250/resign", "knox/4032251/refresh", "http/401/refresh", "http/429/backoff",
		"http/500/transient", "lic/LIC_5101/transient"}},
	{"KNX401", "2 Fresh jti; 1.2 4002250 API_KEY_NON_UNIQUE_JWTID", []string{
		"jwt/fresh-jti", "knox/4002250/resign", "knox/4002250/bounded", "knox/40122050/no-loop"}},
	{"KNX402", "1.1 429 Too Many Requests; 1.1 500 Internal Server Error", []string{
		"http/429/backoff", "http/500/bounded-backoff", "http/500/transient", "ratelimit/retry-after-garbage",
		"lic/LIC_5101/bounded-backoff"}},
	{"KNX403", "1.1 429 Too Many Requests (MUST bound attempts); 2 Persisting 429 with Retry-After", []string{
		"http/429/backoff", "http/500/bounded-backoff", "lic/LIC_5101/bounded-backoff", "knox/4002250/bounded"}},
	{"KNX404", "1.1 429 Too Many Requests; 2 503 + Retry-After from a gateway", []string{
		"http/429/retry-after-seconds", "ratelimit/natural-429", "ratelimit/retry-after-date", "ratelimit/503-retry-after"}},
	{"KNX405", "2 Retry-After huge", []string{"ratelimit/retry-after-huge"}},
	{"KNX406", "1.1 400 / 403 / 404 / 406 / 422 / 501 (MUST NOT retry)", []string{
		"http/400/no-retry", "http/403/no-retry", "http/404/no-retry", "http/406/no-retry", "http/422/no-retry",
		"http/501/no-retry", "knox/4000000/no-retry"}},
	{"KNX501", "2 TLS", []string{"tls/verify"}},
	{"KNX502", "2 Server never answers", []string{"network/hang-timeout"}},
	{"KNX503", "2 JWT form", []string{"jwt/form"}},
	{"KNX504", "1.2 4002251 ACCESS_TOKEN_TIMEOUT_VALIDITY_RESOURCE_INVALID_PARAM", []string{
		"knox/4002251/validity-number", "knox/4002251/no-retry"}},
	{"KNX505", "2 Secrets; 3 Token request", []string{"secrets/placement"}},
}

// Links returns the rule → BEHAVIOURS row → case table, ordered by rule ID,
// for rules that are registered.
func Links() []Link {
	var out []Link
	for _, l := range links {
		if _, ok := Lookup(l.Rule); ok {
			l.Cases = slices.Clone(l.Cases)
			out = append(out, l)
		}
	}
	return out
}

// LinkOf returns the link of one rule.
func LinkOf(id string) (Link, bool) {
	for _, l := range Links() {
		if l.Rule == id {
			return l, true
		}
	}
	return Link{}, false
}

// RulesForCase returns the IDs of the rules linked to a conformance case, so
// that docs/cases.md can point back at them.
func RulesForCase(caseID string) []string {
	var ids []string
	for _, l := range Links() {
		if slices.Contains(l.Cases, caseID) {
			ids = append(ids, l.Rule)
		}
	}
	return ids
}
