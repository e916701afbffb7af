package knoxtest

import (
	"slices"
	"sort"
	"strconv"
)

// The journal is bounded twice: in exchanges and in the bytes they hold. A
// conformance case sends a few dozen requests, so the bounds matter only to the
// sandbox, which may run for days; but every Server has them, so no test can
// grow one without limit either. When a bound is passed the oldest exchanges
// are forgotten (JournalStats.Dropped counts them).
const (
	DefaultJournalEntries = 10000
	DefaultJournalBytes   = 16 << 20
)

// What one exchange may hold of attacker-sized input. A value past its limit is
// cut and ends with a marker naming its full size ("…[cut: 1048576 bytes]"), and
// the exchange is marked Truncated.
const (
	journalMaxFields     = 64   // header or form fields recorded per exchange
	journalMaxKey        = 64   // bytes of a field name
	journalMaxHeader     = 512  // bytes of a header value
	journalMaxForm       = 256  // bytes of a form value
	journalMaxQuery      = 1024 // bytes of the query string
	journalMaxJWTField   = 256  // bytes of alg, aud, jti
	journalMaxProblem    = 512  // bytes of a problem sentence
	exchangeFixedCost    = 512  // what an Exchange and its bookkeeping cost beyond its strings
	journalMapEntryCost  = 64   // a map entry beyond its key and value bytes
	journalMoreFieldsKey = "…"  // the form/header entry that says how many fields were not recorded
)

// WithJournalLimits bounds the journal to entries exchanges and bytes bytes
// (estimated); values ≤ 0 keep the defaults, DefaultJournalEntries and
// DefaultJournalBytes.
func WithJournalLimits(entries, bytes int) Option {
	return func(c *config) { c.journalEntries, c.journalBytes = entries, bytes }
}

// JournalStats says how full the journal is.
type JournalStats struct {
	Entries    int `json:"entries"`
	Bytes      int `json:"bytes"`
	MaxEntries int `json:"maxEntries"`
	MaxBytes   int `json:"maxBytes"`
	// Dropped counts the exchanges forgotten to stay within the bounds.
	Dropped int `json:"dropped"`
	// LastSeq is the Seq of the newest exchange (0 when none arrived yet); a
	// reader that remembers it asks for ?since=LastSeq next time.
	LastSeq int `json:"lastSeq"`
}

// JournalStats reports the journal's size and bounds.
func (s *Server) JournalStats() JournalStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return JournalStats{Entries: len(s.journal), Bytes: s.journalBytes, MaxEntries: s.cfg.journalEntries,
		MaxBytes: s.cfg.journalBytes, Dropped: s.journalDropped, LastSeq: s.seq}
}

// journalAdd appends e, which has just arrived. The caller holds s.mu.
func (s *Server) journalAdd(e *Exchange) {
	clipExchange(e)
	e.size = exchangeSize(e)
	e.inJournal = true
	s.journal = append(s.journal, e)
	s.journalBytes += e.size
	s.journalEnforce()
}

// journalSet replaces what stored records by ex, as a request progresses. The
// caller holds s.mu. stored may already have been dropped; then only the
// handler still holds it.
func (s *Server) journalSet(stored *Exchange, ex Exchange) {
	clipExchange(&ex)
	inJournal, old := stored.inJournal, stored.size
	*stored = ex
	stored.inJournal, stored.size = inJournal, exchangeSize(stored)
	if ex.Status != 0 || ex.Fault != FaultNone {
		stored.Flags = s.flagExchange(stored)
	}
	if inJournal {
		s.journalBytes += stored.size - old
		s.journalEnforce()
	}
}

// journalEnforce drops the oldest exchanges until both bounds hold (the newest
// exchange is always kept). The caller holds s.mu.
func (s *Server) journalEnforce() {
	drop := 0
	for drop < len(s.journal)-1 &&
		(len(s.journal)-drop > s.cfg.journalEntries || s.journalBytes > s.cfg.journalBytes) {
		e := s.journal[drop]
		e.inJournal = false
		s.journalBytes -= e.size
		s.journal[drop] = nil // the backing array must not keep it alive
		drop++
	}
	if drop > 0 {
		s.journalDropped += drop
		s.journal = s.journal[drop:]
		if cap(s.journal) > 2*len(s.journal)+64 {
			s.journal = slices.Clone(s.journal)
		}
	}
}

// journalAfter copies up to n exchanges whose Seq is greater than after, in
// arrival order: readers page through a long journal without copying all of it
// at once.
func (s *Server) journalAfter(after, n int) []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.journal), func(i int) bool { return s.journal[i].Seq > after })
	end := min(len(s.journal), i+n)
	out := make([]Exchange, 0, end-i)
	for _, e := range s.journal[i:end] {
		out = append(out, e.clone())
	}
	return out
}

