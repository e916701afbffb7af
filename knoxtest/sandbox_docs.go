package knoxtest

import (
	"fmt"
	"strings"
)

// SandboxMarkdown renders docs/sandbox.md: the sandbox's routes, its control
// API and the fault-script step format, all from the tables the server runs on
// (controlEndpoints, stepFields, Routes), so the page cannot describe a
// contract the server does not enforce.
func SandboxMarkdown() []byte {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`# The knoxtest sandbox

<!-- Generated from knoxtest/sandbox_api.go and knoxtest/sandbox_docs.go; do not edit.
     Regenerate with: go test ./knoxtest -run TestSandboxDocs -update -->

`+"`knoxconform serve`"+` runs the simulated Knox Cloud that every conformance case runs against, on a
local address, to point a client at by hand. It validates requests for real (RS512 signatures,
`+"`jti`"+` reuse, token expiry, Samsung Account form rules), prints what to configure the client with,
and offers a JSON control API under `+"`%s`"+`.

`+"```sh"+`
knoxconform serve                                  # 127.0.0.1:8443, credentials in a temp dir removed on exit
knoxconform serve --dir ./sandbox --tls            # credentials and CA kept in ./sandbox across restarts
knoxconform serve --keys ./keys.json --client-identifier my-client-id
`+"```"+`

The port is checked before anything is generated. With `+"`--dir`"+`, everything a client is configured
with persists there: `+"`keys.json`"+` (RSA, %d bits or more; smaller keys are refused),
`+"`%s`"+` (client identifier, Samsung Account client id and secret) and, with
`+"`--tls`"+`, the CA (`+"`knoxtest-ca.pem`"+`, and its key `+"`knoxtest-ca-key.pem`"+`, mode 0600), so a client
pinned to the CA keeps working after a restart. Without `+"`--dir`"+` these go to a temporary directory
that is removed when the sandbox stops (Ctrl-C or SIGTERM).

## Knox routes

| Route | What it does |
|---|---|
`, ControlPrefix, 2048, sandboxCredentialsFile)
	for _, r := range Routes() {
		p("| `%s` | %s |\n", r, routeSummary(r))
	}
	p(`
A request body may be at most 1 MiB; a larger one is answered 400 4000000. Knox documents
`+"`Content-Type: application/json`"+` for its JSON requests and publishes no answer to another type; the
simulation answers a request to a JSON route (`+jsonRoutesDoc()+`) that has another Content-Type
with 400 4000000 (our choice). The OAuth 2.0 token endpoint answers a request that is not a form POST
with `+"`invalid_request`"+` (RFC 6749 §3.2, §5.2). The Samsung Account token endpoint reads its
parameters only from a body declared as a form (Content-Type: application/x-www-form-urlencoded);
any other body is read as having none, so the first presence rule answers (AUT_1001: Samsung
publishes no code for the content type, and this is how a form-reading server behaves; our choice).

## Control API

All answers are JSON. A known endpoint asked with the wrong method gets 405 with an `+"`Allow`"+`
header; an unknown one gets 404 listing the API. A request body is one JSON value and nothing after
it (trailing data is 400), at most %d bytes (larger is 413). Errors are `+"`{\"error\": \"…\"}`"+`,
saying what was wrong and what is allowed.

| Method | Path | Does |
|---|---|---|
`, maxControlBody)
	for _, ep := range controlEndpoints() {
		p("| %s | `%s%s` | %s |\n", ep.Method, ControlPrefix, ep.Name, firstSentence(ep.Summary))
	}
	for _, ep := range controlEndpoints() {
		p("\n### %s %s%s\n\n%s\n", ep.Method, ControlPrefix, ep.Name, ep.Summary)
		if ep.Query != "" {
			p("\nQuery: %s.\n", ep.Query)
		}
		if ep.Request != "" {
			p("\nRequest:\n\n```json\n%s\n```\n", ep.Request)
		} else if ep.Method == "POST" {
			p("\nRequest: no body (or `{}`).\n")
		}
		p("\nAnswer:\n\n```json\n%s\n```\n", ep.Response)
	}
	p(`
## Fault-script steps

A script is `+"`{\"route\": …, \"steps\": […]}`"+`. The route is one of the Knox routes above, written as in
the table (`+"`\"GET /kcs/v1/kme/devices/list\"`"+`). Steps run in order, each for `+"`times`"+` requests; after
the last one the route behaves naturally again. One request carries at most %d steps, and a route
has at most %d queued (`+"`reset`"+` clears them; `+"`times`"+` repeats a step). Every script is validated
against [sandbox-script.schema.json](sandbox-script.schema.json) (JSON Schema 2020-12), generated
from the same table as this one.

| Field | Type | Allowed | Meaning |
|---|---|---|---|
`, maxScriptSteps, maxQueuedSteps)
	for _, f := range stepFields() {
		p("| `%s` | %s | %s | %s |\n", f.Name, f.Type, f.Allowed, f.Doc)
	}
	codes := make([]string, 0, len(stepCodes()))
	for _, c := range stepCodes() {
		codes = append(codes, "`"+string(c)+"`")
	}
	p(`
Codes a step may name (documented codes and their aliases; [codes.md](codes.md) gives each one's
status and meaning): %s.

Examples:

`+"```sh"+`
# the next device-list call gets 403 4032251 ACCESS_TOKEN_EXPIRED (the code as a number, as Knox writes it)
curl -s localhost:8443%sscript -d '{"route":"GET /kcs/v1/kme/devices/list","steps":[{"code":4032251}]}'
# two 429s with Retry-After: 2, then a reset connection, then natural behaviour
curl -s localhost:8443%sscript -d '{"route":"POST /ams/v1/users/accesstoken","steps":[{"code":"429","retryAfter":"2","times":2},{"fault":"reset"}]}'
# a 502 from a gateway, HTML body, forever
curl -s localhost:8443%sscript -d '{"route":"GET /kcs/v1/kme/devices/list","steps":[{"status":502,"fault":"html","times":-1}]}'
# what happened since exchange 40
curl -s 'localhost:8443%sjournal?since=40'
`+"```"+`

## The journal

Each exchange records: `+"`seq`"+`, arrival time, route, method, path, status, Knox code, whether a script
step answered (`+"`injected`"+`, `+"`fault`"+`), the connection, the decoded JWT (algorithm, audience, `+"`jti`"+`,
`+"`iat`"+`/`+"`exp`"+`, fingerprints, whether the signature verified and why it was refused — never the raw
token), the fingerprint of an issued access token, request headers and Samsung Account form fields
with secrets redacted, the request body's size (`+"`bodySize`"+`; the body itself is not kept) and `+"`flags`"+`
raised by the journal's rules. A field longer than the journal keeps (headers %d bytes, form values
%d, query %d; at most %d header or form fields) is cut and ends with `+"`…[cut: N bytes]`"+`, and the
exchange is marked `+"`truncated`"+`.

The journal holds at most %d exchanges and about %d MiB; past either bound the oldest exchanges
are dropped, and `+"`health`"+` counts them. Seen `+"`jti`"+`s, issued tokens and codes and rate-limit state are
forgotten once expired, so a sandbox left running for days stays the same size.
`, strings.Join(codes, ", "), ControlPrefix, ControlPrefix, ControlPrefix, ControlPrefix,
		journalMaxHeader, journalMaxForm, journalMaxQuery, journalMaxFields,
		DefaultJournalEntries, DefaultJournalBytes>>20)
	return []byte(b.String())
}

