// Package knoxtest is a simulated Knox Cloud for tests, in the manner of
// net/http/httptest: NewServer() starts a working Knox Cloud on 127.0.0.1:0 with
// zero configuration, Script adds faults to a route, and Journal tells what
// happened on the wire.
//
// Everything is verified for real: accesstoken requests are checked in the order
// knox-api.md §1.4 gives (body, validity, RS512 signature / aud / publicKey,
// jti replay, exp, client identifier binding); resource calls verify the
// x-knox-apitoken JWT, the access token it carries, its expiry, revocation and
// entitlement; the Samsung Account endpoints apply the AUT_/LIC_ rules documented
// in samsung_account.go. Fault scripts replace the natural reply with a Knox
// error body in any knoxerr.Shape or a socket-level fault.
//
// The journal never holds a raw JWT, access token, client secret, authorization
// code or key: those are fingerprinted ("sha256:" and the first 12 hex digits of
// the SHA-256) or redacted, so a journal can be attached to CI reports.
//
// Body of 401 ACCESS_TOKEN_BAD_REQUEST: Knox's table documents 40122050, Knox's
// example bodies show 4012250. The server emits 4012250 by default (what clients
// meet in practice) and 40122050 with WithBadRequestCode; the journal always
// records the canonical knoxerr.AccessTokenBadRequest.
//
// Codes not documented by Knox that the simulation must put in a body (429, 406,
// 422, 501 in the classic shape) carry the HTTP status as the numeric code and an
// upper-case name; those numbers are the simulation's invention.
//
// The package must not reach beyond loopback and must not panic on any input.
package knoxtest
