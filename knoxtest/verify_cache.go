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

// signatureKey names "this signing input and signature verify with this key".
func signatureKey(signingInput string, sig, spki []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(signingInput))
	h.Write([]byte{0})
	h.Write(sig)
	h.Write([]byte{0})
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
