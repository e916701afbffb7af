package target

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/knoxconform/knoxconform/internal/protoline"
)

// Options configure the suite side of a session.
type Options struct {
	// RequestTimeout bounds each request: an adapter that has not answered by then
	// is treated as hung. Zero means DefaultRequestTimeout; negative means no
	// limit (for debugging an adapter; the caller's ctx still applies).
	RequestTimeout time.Duration
	// Trace, when set, receives every protocol line in both directions, one per
	// line, with a timestamp and "->" (suite to adapter) or "<-" (adapter to suite).
	Trace io.Writer
	// Env is added to the suite's environment for the adapter command (Start only).
	Env []string
	// Dir is the adapter command's working directory (Start only); "" means the
	// suite's own.
	Dir string
	// StderrBytes is how much of the adapter's stderr is kept (the tail);
	// zero means 64 KiB (Start only).
	StderrBytes int
}

func (o Options) timeout() time.Duration {
	switch {
	case o.RequestTimeout == 0:
		return DefaultRequestTimeout
	case o.RequestTimeout < 0:
		return 0
	}
	return o.RequestTimeout
}

// transport is what differs between a subprocess, a TCP connection and an
// in-process adapter.
type transport interface {
	// ended describes how the adapter went away once its output ended. It may
	// wait, boundedly, for the process to exit.
	ended() string
	// shutdown stops the adapter and releases everything; graceful says that bye
	// was answered. It returns within a few seconds whatever the adapter does.
	shutdown(graceful bool) error
	// stderr is the tail of the adapter's log ("" when there is none).
	stderr() string
}

// session is the suite side of one protocol session over any transport.
type session struct {
	tr      transport
	w       io.Writer
	wmu     sync.Mutex
	timeout time.Duration
	trace   *tracer

	mu        sync.Mutex
	seq       uint64
	pending   map[string]*call
	abandoned map[string]bool
	poison    *HarnessError
	closed    bool
	closeErr  error
	ops       []Op          // from the hello answer; nil before hello
	features  []string      // from the hello answer
	done      chan struct{} // closed when the reader stops
}

type call struct {
	typ  string
	op   Op
	what string
	ch   chan reply
}

type reply struct {
	resp Response
	err  error
}

func newSession(tr transport, r io.Reader, w io.Writer, opts Options) *session {
	s := &session{
		tr:        tr,
		w:         w,
		timeout:   opts.timeout(),
		trace:     newTracer(opts.Trace),
		pending:   map[string]*call{},
		abandoned: map[string]bool{},
		done:      make(chan struct{}),
	}
	go s.read(r)
	return s
}

func (s *session) Hello(ctx context.Context, p HelloParams) (HelloResult, error) {
	if p.Protocol == 0 {
		p.Protocol = ProtocolVersion
	}
	var h HelloResult
	resp, err := s.roundTrip(ctx, TypeHello, "", p)
	if err != nil {
		return h, err
	}
	err = json.Unmarshal(resp.Result, &h)
	s.mu.Lock()
	s.ops = append([]Op{}, h.Operations...)
	s.features = append([]string{}, h.Features...)
	s.mu.Unlock()
	return h, err
}

func (s *session) NewClient(ctx context.Context, p NewClientParams) error {
	_, err := s.OpenClient(ctx, p)
	return err
}

func (s *session) OpenClient(ctx context.Context, p NewClientParams) (NewClientResult, error) {
	learnSecrets(p.Credentials)
	var res NewClientResult
	resp, err := s.roundTrip(ctx, TypeNewClient, "", p)
	if err != nil || len(resp.Result) == 0 {
		return res, err
	}
	// ValidateResponse has checked the result already.
	err = json.Unmarshal(resp.Result, &res)
	return res, err
}

// Alive sends the liveness probe: ping to an adapter that declared it, hello
// to the others (an adapter must answer a repeated hello the same way). Any
// answer, even an error response, shows the adapter is alive. No answer within
// LivenessTimeout poisons the session.
func (s *session) Alive(ctx context.Context) error {
	s.mu.Lock()
	closed, poison := s.closed, s.poison
	ping := slices.Contains(s.features, FeaturePing)
	s.mu.Unlock()
	switch {
	case poison != nil:
		return &HarnessError{Op: "liveness probe", Reason: "the target is unusable after an earlier error: " + poison.Error(), Stderr: s.stderr()}
	case closed:
		return &HarnessError{Op: "liveness probe", Reason: "the target is closed", Stderr: s.stderr()}
	}
	typ := TypeHello
	var params any = HelloParams{Protocol: ProtocolVersion}
	if ping {
		typ, params = TypePing, nil
	}
	pctx, cancel := context.WithTimeout(ctx, LivenessTimeout)
	defer cancel()
	resp, err := s.send(pctx, typ, "", params, 0)
	switch {
	case err == nil || resp.Type != "":
		return nil // answered, if only with an error response
	case IsHarness(err) || ctx.Err() != nil:
		return err
	case pctx.Err() == nil:
		return err // could not even send it
	}
	return s.fail(&HarnessError{Op: "liveness probe", Reason: fmt.Sprintf(
		"the adapter did not answer a liveness %s within %s: it is wedged (its loop reads no request or writes no answer)", typ, LivenessTimeout)})
}

