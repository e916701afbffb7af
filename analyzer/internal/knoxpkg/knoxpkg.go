// Package knoxpkg holds the typed questions every knoxvet analyzer asks: does this
// package talk to Knox, is this type knoxerr.Code, which catalogue entry and which
// knoxerr constant does this literal value stand for. Values come from the real
// knoxerr catalogue compiled into the binary; types are recognised by import path,
// never by identifier name.
package knoxpkg

import (
	"go/types"
	"strconv"
	"strings"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// Path is the import path of the catalogue package.
const Path = "github.com/knoxconform/knoxconform/knoxerr"

// HTTPPath is the import path of net/http.
const HTTPPath = "net/http"

// TalksToKnox reports whether pkg is knoxerr or imports it, directly or not.
// Analyzers use it as their fast path: most units of a go vet run are the standard
// library and third-party code that cannot hold a Knox code.
func TalksToKnox(pkg *types.Package) bool {
	return Imports(pkg, Path)
}

// endpointMarkers are the pieces of a URL that make a request a Knox request: the
// Knox Cloud token endpoint, the AMS and KCS API roots and Knox's host name.
var endpointMarkers = []string{"/ams/v1/users/accesstoken", "/ams/v0/", "/kcs/", "samsungknox.com"}

// IsKnoxEndpoint reports whether s, a URL or a piece of one, names a Knox endpoint.
func IsKnoxEndpoint(s string) bool {
	for _, m := range endpointMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// Imports reports whether pkg is path or imports it, directly or transitively.
func Imports(pkg *types.Package, path string) bool {
	return Find(pkg, path) != nil
}

// Find returns the package with the given path among pkg and its transitive
// imports, or nil.
func Find(pkg *types.Package, path string) *types.Package {
	if pkg == nil {
		return nil
	}
	seen := map[*types.Package]bool{}
	stack := []*types.Package{pkg}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		if p.Path() == path {
			return p
		}
		stack = append(stack, p.Imports()...)
	}
	return nil
}

// IsCode reports whether t is knoxerr.Code.
func IsCode(t types.Type) bool {
	return isNamed(t, Path, "Code")
}

// IsError reports whether t is knoxerr.Error or *knoxerr.Error.
func IsError(t types.Type) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	return isNamed(t, Path, "Error")
}

func isNamed(t types.Type, path, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Pkg() != nil && obj.Pkg().Path() == path && obj.Name() == name
}

// Match is a catalogue entry a literal value stands for.
type Match struct {
	Entry knoxerr.Entry
	// Spelling is the code as the literal wrote it (an alias stays an alias).
	Spelling knoxerr.Code
	// Const is the knoxerr constant of type Code for Spelling ("AccessTokenExpired").
	Const string
	// NumConst is the untyped numeric constant ("AccessTokenExpiredNum"), "" when
	// knoxerr has none (HTTP statuses, AUT_/LIC_ codes).
	NumConst string
	// Symbolic is true when the literal was the code's documented name
	// ("ACCESS_TOKEN_EXPIRED") rather than the code itself.
	Symbolic bool
}

// LookupInt matches a numeric literal value against the catalogue.
func LookupInt(n int64) (Match, bool) {
	return lookupCode(knoxerr.Code(strconv.FormatInt(n, 10)))
}

// LookupString matches a whole string literal value against the catalogue: a code
// in any documented spelling ("4032251", "AUT_1802", "LIC_4101", "429") or a
// documented symbolic name ("ACCESS_TOKEN_EXPIRED"). Only exact, whole values
// match; HTTP reason phrases ("Not Found") are not treated as names.
func LookupString(s string) (Match, bool) {
	if m, ok := lookupCode(knoxerr.Code(s)); ok {
		return m, true
	}
	if !isSymbol(s) {
		return Match{}, false
	}
	e, ok := knoxerr.LookupName(s)
	if !ok || e.Family == knoxerr.FamilyHTTP || e.Name != s {
		return Match{}, false
	}
	m, ok := lookupCode(e.Code)
	m.Symbolic = true
	return m, ok
}

// isSymbol reports whether s is written like a documented symbolic name:
// upper-case letters, digits and underscores.
func isSymbol(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return strings.ContainsRune(s, '_')
}

func lookupCode(c knoxerr.Code) (Match, bool) {
	e, ok := knoxerr.Lookup(c)
	if !ok {
		return Match{}, false
	}
	m := Match{Entry: e, Spelling: c, Const: constNames[c]}
	if n, ok := c.Number(); ok {
		m.NumConst = numNames[n]
	}
	return m, true
}

// ConstName returns the name of the knoxerr constant of type Code for c, "" when
// knoxerr declares none.
func ConstName(c knoxerr.Code) string { return constNames[c] }

