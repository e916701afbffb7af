package knoxtest

import (
	"crypto/rsa"
	"crypto/sha256"
	"sync"
)

// Caches that keep RSA and ASN.1 work off the hot path. A client sends the same
// public key on every accesstoken call and, on resource calls, often the same
// signed x-knox-apitoken for many requests; parsing that key and checking that
// signature again gives the same answer each time. Both caches are bounded
// and hold no secret: public keys, and hashes of JWTs that verified.
const (
	maxCachedKeys       = 256
	maxCachedSignatures = 8192
)

type parsedKey struct {
	pub  *rsa.PublicKey
	spki []byte
}

var (
	keyCacheMu sync.Mutex
	keyCache   = map[string]parsedKey{}

	sigCacheMu sync.Mutex
	sigCache   = map[[sha256.Size]byte]struct{}{}
)

// cachedKey returns the parse of b64 if it was parsed before.
func cachedKey(b64 string) (parsedKey, bool) {
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	k, hit := keyCache[b64]
	return k, hit
}

func cacheKey(b64 string, k parsedKey) {
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	if len(keyCache) >= maxCachedKeys {
		for old := range keyCache { // forget an arbitrary one
			delete(keyCache, old)
			break
		}
	}
	keyCache[b64] = k
}

// signatureKey names "the JWT whose SHA-256 is jwtSum verifies with this key":
// the JWT's bytes fix its signing input and its signature, so its digest
// stands for both (hashing 32 bytes instead of the whole JWT again).
func signatureKey(jwtSum [sha256.Size]byte, spki []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(jwtSum[:])
	h.Write(spki)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

func signatureVerified(k [sha256.Size]byte) bool {
	sigCacheMu.Lock()
	defer sigCacheMu.Unlock()
	_, hit := sigCache[k]
	return hit
}

func rememberSignature(k [sha256.Size]byte) {
	sigCacheMu.Lock()
	defer sigCacheMu.Unlock()
	if len(sigCache) >= maxCachedSignatures {
		for old := range sigCache {
			delete(sigCache, old)
			if len(sigCache) < maxCachedSignatures*7/8 {
				break
			}
		}
	}
	sigCache[k] = struct{}{}
}

// verifiedJWTs remembers, per server, the resource-call JWTs (x-knox-apitoken)
// whose decoding, publicKey claim and signature all checked out, by the SHA-256
// of the JWT as sent. A client may send the same JWT on many resource calls;
// decoding it and checking its signature again would give the same answer, as
// the JWT's bytes fix its claims, the key they name and the signature. What
// depends on the time or the server's state (exp, the access token, the jti
// when WithJTIOnResources is on, the rate limit) is still checked on every
// call. It holds what the server already knows (the access tokens it issued)
// and never leaves the server.
type verifiedJWTs struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedJWT
}

type verifiedJWT struct {
	d    decodedJWT // as verifyKey left it: SignatureValid, no Problem
	spki []byte     // the key of its publicKey claim
}

const maxVerifiedJWTs = 4096

// get returns a fresh copy of the verified JWT whose digest is sum.
func (c *verifiedJWTs) get(sum [sha256.Size]byte) (*decodedJWT, []byte, bool) {
	c.mu.Lock()
	v, hit := c.m[sum]
	c.mu.Unlock()
	if !hit {
		return nil, nil, false
	}
	d := v.d // the copy's rec is the call's own to record problems in
	return &d, v.spki, true
}

// put remembers d, which decoded and verified with the key spki.
func (c *verifiedJWTs) put(d *decodedJWT, spki []byte) {
	v := verifiedJWT{d: *d, spki: spki}
	v.d.signingInput, v.d.sig = "", nil // not needed again; the JWT itself is not kept
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[sha256.Size]byte]verifiedJWT{}
	}
	if len(c.m) >= maxVerifiedJWTs {
		for old := range c.m { // forget an arbitrary one
			delete(c.m, old)
			break
		}
	}
	c.m[d.sum] = v
}
