package s

import (
	"errors"

	"github.com/knoxconform/knoxconform/knoxerr"
)

func handle(err error) string {
	switch knoxerr.CodeOf(err) { // want `switch on knoxerr.Code has no default and misses codes a client must retry differently: knoxerr.HTTPUnauthorized \(after-refresh\), knoxerr.HTTPTooManyRequests \(with-backoff\), knoxerr.HTTPInternalServerError \(with-backoff\), knoxerr.APIKeyNonUniqueJWTID \(after-resign\), knoxerr.LIC5101 \(with-backoff\); add cases for them or a default`
	case knoxerr.AccessTokenExpired:
		return "refresh"
	case knoxerr.AUT1802:
		return "new authorization code"
	}
	return ""
}

func fieldTag(e *knoxerr.Error) string {
	switch e.Code { // want `misses codes a client must retry differently: knoxerr.APIKeyNonUniqueJWTID \(after-resign\); add`
	case knoxerr.HTTPUnauthorized, knoxerr.AccessTokenExpired:
		return "refresh"
	case knoxerr.HTTPTooManyRequests, knoxerr.HTTPInternalServerError, "LIC_5101":
		return "backoff"
	}
	return ""
}

// Every code whose handling differs has a case: nothing to report.
func complete(e *knoxerr.Error) string {
	switch e.Code {
	case knoxerr.HTTPUnauthorized, knoxerr.AccessTokenExpired:
		return "refresh"
	case knoxerr.APIKeyNonUniqueJWTID:
		return "resign"
	case knoxerr.HTTPTooManyRequests, knoxerr.HTTPInternalServerError, knoxerr.LIC5101:
		return "backoff"
	}
	return ""
}

// Only codes that are never retried: special cases picked out before another
// dispatch (the reference client classifies the rest by Class().Retry()).
func specialCases(e *knoxerr.Error) string {
	switch e.Code.Canonical() {
	case knoxerr.AccessTokenBadRequest:
		return "re-sign once"
	case knoxerr.AccessTokenInvalid:
		return "drop the token"
	}
	return "classify by retry"
}

// A default handles the rest.
func withDefault(err error) string {
	switch knoxerr.CodeOf(err) {
	case knoxerr.AccessTokenExpired:
		return "refresh"
	default:
		return "surface"
	}
}

// An enforced switch must name every documented code, default or not.
func enforced(err error) string {
	//knoxvet:enforce
	switch knoxerr.CodeOf(err) { // want `must cover every documented code \(-knoxswitch.enforce or //knoxvet:enforce\) and misses 37: knoxerr.HTTPBadRequest, knoxerr.HTTPUnauthorized, .*, knoxerr.LIC5101$`
	case knoxerr.AccessTokenExpired:
		return "refresh"
	default:
		return "surface"
	}
}

func enforcedComplete(err error) string {
	switch knoxerr.CodeOf(err) { //knoxvet:enforce
	case knoxerr.HTTPBadRequest,
		knoxerr.HTTPUnauthorized,
		knoxerr.HTTPForbidden,
		knoxerr.HTTPNotFound,
		knoxerr.HTTPNotAcceptable,
		knoxerr.HTTPUnprocessableEntity,
		knoxerr.HTTPTooManyRequests,
		knoxerr.HTTPInternalServerError,
		knoxerr.HTTPNotImplemented,
		knoxerr.ResourceInvalidParam,
		knoxerr.APIKeyNonUniqueJWTID,
		knoxerr.AccessTokenTimeoutValidityResourceInvalidParam,
		knoxerr.IDPAuthorizationFail,
		knoxerr.AccessTokenBadRequestAlias, // the alias covers AccessTokenBadRequest
		knoxerr.AccessTokenExpired,
		knoxerr.AccessTokenInvalid,
		knoxerr.ResourceNotFound,
		knoxerr.APIKeyRestrictionNotFound,
		knoxerr.APIKeyRestrictionInvalid,
		knoxerr.AUT1001,
		knoxerr.AUT1002,
		knoxerr.AUT1006,
		knoxerr.AUT1008,
		knoxerr.AUT1010,
		knoxerr.AUT1011,
		knoxerr.AUT1015,
		knoxerr.AUT1017,
		knoxerr.AUT1022,
		knoxerr.AUT1024,
		knoxerr.AUT1045,
		knoxerr.AUT1702,
		knoxerr.AUT1785,
		knoxerr.AUT1802,
		knoxerr.AUT1806,
		knoxerr.LIC4101,
		knoxerr.LIC4102,
		knoxerr.LIC4103,
		knoxerr.LIC5101:
		return "named"
	}
	return ""
}

// Not a switch over knoxerr.Code, but over a plain string holding Knox codes:
// checked as one (see package plain).
func plain(code string) string {
	switch code { // want `held as string .*misses .*: 4002250 API_KEY_NON_UNIQUE_JWTID \(after-resign\)`
	case "4032251":
		return "refresh"
	}
	return ""
}

// A computed case may cover anything: not checked.
func computed(err error, mine knoxerr.Code) string {
	switch knoxerr.CodeOf(err) {
	case mine:
		return "mine"
	}
	return ""
}

func suppressed(err error) bool {
	//knoxvet:ignore KNX301 only the expiry matters to this probe
	switch knoxerr.CodeOf(err) {
	case knoxerr.AccessTokenExpired:
		return true
	}
	// want +1 "unused knoxvet:ignore directive for KNX301"
	//knoxvet:ignore KNX301 stale: the switch below has a default
	switch knoxerr.CodeOf(err) {
	default:
	}
	return errors.Is(err, nil)
}
