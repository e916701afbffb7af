// Package knoxretry defines an Analyzer that reports, in the SSA form of a
// Knox client, the retry mistakes the conformance suite fails at run time: a
// signed JWT sent again, a hot or unbounded retry loop, a 429 retried without
// reading Retry-After, an uncapped Retry-After, and a loop that retries 4xx.
package knoxretry

// Rule IDs. They are stable: never renumber or reuse one.
const (
	RuleJWTReuse       = "KNX401" // a signed JWT (or its jti) made once and sent on later attempts
	RuleHotLoop        = "KNX402" // a retry loop with no wait between attempts
	RuleUnbounded      = "KNX403" // a retry loop with no attempt bound and no context or deadline check
	RuleIgnoresRA      = "KNX404" // a 429/503 branch that retries without reading Retry-After
	RuleUncappedRA     = "KNX405" // a Retry-After value slept on with no cap
	RuleRetriesFailure = "KNX406" // a retry loop whose only exits are success (and the bound): 4xx retried too
)

const Doc = `report retry mistakes in Knox clients: reused JWTs, hot, unbounded and indiscriminate retry loops, Retry-After ignored or uncapped

knoxretry builds the SSA form of every package that talks to Knox (as knoxhttp
decides it) and finds its retry loops: a loop (for, or range over an integer)
that contains a Knox send (an http.Client call, http.Get and friends,
RoundTrip, or a function known, through a fact, to make one, in this package
or another) from which a path goes back to the loop head through a failure
edge (err != nil, or a StatusCode test that means 4xx or 5xx). A range over a
slice, map or channel is iteration, not retry, and so is a loop whose failure
edges all leave it. Test files are skipped unless -knoxretry.tests is set.

KNX401  a JWT signed (golang-jwt SignedString, or a function known to return
        one) before a retry loop and used inside it: every attempt resends the
        same bytes, and Knox answers 4002250 (API_KEY_NON_UNIQUE_JWTID); also a
        "jti" claim that is a constant or a package-level variable.
        BEHAVIOURS "Fresh jti", 4002250; cases jwt/fresh-jti, knox/4002250/resign.
KNX402  a retry loop with no wait anywhere in it (time.Sleep, a timer, a
        channel receive or select, or a call that takes a context or a
        duration): a hot loop. BEHAVIOURS 429, 500; cases http/429/backoff,
        http/500/bounded-backoff.
KNX403  a retry loop with no attempt bound (no ordered integer comparison
        that leaves the loop, no range over an integer) and no context or
        deadline check (ctx.Err, ctx.Done, select, time.Since/Until/Now).
        BEHAVIOURS 429 "MUST bound attempts"; case http/429/backoff.
KNX404  a branch on 429 or 503 that leads back to another attempt in a
        function that never reads Retry-After (the header, knoxerr's
        RetryAfter field, or a function known to read it). BEHAVIOURS 429, "503 +
        Retry-After"; cases http/429/retry-after-seconds, ratelimit/503-retry-after.
KNX405  time.Sleep, time.After, time.NewTimer or Timer.Reset on a duration
        computed from the Retry-After header with no cap on the way (no min,
        no comparison, no merge of a clamped value). BEHAVIOURS "Retry-After
        huge"; case ratelimit/retry-after-huge.
KNX406  a retry loop that leaves only on success, a transport error or its
        attempt bound: no exit on a 4xx response, so 400, 403 and 404 are
        retried too. BEHAVIOURS 400/403/404 "MUST NOT retry"; cases
        http/400/no-retry, http/404/no-retry.

A wait anywhere in the loop counts for KNX402: knoxretry does not reason about
which attempts skip it.

Before:

	tok, _ := signClientID(key)           // KNX401: signed once ...
	for {                                  // KNX403: no bound, no ctx check
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, body(tok))
		resp, err := c.http.Do(req)        // KNX402: no wait before the next attempt
		if err == nil && resp.StatusCode == http.StatusOK {
			return decode(resp)            // KNX406: the only exit is success
		}
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests { // KNX404
			continue
		}
	}

After:

	for attempt := 0; attempt < maxAttempts; attempt++ {
		tok, err := signClientID(key)      // a new jti on every attempt
		...
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return decode(resp)
		case resp.StatusCode == http.StatusTooManyRequests:
			d := min(retryAfter(resp.Header.Get("Retry-After")), maxWait)
			time.Sleep(d)
		default:
			return nil, knoxerr.FromResponse(resp) // 4xx: no retry
		}
	}`
