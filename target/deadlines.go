package target

import "time"

// The deadlines of the protocol, in one place: the suite applies them, and
// docs/protocol.md lists them from Deadlines (generated, so the two cannot
// drift). They are generous on purpose: a deadline that fires on a slow but
// working adapter turns a verdict into ERROR.
const (
	// StartTimeout bounds starting the adapter (or connecting to it) and its
	// answer to hello.
	StartTimeout = 30 * time.Second
	// DefaultRequestTimeout bounds each request when Options.RequestTimeout is
	// zero. TestKit uses the same default for its adapter calls.
	DefaultRequestTimeout = 10 * time.Second
	// NewClientTimeout bounds newClient: building a client does no network
	// work, so an adapter that takes longer is stuck.
	NewClientTimeout = 7 * time.Second
	// GiveUpSlack is how long past a client's operation timeout (the advised
	// config.timeoutMs, or the timeout the adapter declared for its client in
	// newClient's answer) the suite waits for an invoke's answer before it
	// judges that the client did not give up.
	GiveUpSlack = 2 * time.Second
	// LivenessTimeout bounds the liveness probe the suite sends when an invoke
	// or newClient was not answered in time: a ping (adapters that declare the
	// "ping" feature) or, for the others, a hello. An adapter that answers
	// neither is wedged: the case is ERROR and the session is replaced.
	LivenessTimeout = 2 * time.Second
	// CloseClientTimeout bounds closeClient, so that a client still stuck in a
	// hung request cannot stall the next case.
	CloseClientTimeout = 2 * time.Second
	// ByeTimeout bounds the answer to bye (less when the request timeout is
	// shorter).
	ByeTimeout = 2 * time.Second
	// ExitGrace is how long the adapter has to exit after answering bye (or
	// after its stdin closes) before its whole process group is killed.
	ExitGrace = time.Second
	// KillWait is how long the suite waits for a killed adapter to exit.
	KillWait = 3 * time.Second
	// RequestTimeoutMargin is added to the longest possible invoke deadline to
	// get the floor of the per-request deadline (see MinRequestTimeout).
	RequestTimeoutMargin = 5 * time.Second
)

// MaxDeclaredTimeoutMs bounds the operation timeout an adapter may declare for
// its client in newClient's answer (result.timeoutMs): the suite waits that
// long plus GiveUpSlack for each invoke, and a case must still fit in its own
// time limit.
const MaxDeclaredTimeoutMs = 20000

// MinRequestTimeout is the floor of the per-request deadline the suite applies
// (a larger --request-timeout is kept): the longest invoke deadline the suite
// may set (MaxDeclaredTimeoutMs plus GiveUpSlack) plus RequestTimeoutMargin, so
// that the suite's own per-invoke deadline, which judges a client that never
// gives up, always fires first.
const MinRequestTimeout = time.Duration(MaxDeclaredTimeoutMs)*time.Millisecond + GiveUpSlack + RequestTimeoutMargin

// Deadline is one row of the deadlines table in docs/protocol.md.
type Deadline struct {
	What  string        // the request or the wait it bounds
	Value time.Duration // 0 when Rule says how it is computed
	Rule  string        // how it is computed, when it is not a plain number
	Then  string        // what happens when it expires
}

// Deadlines lists every deadline the suite applies to an adapter, in session order.
func Deadlines() []Deadline {
	return []Deadline{
		{What: "start and `hello`", Value: StartTimeout,
			Then: "every case is ERROR, the reason says the adapter did not start or answer hello"},
		{What: "`newClient`", Value: NewClientTimeout,
			Then: "a liveness probe; the case is ERROR (the adapter, not the client, is stuck); a session that does not answer the probe either is replaced"},
		{What: "`invoke`", Rule: "the client's operation timeout (`config.timeoutMs`, or the `timeoutMs` the adapter declared in newClient's answer, at most " + msString(MaxDeclaredTimeoutMs) + ") + " + GiveUpSlack.String(),
			Then: "a liveness probe: answered, the client did not give up (a verdict, usually FAIL); not answered, the adapter is wedged (ERROR, the session is replaced)"},
		{What: "liveness probe (`ping`, or `hello` when `ping` is not declared)", Value: LivenessTimeout,
			Then: "the adapter is wedged: the case is ERROR and the session ends (its process group is killed); the next case starts a new adapter"},
		{What: "`closeClient`", Value: CloseClientTimeout,
			Then: "a liveness probe; a session that does not answer it is replaced before the next case"},
		{What: "every other request", Rule: "`--request-timeout`, never less than (and by default) **" + MinRequestTimeout.String() + "**: the longest invoke deadline + " + RequestTimeoutMargin.String() + "; negative: no limit, for stepping through an adapter in a debugger",
			Then: "the adapter hung: ERROR, the session ends"},
		{What: "`bye`", Value: ByeTimeout,
			Then: "the adapter's process group is killed"},
		{What: "exit after `bye` (or end of stdin)", Value: ExitGrace,
			Then: "the adapter's process group is killed (SIGKILL)"},
		{What: "exit after the kill", Value: KillWait,
			Then: "reported as a harness error naming the pid"},
	}
}

func msString(ms int) string { return (time.Duration(ms) * time.Millisecond).String() }
