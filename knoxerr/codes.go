package knoxerr

// Code identifies a Knox error condition the way Knox writes it: the decimal
// HTTP status for standard codes ("429"), the decimal Knox code for Knox Cloud
// codes ("4032251"), and the string code for Samsung Account codes ("AUT_1802",
// "LIC_4101"). Use the constants below instead of literals.
type Code string

// Standard HTTP codes any Knox endpoint may answer.
const (
	HTTPBadRequest          Code = "400"
	HTTPUnauthorized        Code = "401"
	HTTPForbidden           Code = "403"
	HTTPNotFound            Code = "404"
	HTTPNotAcceptable       Code = "406"
	HTTPUnprocessableEntity Code = "422"
	HTTPTooManyRequests     Code = "429"
	HTTPInternalServerError Code = "500"
	HTTPNotImplemented      Code = "501"
)

// Knox Cloud authentication codes.
const (
	ResourceInvalidParam                           Code = "4000000"
	APIKeyNonUniqueJWTID                           Code = "4002250"
	AccessTokenTimeoutValidityResourceInvalidParam Code = "4002251"
	IDPAuthorizationFail                           Code = "4010011"
	AccessTokenBadRequest                          Code = "40122050"
	// AccessTokenBadRequestAlias is the number Knox's own example bodies carry for
	// ACCESS_TOKEN_BAD_REQUEST; Lookup treats it as AccessTokenBadRequest.
	AccessTokenBadRequestAlias Code = "4012250"
	AccessTokenExpired         Code = "4032251"
	AccessTokenInvalid         Code = "4032252"
	ResourceNotFound           Code = "4040000"
	APIKeyRestrictionNotFound  Code = "4042251"
	APIKeyRestrictionInvalid   Code = "4042252"
)

// The Knox Cloud codes as numbers, for code that reads a numeric "code" field
// of an error body itself instead of calling Parse.
const (
	ResourceInvalidParamNum                           = 4000000
	APIKeyNonUniqueJWTIDNum                           = 4002250
	AccessTokenTimeoutValidityResourceInvalidParamNum = 4002251
	IDPAuthorizationFailNum                           = 4010011
	AccessTokenBadRequestNum                          = 40122050
	AccessTokenBadRequestAliasNum                     = 4012250
	AccessTokenExpiredNum                             = 4032251
	AccessTokenInvalidNum                             = 4032252
	ResourceNotFoundNum                               = 4040000
	APIKeyRestrictionNotFoundNum                      = 4042251
	APIKeyRestrictionInvalidNum                       = 4042252
)

// Samsung Account token endpoint codes (all HTTP 400).
const (
	AUT1001 Code = "AUT_1001"
	AUT1002 Code = "AUT_1002"
	AUT1006 Code = "AUT_1006"
	AUT1008 Code = "AUT_1008"
	AUT1010 Code = "AUT_1010"
	AUT1011 Code = "AUT_1011"
	AUT1015 Code = "AUT_1015"
	AUT1017 Code = "AUT_1017"
	AUT1022 Code = "AUT_1022"
	AUT1024 Code = "AUT_1024"
	AUT1045 Code = "AUT_1045"
	AUT1702 Code = "AUT_1702"
	AUT1785 Code = "AUT_1785"
	AUT1802 Code = "AUT_1802"
	AUT1806 Code = "AUT_1806"
)

// Samsung Account authorizeToken codes.
const (
	LIC4101 Code = "LIC_4101"
	LIC4102 Code = "LIC_4102"
	LIC4103 Code = "LIC_4103"
	LIC5101 Code = "LIC_5101"
)