// Distinctive reports whether a value is unlikely to be anything but a Knox code:
// a number (or numeric string) of at least seven digits, or an AUT_/LIC_ code or a
// symbolic name. HTTP-status-sized values are never distinctive.
func (m Match) Distinctive() bool {
	if m.Symbolic {
		return true
	}
	if n, ok := m.Spelling.Number(); ok {
		return n >= 1_000_000
	}
	return true
}

// constNames maps every knoxerr constant of type Code to its name. The keys are
// the real constants, so the compiler checks they exist; TestConstNames checks
// that every name matches its constant and that none is missing.
var constNames = map[knoxerr.Code]string{
	knoxerr.HTTPBadRequest:          "HTTPBadRequest",
	knoxerr.HTTPUnauthorized:        "HTTPUnauthorized",
	knoxerr.HTTPForbidden:           "HTTPForbidden",
	knoxerr.HTTPNotFound:            "HTTPNotFound",
	knoxerr.HTTPNotAcceptable:       "HTTPNotAcceptable",
	knoxerr.HTTPUnprocessableEntity: "HTTPUnprocessableEntity",
	knoxerr.HTTPTooManyRequests:     "HTTPTooManyRequests",
	knoxerr.HTTPInternalServerError: "HTTPInternalServerError",
	knoxerr.HTTPNotImplemented:      "HTTPNotImplemented",

	knoxerr.ResourceInvalidParam:                           "ResourceInvalidParam",
	knoxerr.APIKeyNonUniqueJWTID:                           "APIKeyNonUniqueJWTID",
	knoxerr.AccessTokenTimeoutValidityResourceInvalidParam: "AccessTokenTimeoutValidityResourceInvalidParam",
	knoxerr.IDPAuthorizationFail:                           "IDPAuthorizationFail",
	knoxerr.AccessTokenBadRequest:                          "AccessTokenBadRequest",
	knoxerr.AccessTokenBadRequestAlias:                     "AccessTokenBadRequestAlias",
	knoxerr.AccessTokenExpired:                             "AccessTokenExpired",
	knoxerr.AccessTokenInvalid:                             "AccessTokenInvalid",
	knoxerr.ResourceNotFound:                               "ResourceNotFound",
	knoxerr.APIKeyRestrictionNotFound:                      "APIKeyRestrictionNotFound",
	knoxerr.APIKeyRestrictionInvalid:                       "APIKeyRestrictionInvalid",

	knoxerr.AUT1001: "AUT1001",
	knoxerr.AUT1002: "AUT1002",
	knoxerr.AUT1006: "AUT1006",
	knoxerr.AUT1008: "AUT1008",
	knoxerr.AUT1010: "AUT1010",
	knoxerr.AUT1011: "AUT1011",
	knoxerr.AUT1015: "AUT1015",
	knoxerr.AUT1017: "AUT1017",
	knoxerr.AUT1022: "AUT1022",
	knoxerr.AUT1024: "AUT1024",
	knoxerr.AUT1045: "AUT1045",
	knoxerr.AUT1702: "AUT1702",
	knoxerr.AUT1785: "AUT1785",
	knoxerr.AUT1802: "AUT1802",
	knoxerr.AUT1806: "AUT1806",

	knoxerr.LIC4101: "LIC4101",
	knoxerr.LIC4102: "LIC4102",
	knoxerr.LIC4103: "LIC4103",
	knoxerr.LIC5101: "LIC5101",
}

// numNames maps every untyped numeric knoxerr constant to its name; checked by
// TestConstNames like constNames.
var numNames = map[int]string{
	knoxerr.ResourceInvalidParamNum:                           "ResourceInvalidParamNum",
	knoxerr.APIKeyNonUniqueJWTIDNum:                           "APIKeyNonUniqueJWTIDNum",
	knoxerr.AccessTokenTimeoutValidityResourceInvalidParamNum: "AccessTokenTimeoutValidityResourceInvalidParamNum",
	knoxerr.IDPAuthorizationFailNum:                           "IDPAuthorizationFailNum",
	knoxerr.AccessTokenBadRequestNum:                          "AccessTokenBadRequestNum",
	knoxerr.AccessTokenBadRequestAliasNum:                     "AccessTokenBadRequestAliasNum",
	knoxerr.AccessTokenExpiredNum:                             "AccessTokenExpiredNum",
	knoxerr.AccessTokenInvalidNum:                             "AccessTokenInvalidNum",
	knoxerr.ResourceNotFoundNum:                               "ResourceNotFoundNum",
	knoxerr.APIKeyRestrictionNotFoundNum:                      "APIKeyRestrictionNotFoundNum",
	knoxerr.APIKeyRestrictionInvalidNum:                       "APIKeyRestrictionInvalidNum",
}
