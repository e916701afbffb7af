package reports

// Synthetic runs for the writer tests: no dependency on the conformance suite.

const (
	testClientSecret = "s3cr3t-Client-Secret-0123456789abcdef"
	testAccessToken  = "at.Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg"
	testSignedJWT    = "eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCJ9.eyJqdGkiOiJqdGktMDAxIiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLW5vdC1yZWFsbHktYS1zaWduYXR1cmU"
	testPrivateKey   = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n"
)

func testSecrets() []string {
	return []string{testClientSecret, testAccessToken, testSignedJWT, testPrivateKey}
}

func sampleSummary() *Summary {
	s := &Summary{
		Run: Run{
			Knoxconform: "0.1.0-test",
			Adapter:     Software{Name: "knox-go-adapter", Version: "0.3.0"},
			Client:      Software{Name: "acme-knox-client", Version: "2.4.1"},
			Target:      "go run ./fixtures/mutants/noretryafter",
			Seed:        424242,
			Start:       "2026-11-26T23:00:00Z",
			DurationMs:  5321.5,
			Procs:       2,
			Args:        []string{"knoxconform", "run", "--target", "./adapter", "--seed", "424242"},
		},
		Cases: []CaseResult{
			{
				Case: Case{ID: "validation/400/no-retry", Title: "400 Bad Request is surfaced without a retry", Level: "MUST", Area: "validation",
					Codes: []string{"400"}, Requirement: "A client MUST NOT retry a request answered 400.", Source: "https://docs.samsungknox.com/dev/knox-cloud-authentication/troubleshooting-knox-cloud-services/"},
				Class: Pass, DurationMs: 12.5,
				Checks:   []Check{{Name: "no second request", Level: "MUST", Passed: true, Expected: "1 request", Actual: "1 request"}},
				Timeline: []Attempt{{Seq: 1, OffsetMs: 1.2, GapMs: -1, Method: "POST", Route: "/ams/v1/users/accesstoken", Status: 400, Code: "400", Injected: true, JTI: "jti-a1", ConnID: 1}},
				Outcome:  &Outcome{Kind: "validation", HTTPStatus: 400, Code: "400"},
				Rerun:    "knoxconform run --target ./adapter --cases 'validation/400/no-retry' --seed 424242",
			},
			{
				Case: Case{ID: "ratelimit/429/retry-after-seconds", Title: "429 with Retry-After: 1 is honoured", Level: "MUST", Area: "ratelimit",
					Codes: []string{"429"}, Requirement: "After a 429 carrying Retry-After, the client MUST NOT send the next attempt before the indicated delay has elapsed.",
					Source: "https://docs.samsungknox.com/dev/knox-cloud-authentication/troubleshooting-knox-cloud-services/; RFC 6585 §4; RFC 9110 §10.2.3 (Retry-After)"},
				Class: Fail, DurationMs: 1450,
				Checks: []Check{
					{Name: "waited Retry-After before the next attempt", Level: "MUST", Passed: false, Expected: "next attempt ≥ 1000 ms after the 429", Actual: "next attempt 120 ms after the 429"},
					{Name: "attempts bounded", Level: "MUST", Passed: true, Expected: "≤ 4 attempts", Actual: "3 attempts"},
				},
				Timeline: []Attempt{
					{Seq: 1, OffsetMs: 3, GapMs: -1, Method: "GET", Route: "/kcs/v1/kme/devices/list", Status: 429, Code: "429", Injected: true, RetryAfter: "1", TokenFingerprint: "sha256:1a2b3c4d5e6f", ConnID: 1},
					{Seq: 2, OffsetMs: 123, GapMs: 120, Method: "GET", Route: "/kcs/v1/kme/devices/list", Status: 429, Code: "429", Injected: true, RetryAfter: "1", TokenFingerprint: "sha256:1a2b3c4d5e6f", ConnID: 1},
					{Seq: 3, OffsetMs: 1130, GapMs: 1007, Method: "GET", Route: "/kcs/v1/kme/devices/list", Status: 200, TokenFingerprint: "sha256:1a2b3c4d5e6f", ConnID: 1},
				},
				Outcome: &Outcome{OK: true},
				Stderr:  "adapter: retrying after 120ms <script>alert(1)</script>\nAuthorization: Bearer " + testAccessToken + "\n",
				Rerun:   "knoxconform run --target ./adapter --cases 'ratelimit/429/retry-after-seconds' --seed 424242",
			},
			{
				Case: Case{ID: "auth/4002250/resign", Title: "Duplicate jti (4002250): sign a new JWT", Level: "MUST", Area: "auth",
					Codes: []string{"4002250"}, Requirement: "After 4002250 API_KEY_NON_UNIQUE_JWT_ID the client MUST sign a new JWT with a fresh jti before retrying, and MUST NOT resend the same JWT.",
					Source: "https://docs.samsungknox.com/dev/knox-cloud-authentication/troubleshooting-knox-cloud-services/"},
				Class: Fail, DurationMs: 88,
				Checks: []Check{{Name: "fresh jti on retry", Level: "MUST", Passed: false, Expected: "a JWT with a new jti after 4002250", Actual: "the identical JWT was resent (same jti jti-77)"}},
				Timeline: []Attempt{
					{Seq: 1, OffsetMs: 2, GapMs: -1, Method: "POST", Route: "/ams/v1/users/accesstoken", Status: 400, Code: "4002250", Injected: true, JTI: "jti-77", JWTFingerprint: "sha256:aaaabbbbcccc", ConnID: 1},
					{Seq: 2, OffsetMs: 54, GapMs: 52, Method: "POST", Route: "/ams/v1/users/accesstoken", Status: 400, Code: "4002250", JTI: "jti-77", JWTFingerprint: "sha256:aaaabbbbcccc", ConnID: 1, Note: "same-jwt"},
					{Seq: 3, OffsetMs: 80, GapMs: 26, Method: "POST", Route: "/ams/v1/users/accesstoken", Status: 200, JTI: "jti-78", JWTFingerprint: "sha256:ddddeeeeffff", ConnID: 2, Note: "re-sign"},
					{Seq: 4, OffsetMs: 84, GapMs: -1, Method: "GET", Route: "/kcs/v1/kme/devices/list", Status: 200, TokenFingerprint: "sha256:0f0f0f0f0f0f", ConnID: 2, Note: "refresh"},
				},
				Outcome: &Outcome{OK: false, Kind: "validation", HTTPStatus: 400, Code: "4002250", Message: "duplicate jti " + testSignedJWT},
				Rerun:   "knoxconform run --target ./adapter --cases 'auth/4002250/resign' --seed 424242",
			},
			{
				Case: Case{ID: "server/500/backoff-grows", Title: "500: retries back off with growing delays", Level: "SHOULD", Area: "server",
					Codes: []string{"500"}, Requirement: "A client that retries a 500 SHOULD grow the delay between attempts.", Source: "https://docs.samsungknox.com/dev/knox-cloud-authentication/troubleshooting-knox-cloud-services/"},
				Class: NonStrict, DurationMs: 210,
				Checks: []Check{{Name: "delay grows", Level: "SHOULD", Passed: false, Expected: "each delay ≥ the previous one", Actual: "delays 50 ms, 50 ms"}},
				Timeline: []Attempt{
					{Seq: 1, OffsetMs: 1, GapMs: -1, Method: "GET", Route: "/kcs/v1/kme/devices/list", Status: 500, Code: "500", Injected: true, ConnID: 1},
					{Seq: 2, OffsetMs: 51, GapMs: 50, Method: "GET", Route: "/kcs/v1/kme/devices/list", Status: 500, Code: "500", Injected: true, ConnID: 1},
					{Seq: 3, OffsetMs: 101, GapMs: 50, Method: "GET", Route: "/kcs/v1/kme/devices/list", Status: 200, ConnID: 1},
				},
				Outcome: &Outcome{OK: true},
				Rerun:   "knoxconform run --target ./adapter --cases 'server/500/backoff-grows' --seed 424242",
			},
			{
				Case: Case{ID: "network/reset/idempotent", Title: "Connection reset before headers", Level: "MUST", Area: "network",
					Requirement: "The client MUST surface a network error or retry an idempotent call.", Source: "BEHAVIOURS.md"},
				Class: Error, DurationMs: 10000, Reason: "the adapter did not answer invoke within 10s (hung?) " + testClientSecret,
				Stderr: "panic: runtime error: invalid memory address\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
				Rerun:  "knoxconform run --target ./adapter --cases 'network/reset/idempotent' --seed 424242",
			},
			{
				Case: Case{ID: "sa/AUT_1802/no-retry", Title: "AUT_1802 is surfaced without a retry", Level: "MUST", Area: "sa",
					Codes: []string{"AUT_1802"}, Requirement: "MUST NOT retry.", Source: "https://docs.samsungknox.com/dev/knox-cloud-authentication/troubleshooting-knox-cloud-services/"},
				Class: Unsupported, Reason: "adapter skipped: sa.exchangeCode not implemented",
				Rerun: "knoxconform run --target ./adapter --cases 'sa/AUT_1802/no-retry' --seed 424242",
			},
		},
	}
	Finalize(s)
	return s
}
