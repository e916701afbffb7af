package knoxtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// accessTokenBody is a parsed accesstoken request.
type accessTokenBody struct {
	jwt          string
	publicKey    string
	validity     int // minutes; 0 when the field is absent
	validityType string
	validityErr  string // why validity is unacceptable, "" when it is fine
}

// accessTokenFields are the members of an accesstoken body the server reads.
var accessTokenFields = [...]string{"clientIdentifierJwt", "base64EncodedStringPublicKey", "validityForAccessTokenInMinutes"}

// parseAccessTokenBody reads the JSON body of POST /ams/v1/users/accesstoken.
// err is a 4000000 reason; a bad validity is reported in validityErr instead, as
// Knox checks it after the body (knox-api.md §1.4).
func parseAccessTokenBody(body []byte, lenient bool, maxMinutes int) (accessTokenBody, error) {
	var out accessTokenBody
	var f [len(accessTokenFields)]json.RawMessage
	if !objectFields(body, accessTokenFields[:], f[:]) {
		m, err := decodeJSONObject(body)
		if err != nil {
			return out, fmt.Errorf("body is not a JSON object: %v", err)
		}
		for i, name := range accessTokenFields {
			f[i] = m[name] // a member that is present is never nil, not even null
		}
	}
	var isStr bool
	if out.jwt, isStr = rawString(f[0]); !isStr || strings.TrimSpace(out.jwt) == "" {
		return out, fmt.Errorf("clientIdentifierJwt is missing or not a non-empty string")
	}
	if out.publicKey, isStr = rawString(f[1]); !isStr || strings.TrimSpace(out.publicKey) == "" {
		return out, fmt.Errorf("base64EncodedStringPublicKey is missing or not a non-empty string")
	}
	raw, present := f[2], f[2] != nil
	raw = bytes.TrimSpace(raw)
	switch {
	case !present:
		out.validityType = "absent"
		return out, nil
	case len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')):
		out.validityType = "number"
		out.validity, out.validityErr = parseMinutes(string(raw), maxMinutes)
	case len(raw) > 0 && raw[0] == '"':
		out.validityType = "string"
		var s string
		_ = json.Unmarshal(raw, &s)
		if !lenient {
			out.validityErr = fmt.Sprintf("validityForAccessTokenInMinutes is the string %q; send a JSON integer", truncate(s, 32))
		} else {
			out.validity, out.validityErr = parseMinutes(strings.TrimSpace(s), maxMinutes)
		}
	default:
		out.validityType = "other"
		out.validityErr = "validityForAccessTokenInMinutes is " + truncate(string(raw), 32) + "; send a JSON integer"
	}
	return out, nil
}

func parseMinutes(s string, maxMinutes int) (int, string) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Sprintf("validityForAccessTokenInMinutes %s is not a 32-bit integer", truncate(s, 32))
	}
	if n < 1 || n > int64(maxMinutes) {
		return 0, fmt.Sprintf("validityForAccessTokenInMinutes %d is outside 1..%d", n, maxMinutes)
	}
	return int(n), ""
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// accessToken is POST /ams/v{0,1}/users/accesstoken, validated in the order of
// knox-api.md §1.4.
func (s *Server) accessToken(req *request) reply {
	b, err := parseAccessTokenBody(req.body, s.cfg.lenientValidity, s.cfg.validityCap)
	req.ex.ValidityType = b.validityType
	var d *decodedJWT
	if b.jwt != "" {
		var derr error
		d, derr = decodeJWT(b.jwt)
		req.ex.JWT = &d.rec
		if err == nil && derr != nil {
			// The body is well-formed JSON; the JWT inside it is what is wrong.
			if b.validityErr != "" {
				return fail(knoxerr.AccessTokenTimeoutValidityResourceInvalidParam, b.validityErr)
			}
			return fail(knoxerr.AccessTokenBadRequest, d.rec.Problem)
		}
	}
	if err != nil {
		return fail(knoxerr.ResourceInvalidParam, err.Error())
	}
	if b.validityErr != "" {
		return fail(knoxerr.AccessTokenTimeoutValidityResourceInvalidParam, b.validityErr)
	}
	pub, bodySPKI, err := spki(b.publicKey)
	if err != nil {
		return d.reject(knoxerr.AccessTokenBadRequest, "base64EncodedStringPublicKey cannot be decoded: "+err.Error())
	}
	if err := d.verifyKey(pub, bodySPKI); err != nil {
		return fail(knoxerr.AccessTokenBadRequest, err.Error())
	}
	if _, claimSPKI, err := spki(d.publicKey); err != nil || !sameKey(claimSPKI, bodySPKI) {
		return d.reject(knoxerr.AccessTokenBadRequest, "the JWT's publicKey claim is not the key sent in base64EncodedStringPublicKey")
	}
	if d.clientIdentifier == "" {
		return d.reject(knoxerr.AccessTokenBadRequest, "the JWT has no clientIdentifier claim")
	}
	if r, rejected := s.checkJTI(d); rejected {
		return r
	}
	if req.dry {
		return reply{}
	}
	now := time.Now()
	if d.expired(now, s.cfg.skew) {
		return d.rejectExpired()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, known := s.identifiers[d.clientIdentifier]
	if !known {
		d.rec.Problem = "the client identifier is not registered"
		return fail(knoxerr.APIKeyRestrictionNotFound, "no API key registered for this client identifier")
	}
	if !sameKey(id.spki, bodySPKI) {
		d.rec.Problem = "the client identifier is registered to another public key"
		return fail(knoxerr.APIKeyRestrictionInvalid, "the client identifier does not belong to this key")
	}
	minutes := b.validity
	if minutes == 0 {
		minutes = s.cfg.validityCap
	}
	tok := randToken()
	s.tokens[tok] = &issuedToken{clientIdentifier: d.clientIdentifier, expires: now.Add(time.Duration(minutes) * time.Minute)}
	s.remembered(now)
	r := ok(map[string]string{"accessToken": tok})
	r.issued = fingerprint(tok)
	return r
}

// checkJTI applies Knox's replay rule to a verified JWT: it must carry a jti,
// and one never seen before (the jti is remembered either way).
func (s *Server) checkJTI(d *decodedJWT) (reply, bool) {
	if !d.hasJTI {
		return d.reject(knoxerr.AccessTokenBadRequest, "the JWT has no jti claim"), true
	}
	if s.seenJTI(d.rec.JTI, d.rec.EXP) {
		d.rec.Problem = "jti was already used"
		return fail(knoxerr.APIKeyNonUniqueJWTID, "Cannot use the same jwt again"), true
	}
	return reply{}, false
}

// seenJTI remembers jti, from a JWT expiring at exp, and reports whether it had
// been seen before.
func (s *Server) seenJTI(jti string, exp int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.jtis[jti]; seen {
		return true
	}
	now := time.Now()
	s.jtis[jti] = s.jtiForget(exp, now)
	s.remembered(now)
	return false
}