// jsonRoutesDoc lists the routes whose requests must be JSON.
func jsonRoutesDoc() string {
	var names []string
	for _, r := range Routes() {
		if jsonBodyRoute(r) {
			names = append(names, "`"+string(r)+"`")
		}
	}
	return strings.Join(names, ", ")
}

// routeSummary says in a few words what a route does.
func routeSummary(r Route) string {
	switch r {
	case RouteAccessToken:
		return "Knox Cloud access token: a signed `clientIdentifierJwt` and the public key in, `accessToken` out."
	case RouteAccessTokenV0:
		return "The same, on the older v0 path."
	case RouteListDevices:
		return "KME device list (`?pageNum=N`, 0-based), authenticated by an `x-knox-apitoken` JWT carrying the access token."
	case RouteDeleteDevices:
		return "KME bulk delete; locked devices land in `failedDeviceList`; at most 100 devices per call by default."
	case RouteSAToken:
		return "Samsung Account token endpoint (authorization_code grant; get a code from `" + ControlPrefix + "authcode`)."
	case RouteSAAuthorize:
		return "Samsung Account authorizeToken (`x-osp-appId` header, `{\"authToken\": …}`)."
	case RouteUnimplemented:
		return "Listed by Knox, answered 501 by the simulation."
	case RouteOAuthToken:
		return "Knox OAuth 2.0 token endpoint (form POST; `client_credentials`, `authorization_code` with PKCE, `refresh_token`); errors in RFC 6749's layout."
	case RouteOAuthRevoke:
		return "Knox OAuth 2.0 revoke (RFC 7009, form POST, client authenticated): ends the refresh or access token sent."
	case RouteKCDevices:
		return "Knox Configure v2 device listing (Bearer token with scope `kc.devices:view`; `pageSize` at most 100, cursor `searchAfter` → `nextSearchAfter`; 10 requests/s)."
	case RouteKGLock, RouteKGUnlock, RouteKGSendMessage:
		return "Knox Guard device command (`deviceUid`, or `deviceUids` for a bulk); answers `{result, error}`, a bulk with per-device `resultList`."
	}
	return "A route of the simulation."
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
