package knoxtest

import "time"

// PruneAt runs the pruning as if the clock read now (tests cannot wait an hour).
func (s *Server) PruneAt(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
}

// Tracked counts what the pruned maps hold.
func (s *Server) Tracked() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]int{"jtis": len(s.jtis), "tokens": len(s.tokens), "authCodes": len(s.authCodes),
		"saTokens": len(s.saTokens), "buckets": len(s.buckets)}
}