func (s *session) Invoke(ctx context.Context, p InvokeParams) (Outcome, error) {
	var o Outcome
	s.mu.Lock()
	unlisted := s.ops != nil && !slices.Contains(s.ops, p.Op)
	s.mu.Unlock()
	if unlisted {
		// The adapter said in hello it cannot run this: UNSUPPORTED without asking.
		return o, &SkipError{Reason: fmt.Sprintf("the adapter does not list %s among the operations in its hello answer", p.Op)}
	}
	resp, err := s.roundTrip(ctx, TypeInvoke, p.Op, p)
	if err != nil {
		return o, err
	}
	err = json.Unmarshal(resp.Result, &o)
	return o, err
}

func (s *session) CloseClient(ctx context.Context, p CloseClientParams) error {
	_, err := s.roundTrip(ctx, TypeCloseClient, "", p)
	return err
}

func (s *session) Stderr() string { return s.stderr() }

// stderr is the adapter's log tail, redacted.
func (s *session) stderr() string { return Redact(s.tr.stderr()) }

// Close says bye, gives the adapter a moment to finish, then stops it. It never
// hangs: a hung adapter costs at most the bye deadline (ByeTimeout, or the
// request timeout when shorter) plus ExitGrace and KillWait. Calling it again returns the first
// result.
func (s *session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.closed = true
	healthy := s.poison == nil
	s.mu.Unlock()

	var byeErr error
	if healthy {
		d := ByeTimeout
		if s.timeout > 0 && s.timeout < d {
			d = s.timeout
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		_, byeErr = s.send(ctx, TypeBye, "", nil, d)
		cancel()
		if byeErr != nil && !IsHarness(byeErr) {
			byeErr = &HarnessError{Op: "bye", Reason: fmt.Sprintf("the adapter did not answer bye within %s", d), Stderr: s.stderr()}
		}
	}
	stopErr := s.tr.shutdown(healthy && byeErr == nil)
	s.mu.Lock()
	if s.poison == nil {
		s.poison = &HarnessError{Op: "close", Reason: "the target is closed"}
	}
	s.closeErr = errors.Join(byeErr, stopErr)
	s.mu.Unlock()
	return s.closeErr
}

// roundTrip sends one request and waits for its validated response. A skip
// becomes a *SkipError; an error response becomes a *HarnessError that leaves
// the session usable.
func (s *session) roundTrip(ctx context.Context, typ string, op Op, params any) (Response, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return Response{}, &HarnessError{Op: describe(typ, op), Reason: "the target is closed", Stderr: s.stderr()}
	}
	return s.send(ctx, typ, op, params, s.timeout)
}

func (s *session) send(ctx context.Context, typ string, op Op, params any, timeout time.Duration) (Response, error) {
	what := describe(typ, op)
	s.mu.Lock()
	if s.poison != nil {
		p := s.poison
		s.mu.Unlock()
		return Response{}, &HarnessError{Op: what, Reason: "the target is unusable after an earlier error: " + p.Error(), Stderr: s.stderr()}
	}
	s.seq++
	id := strconv.FormatUint(s.seq, 10)
	c := &call{typ: typ, op: op, what: what, ch: make(chan reply, 1)}
	s.pending[id] = c
	s.mu.Unlock()

	req := Request{V: ProtocolVersion, ID: id, Type: typ}
	if params != nil {
		raw, err := json.Marshal(params)
		if err != nil {
			s.forget(id, false)
			return Response{}, fmt.Errorf("%s: encoding params: %w", what, err)
		}
		req.Params = raw
	}
	line, err := json.Marshal(req)
	if err != nil {
		s.forget(id, false)
		return Response{}, fmt.Errorf("%s: encoding request: %w", what, err)
	}
	// Write in the background: an adapter that stops reading its stdin fills the
	// pipe and blocks the write, and that must cost no more than the deadline.
	go s.write(c, append(line, '\n'))

	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case r := <-c.ch:
		return r.resp, r.err
	case <-timer:
		h := s.fail(&HarnessError{Op: what, Reason: fmt.Sprintf("adapter did not answer %s within %s", what, timeout)})
		return Response{}, h
	case <-ctx.Done():
		s.forget(id, true)
		return Response{}, fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

func (s *session) write(c *call, line []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.trace.line("->", line)
	if _, err := s.w.Write(line); err != nil {
		s.fail(&HarnessError{Op: c.what, Reason: "writing to the adapter failed: " + err.Error()})
	}
}

// forget drops a pending call; abandoned says a late answer is expected and must
// be ignored rather than treated as an unknown id.
func (s *session) forget(id string, abandoned bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, id)
	if abandoned {
		s.abandoned[id] = true
	}
}

