package knoxkeys

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Audience is the aud claim Knox Cloud Authentication requires.
const Audience = "KnoxWSM"

// DefaultTTL is the lifetime Knox's own token library gives a signed JWT.
const DefaultTTL = 30 * time.Minute

// Claims are the claims of a Knox client-identifier or access-token JWT.
type Claims struct {
	ClientIdentifier string `json:"clientIdentifier,omitempty"`
	AccessToken      string `json:"accessToken,omitempty"`
	PublicKey        string `json:"publicKey"`
	Aud              string `json:"aud"`
	JTI              string `json:"jti"`
	IAT              int64  `json:"iat,omitempty"`
	EXP              int64  `json:"exp,omitempty"`
}

// NewJTI returns a random 64-hex-digit JWT ID.
func NewJTI() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// SignClientIdentifier returns a clientIdentifierJwt for the accesstoken call,
// valid for ttl from now, with a fresh jti.
func (k *Keys) SignClientIdentifier(clientIdentifier string, now time.Time, ttl time.Duration) (string, error) {
	return k.Sign(Claims{ClientIdentifier: clientIdentifier}, now, ttl)
}

// SignAccessToken returns the x-knox-apitoken value for a resource call.
func (k *Keys) SignAccessToken(accessToken string, now time.Time, ttl time.Duration) (string, error) {
	return k.Sign(Claims{AccessToken: accessToken}, now, ttl)
}

// Sign completes c (publicKey, aud, a fresh jti when empty, iat and exp from now
// and ttl) and signs it with RS512.
func (k *Keys) Sign(c Claims, now time.Time, ttl time.Duration) (string, error) {
	if c.PublicKey == "" {
		c.PublicKey = k.PublicB64()
	}
	if c.Aud == "" {
		c.Aud = Audience
	}
	if c.JTI == "" {
		c.JTI = NewJTI()
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	c.IAT, c.EXP = now.Unix(), now.Add(ttl).Unix()
	mc := jwt.MapClaims{"publicKey": c.PublicKey, "aud": c.Aud, "jti": c.JTI, "iat": c.IAT, "exp": c.EXP}
	if c.ClientIdentifier != "" {
		mc["clientIdentifier"] = c.ClientIdentifier
	}
	if c.AccessToken != "" {
		mc["accessToken"] = c.AccessToken
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS512, mc).SignedString(k.Private)
}
