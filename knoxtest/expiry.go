package knoxtest

import "time"

// What the server remembers per request (seen jtis, issued tokens and codes,
// rate-limit buckets) is forgotten once it can no longer change an answer, so a
// long-running sandbox holds only what is live:
//
//   - a jti, once its JWT is expired beyond the clock skew (a replay is then
//     refused as expired anyway); a JWT without exp keeps its jti jtiNoExpRetention;
//   - an access token, authorization code or Samsung Account token,
//     expiredRetention after it expired (until then its use is still answered
//     "expired" rather than "invalid", as Knox does);
//   - a rate-limit bucket, once it has refilled (a fresh bucket is the same).
//
// Besides, no map holds more than maxTracked entries: past that, under a flood
// no real client sends, arbitrary entries are forgotten (a very old jti may then
// be accepted again).
const (
	jtiNoExpRetention = time.Hour
	expiredRetention  = 10 * time.Minute
	maxTracked        = 50000
	pruneEvery        = 30 * time.Second
)

// remembered is called after each insert into a pruned map; it prunes once
// enough was inserted (a quarter of what is held, at least 1024) or enough time
// passed, so the cost per request stays constant. The caller holds s.mu.
func (s *Server) remembered(now time.Time) {
	s.insertsSincePrune++
	held := len(s.jtis) + len(s.tokens) + len(s.authCodes) + len(s.saTokens) + len(s.buckets)
	if s.insertsSincePrune >= max(1024, held/4) || now.Sub(s.lastPrune) >= pruneEvery {
		s.prune(now)
	}
}

// prune forgets what has expired and enforces maxTracked. The caller holds s.mu.
func (s *Server) prune(now time.Time) {
	s.insertsSincePrune, s.lastPrune = 0, now
	for k, forget := range s.jtis {
		if now.After(forget) {
			delete(s.jtis, k)
		}
	}
	for k, t := range s.tokens {
		if now.After(t.expires.Add(expiredRetention)) {
			delete(s.tokens, k)
		}
	}
	for k, c := range s.authCodes {
		if now.After(c.expires.Add(expiredRetention)) {
			delete(s.authCodes, k)
		}
	}
	for k, t := range s.saTokens {
		if !t.expires.IsZero() && now.After(t.expires.Add(expiredRetention)) {
			delete(s.saTokens, k)
		}
	}
	if s.cfg.rate > 0 {
		refill := time.Duration(float64(max(s.cfg.burst, 1)) / s.cfg.rate * float64(time.Second))
		for k, b := range s.buckets {
			if now.Sub(b.last) > refill {
				delete(s.buckets, k)
			}
		}
	}
	capMap(s.jtis)
	capMap(s.tokens)
	capMap(s.authCodes)
	capMap(s.saTokens)
	capMap(s.buckets)
}

// capMap forgets arbitrary entries of m beyond maxTracked, down to 90% of it so
// that the next prune is not due at once.
func capMap[V any](m map[string]V) {
	if len(m) <= maxTracked {
		return
	}
	for k := range m {
		delete(m, k)
		if len(m) <= maxTracked*9/10 {
			return
		}
	}
}

// jtiForget is when a jti from a JWT expiring at exp (Unix seconds, 0 when
// absent) may be forgotten.
func (s *Server) jtiForget(exp int64, now time.Time) time.Time {
	if exp == 0 {
		return now.Add(jtiNoExpRetention)
	}
	t := time.Unix(exp, 0).Add(s.cfg.skew + time.Second)
	if t.Before(now) {
		return now.Add(s.cfg.skew)
	}
	return t
}
