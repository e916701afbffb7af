// Package a uses knoxerr; every code use is tier 1 (typed) or tier 2 (compared).
package a

import (
	"fmt"
	"log"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// The definition site of a code is never reported.
const myExpired knoxerr.Code = "4032251"

const (
	myNum   = 4032251
	myAlias = "AUT_1802"
)

type body struct {
	Code    int    `json:"code" knox:"4032251"`
	Message string `json:"message"`
}

func typed(err error, e *knoxerr.Error) error {
	if e.Code == "4032251" { // want `hard-coded Knox code "4032251" \(ACCESS_TOKEN_EXPIRED\); use knoxerr.AccessTokenExpired`
		return nil
	}
	if knoxerr.CodeOf(err) != "AUT_1802" { // want `hard-coded Knox code "AUT_1802" \(AUT_1802\); use knoxerr.AUT1802`
		return err
	}
	if e.Code == "429" { // want `hard-coded Knox code "429" \(Too Many Requests\); use knoxerr.HTTPTooManyRequests`
		return err
	}
	switch e.Code {
	case "LIC_4101", knoxerr.LIC4102: // want `use knoxerr.LIC4101`
		return nil
	case "4012250": // want `use knoxerr.AccessTokenBadRequestAlias`
		return nil
	}
	if knoxerr.IsCode(err, "40122050") { // want `use knoxerr.AccessTokenBadRequest`
		return nil
	}
	if e.Code == "ACCESS_TOKEN_EXPIRED" { // want `"ACCESS_TOKEN_EXPIRED" is the symbolic name of Knox code 4032251, but a knoxerr.Code holds the code itself; use knoxerr.AccessTokenExpired`
		return nil
	}
	if e.Code == myExpired || e.Code == knoxerr.AccessTokenExpired {
		return nil
	}
	e.Code = "4002250"                  // want `use knoxerr.APIKeyNonUniqueJWTID`
	_ = knoxerr.New("LIC_5101", "boom") // want `use knoxerr.LIC5101`
	_ = knoxerr.Code("4032252")         // want `use knoxerr.AccessTokenInvalid`
	_ = map[knoxerr.Code]bool{
		"AUT_1001": true, // want `use knoxerr.AUT1001`
	}
	// A code in a message is text for people, not a code use.
	log.Printf("got LIC_4101 from %s", "4032251")
	_ = fmt.Errorf("code %d", 4032251)
	fmt.Println("LIC_4101")
	// A string that is not a whole code is not a code.
	_ = e.Detail == "LIC_4101 seen"
	_ = e.RawCode == "aut_1802"
	// Unsuppressed, then suppressed, then a stale suppression.
	_ = e.Code == "4032251" //knoxvet:ignore KNX102 the wire value is what this line checks
	// want +1 "unused knoxvet:ignore directive for KNX102"
	_ = e.Code == knoxerr.AccessTokenInvalid //knoxvet:ignore KNX102 stale
	return nil
}

// knoxcode owns directive problems that name no rule of any analyzer.
// want +1 "unknown knoxvet directive \"ignroe\""
//knoxvet:ignroe KNX101 a typo in the verb

func code() knoxerr.Code {
	return "4042252" // want `use knoxerr.APIKeyRestrictionInvalid`
}

func compared(b body, m map[string]any, codes map[int]string) {
	if b.Code == 4032251 { // want `hard-coded Knox code 4032251 \(ACCESS_TOKEN_EXPIRED\); use knoxerr.AccessTokenExpiredNum`
		return
	}
	switch b.Code {
	case 40122050, 4012250: // want `use knoxerr.AccessTokenBadRequestNum` `use knoxerr.AccessTokenBadRequestAliasNum`
	case myNum:
	}
	if m["code"] == "LIC_4102" { // want `use knoxerr.LIC4102`
		return
	}
	if m["message"] == "ACCESS_TOKEN_EXPIRED" { // want `"ACCESS_TOKEN_EXPIRED" is the symbolic name of Knox code 4032251; compare the code instead`
		return
	}
	_ = codes[4002250]                    // want `use knoxerr.APIKeyNonUniqueJWTIDNum`
	_ = map[string]bool{"AUT_1806": true} // want `use knoxerr.AUT1806`
	// HTTP-status-sized values are not knoxcode's business outside a knoxerr.Code context.
	if b.Code == 429 || b.Code == 400 {
		return
	}
	// Catalogue numbers with no code context are just numbers.
	buf := make([]byte, 4000000)
	x := 4000000
	_, _ = buf, x
	if len(buf) > 4032251 {
		return
	}
}
