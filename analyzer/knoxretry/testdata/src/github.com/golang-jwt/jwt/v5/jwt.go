// Package jwt is a stand-in for github.com/golang-jwt/jwt/v5 with the names
// knoxretry looks at.
package jwt

type SigningMethod interface{ Alg() string }

type method string

func (m method) Alg() string { return string(m) }

var SigningMethodRS512 SigningMethod = method("RS512")

type MapClaims map[string]any

type RegisteredClaims struct {
	ID       string
	Audience []string
}

type Token struct{}

func NewWithClaims(m SigningMethod, c any) *Token { return &Token{} }

func (t *Token) SignedString(key any) (string, error) { return "signed", nil }
