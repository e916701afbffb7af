// Package tier2 talks to Knox over net/http without knoxerr: only distinctive
// catalogue values in comparisons, cases and map keys are reported. Its Knox
// endpoint constant is what puts it in scope.
package tier2

import (
	"encoding/json"
	"net/http"
)

const devicesURL = "https://eu-kcs-api.samsungknox.com/kcs/v1/kme/devices/list"

type knoxBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func handle(resp *http.Response) string {
	var b knoxBody
	_ = json.NewDecoder(resp.Body).Decode(&b)
	switch b.Code {
	case 4032251: // want `hard-coded Knox code 4032251 \(ACCESS_TOKEN_EXPIRED\); use knoxerr.AccessTokenExpiredNum`
		return "refresh"
	case 404, 500:
		return "http-sized codes are not reported here"
	}
	if b.Message == "AUT_1802" { // want `use knoxerr.AUT1802`
		return "code"
	}
	limit := 4000000
	_ = limit
	// Decoded into a map, JSON numbers are float64: the literal is a float constant.
	var generic map[string]float64
	_ = json.NewDecoder(resp.Body).Decode(&generic)
	if generic["code"] == 4002250 { // want `hard-coded Knox code 4002250 \(API_KEY_NON_UNIQUE_JWTID\); use knoxerr.APIKeyNonUniqueJWTIDNum`
		return "resign"
	}
	return ""
}
