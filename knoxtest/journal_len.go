package knoxtest

// JournalLen is how many exchanges the journal holds, without copying them:
// a watcher (knoxconform observe) polls it to stop a client that floods the
// server before the journal grows without bound.
func (s *Server) JournalLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.journal)
}