// clone copies e deeply enough that the journal's later changes do not show.
func (e *Exchange) clone() Exchange {
	c := *e
	c.Header = copyMap(e.Header)
	c.Form = copyMap(e.Form)
	c.Flags = slices.Clone(e.Flags)
	if e.JWT != nil {
		j := *e.JWT
		c.JWT = &j
	}
	return c
}

// JournalRule looks at the newest exchanges of a journal, the last of them just
// answered, and returns the flag that exchange raises ("" when none). Rules see
// only what the journal can: they tell a sandbox user what the suite would say
// about the same traffic. knoxtest has none of its own: the judge's rules are
// written once, in package conformance (conformance.JournalRules), and handed
// in with SetJournalRules.
type JournalRule func(recent []Exchange) string

// journalRuleWindow is how many of the newest exchanges a rule sees: enough
// for a call's retries and its token requests, bounded so that flagging costs
// the same whatever the journal holds.
const journalRuleWindow = 32

// SetJournalRules replaces the rules that flag every answered exchange (for
// rules that need the server's own credentials, such as where its secrets may
// not appear).
func (s *Server) SetJournalRules(rules ...JournalRule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.journalRules = rules
}

// flagExchange applies the server's journal rules to ex, the newest exchange
// it answered. The caller holds s.mu.
func (s *Server) flagExchange(ex *Exchange) []string {
	if len(s.cfg.journalRules) == 0 {
		return nil
	}
	var recent []Exchange
	for i := max(0, len(s.journal)-journalRuleWindow); i < len(s.journal); i++ {
		if e := s.journal[i]; e != nil && e != ex && e.Seq < ex.Seq {
			recent = append(recent, *e)
		}
	}
	recent = append(recent, *ex)
	var flags []string
	for _, rule := range s.cfg.journalRules {
		if f := rule(recent); f != "" {
			flags = append(flags, clip(f, journalMaxProblem))
		}
	}
	return flags
}

// clipExchange cuts whatever a client controls to the journal's per-field limits.
func clipExchange(e *Exchange) {
	cut := false
	clipTo := func(s *string, n int) {
		if len(*s) > n {
			*s, cut = clip(*s, n), true
		}
	}
	clipTo(&e.Path, journalMaxQuery)
	clipTo(&e.Method, journalMaxKey)
	clipTo(&e.Query, journalMaxQuery)
	clipTo(&e.RetryAfter, journalMaxKey)
	if e.JWT != nil {
		j := *e.JWT // the handler's own record stays whole; the journal keeps a copy
		e.JWT = &j
		clipTo(&e.JWT.Alg, journalMaxJWTField)
		clipTo(&e.JWT.Aud, journalMaxJWTField)
		clipTo(&e.JWT.JTI, journalMaxJWTField)
		clipTo(&e.JWT.Problem, journalMaxProblem)
	}
	if m, c := clipFields(e.Header, journalMaxHeader); c {
		e.Header, cut = m, true
	}
	if m, c := clipFields(e.Form, journalMaxForm); c {
		e.Form, cut = m, true
	}
	if cut {
		e.Truncated = true
	}
}

// clipFields keeps at most journalMaxFields fields of m (the first in name
// order), each cut to the limits, and says in the "…" entry how many were left
// out. It returns m itself when nothing needed cutting.
func clipFields(m map[string]string, maxValue int) (map[string]string, bool) {
	if m == nil {
		return m, false
	}
	over := len(m) > journalMaxFields
	for k, v := range m {
		if over {
			break
		}
		over = len(k) > journalMaxKey || len(v) > maxValue
	}
	if !over {
		return m, false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, min(len(keys), journalMaxFields)+1)
	for _, k := range keys[:min(len(keys), journalMaxFields)] {
		out[clip(k, journalMaxKey)] = clip(m[k], maxValue)
	}
	if len(keys) > journalMaxFields {
		out[journalMoreFieldsKey] = strconv.Itoa(len(keys)-journalMaxFields) + " more fields not recorded"
	}
	return out, true
}

// clip cuts s to n bytes and marks the cut with s's full size.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…[cut: " + strconv.Itoa(len(s)) + " bytes]"
}

// exchangeSize estimates the bytes e keeps alive.
func exchangeSize(e *Exchange) int {
	n := exchangeFixedCost + len(e.Path) + len(e.Method) + len(e.Query) + len(e.Route) + len(e.Code) +
		len(e.RetryAfter) + len(e.IssuedToken) + len(e.ValidityType) + len(e.Fault)
	if e.JWT != nil {
		n += 128 + len(e.JWT.Alg) + len(e.JWT.Aud) + len(e.JWT.JTI) + len(e.JWT.Subject) +
			len(e.JWT.TokenFingerprint) + len(e.JWT.Fingerprint) + len(e.JWT.Problem)
	}
	for _, m := range []map[string]string{e.Header, e.Form} {
		for k, v := range m {
			n += journalMapEntryCost + len(k) + len(v)
		}
	}
	for _, f := range e.Flags {
		n += 16 + len(f)
	}
	return n
}
