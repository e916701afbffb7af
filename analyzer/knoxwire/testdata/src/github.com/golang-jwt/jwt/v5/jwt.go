// Package jwt is a stand-in for github.com/golang-jwt/jwt/v5 with the names
// knoxwire looks at.
package jwt

type SigningMethod interface{ Alg() string }

type method string

func (m method) Alg() string { return string(m) }

var (
	SigningMethodRS256 SigningMethod = method("RS256")
	SigningMethodRS512 SigningMethod = method("RS512")
	SigningMethodHS256 SigningMethod = method("HS256")
)

type MapClaims map[string]any

type Token struct{}

func NewWithClaims(m SigningMethod, c MapClaims) *Token { return &Token{} }