// fail poisons the session with h (the first failure wins) and fails every
// pending call. It returns the error for the caller that detected it.
func (s *session) fail(h *HarnessError) *HarnessError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.Stderr == "" {
		h.Stderr = s.stderr()
	}
	if s.poison == nil {
		s.poison = h
		s.trace.note("harness error: " + h.Error())
	}
	for id, c := range s.pending {
		e := *h
		if c.what != h.Op {
			e = HarnessError{Op: c.what, Reason: h.Reason + fmt.Sprintf(" (while %s was waiting)", c.what), Stderr: h.Stderr}
		}
		c.ch <- reply{err: &e}
		delete(s.pending, id)
	}
	return h
}

// read consumes the adapter's output until it ends or breaks the protocol.
func (s *session) read(r io.Reader) {
	defer close(s.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	for sc.Scan() {
		// Redacted before anything reads it: outcome messages, error replies and
		// skip reasons are adapter text and end up in reports.
		line := handed.Bytes(sc.Bytes())
		s.trace.line("<-", line)
		if len(protoline.TrimSpace(line)) == 0 {
			continue
		}
		if !s.dispatch(line) {
			return
		}
	}
	err := sc.Err()
	switch {
	case errors.Is(err, bufio.ErrTooLong):
		s.fail(&HarnessError{Op: s.waiting(), Reason: fmt.Sprintf(
			"the adapter wrote a line longer than %d bytes to stdout; stdout must carry only protocol lines (log to stderr)", MaxLineBytes)})
	default:
		s.mu.Lock()
		quiet := s.closed && s.poison == nil && len(s.pending) == 0
		s.mu.Unlock()
		if quiet {
			return // the adapter went away after bye, as it should
		}
		how := s.tr.ended()
		if err != nil {
			how = fmt.Sprintf("%s (reading its output: %v)", how, err)
		}
		reason := "the adapter went away: " + how
		if tail := lastLines(s.stderr(), 3); tail != "" {
			reason += "; its stderr ends with: " + tail
		}
		s.fail(&HarnessError{Op: s.waiting(), Reason: reason})
	}
}

// dispatch matches one response line to its call; false means the session is
// poisoned and reading stops.
func (s *session) dispatch(line []byte) bool {
	obj, err := decodeObject(line)
	if err != nil {
		s.fail(&HarnessError{Op: s.waiting(), Reason: fmt.Sprintf("the adapter wrote a line that is not a protocol message (%v): %s", err, protoline.Quote(line, 200))})
		return false
	}
	var id string
	if json.Unmarshal(obj["id"], &id) != nil || id == "" {
		s.fail(&HarnessError{Op: s.waiting(), Reason: fmt.Sprintf(`the adapter wrote a message without a string "id": %s`, protoline.Quote(line, 200))})
		return false
	}
	s.mu.Lock()
	c, ok := s.pending[id]
	late := s.abandoned[id]
	delete(s.abandoned, id)
	s.mu.Unlock()
	if !ok {
		if late {
			return true // the caller gave up on this one; its answer is of no use
		}
		s.fail(&HarnessError{Op: s.waiting(), Reason: fmt.Sprintf("the adapter answered id %q, which no pending request has: %s", id, protoline.Quote(line, 200))})
		return false
	}
	resp, err := ValidateResponse(c.typ, c.op, line)
	if err != nil {
		s.fail(&HarnessError{Op: c.what, Reason: fmt.Sprintf("the adapter's answer breaks the protocol: %v: %s", err, protoline.Quote(line, 200))})
		return false
	}
	s.forget(id, false)
	switch resp.Type {
	case TypeSkip:
		c.ch <- reply{resp: resp, err: &SkipError{Reason: resp.Reason}}
	case TypeError:
		c.ch <- reply{resp: resp, err: &HarnessError{Op: c.what, Reason: "the adapter reported an error: " + resp.Message, Stderr: s.stderr()}}
	default:
		c.ch <- reply{resp: resp}
	}
	return true
}

// waiting names what the suite was waiting for, for errors not tied to one call.
func (s *session) waiting() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, c := range s.pending {
		names = append(names, c.what)
	}
	switch len(names) {
	case 0:
		return "the wait between requests"
	case 1:
		return names[0]
	}
	return fmt.Sprintf("%d requests (%s, …)", len(names), names[0])
}

func describe(typ string, op Op) string {
	if op != "" {
		return typ + " " + string(op)
	}
	return typ
}

// lastLines returns the last n non-empty lines of s, joined with " | ".
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			out = append([]string{l}, out...)
		}
	}
	j := strings.Join(out, " | ")
	if len(j) > 500 {
		j = "…" + j[len(j)-500:]
	}
	return j
}

// tracer writes the --trace log.
type tracer struct {
	mu sync.Mutex
	w  io.Writer
}

func newTracer(w io.Writer) *tracer { return &tracer{w: w} }

func (t *tracer) line(dir string, line []byte) {
	if t.w == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// newClient params carry the client secret, and adapter lines may carry
	// anything: the trace shows fingerprints instead.
	fmt.Fprintf(t.w, "%s %s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), dir, Redact(strings.TrimRight(string(line), "\r\n")))
}

func (t *tracer) note(msg string) {
	if t.w == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s !! %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), Redact(msg))
}
