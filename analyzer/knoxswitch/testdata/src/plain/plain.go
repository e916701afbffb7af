// Package plain is a Knox client that keeps the body code in its own fields, a
// plain int and a plain string, without knoxerr: the way real clients are
// written. Its endpoint constant puts it in scope.
package plain

import "net/http"

const tokenURL = "https://eu-kcs-api.samsungknox.com/ams/v1/users/accesstoken"

type knoxBody struct {
	Code    int    `json:"code"`
	CodeStr string `json:"codeStr"`
}

func intField(b knoxBody) string {
	switch b.Code { // want `switch on a Knox code held as int has no default and misses codes a client must retry differently: 4002250 API_KEY_NON_UNIQUE_JWTID \(after-resign\); add cases`
	case 4032251:
		return "refresh"
	case 4000000:
		return "fail"
	}
	return ""
}

// The same switch with every retried Knox Cloud code: silent.
func intFieldComplete(b knoxBody) string {
	switch b.Code {
	case 4032251:
		return "refresh"
	case 4002250:
		return "resign"
	}
	return ""
}

// With a default: silent.
func intFieldDefault(b knoxBody) string {
	switch b.Code {
	case 4032251:
		return "refresh"
	default:
		return "fail"
	}
}

func stringField(b knoxBody) string {
	switch b.CodeStr { // want `held as string .* misses .*: 4032251 ACCESS_TOKEN_EXPIRED \(after-refresh\), LIC_5101 LIC_5101 \(with-backoff\)`
	case "4002250":
		return "resign"
	case "LIC_4101":
		return "fail"
	}
	return ""
}

// A switch on the HTTP status is not a switch on Knox codes: 401 and 429 are
// not distinctive, and no retried status is required here.
func statusSwitch(resp *http.Response) string {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return "refresh"
	case 404:
		return "gone"
	}
	return ""
}

// A computed case may cover anything: not checked.
func computed(b knoxBody, special int) string {
	switch b.Code {
	case 4032251:
		return "refresh"
	case special:
		return "special"
	}
	return ""
}
