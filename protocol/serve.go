package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"

	"github.com/knoxconform/knoxconform/internal/protoline"
)

// Serve speaks protocol v1 for a on the adapter side: it reads requests as JSON
// lines from in, hands them to a and writes one response line per request to out.
//
// hello, newClient and closeClient are handled one at a time in arrival order, so
// a newClient has finished before a later invoke starts. ping is answered by the
// loop that reads requests, at once, whatever else is running; Serve adds the
// "ping" feature to the hello answer. An Adapter that also implements
// ClientOpener is asked OpenClient instead of NewClient, and what it declares
// goes into newClient's ok answer. Each invoke runs in its
// own goroutine, so several may be in flight; their responses are written as they
// finish, one whole line at a time. An adapter method that returns a *SkipError
// is answered "skip"; any other error, or a panic, is answered "error".
//
// Serve returns nil after bye or end of input, once in-flight invokes have
// finished; it returns an error when the suite sends a line that is not a request
// envelope at all, when writing fails, or when ctx ends.
func Serve(ctx context.Context, a Adapter, in io.Reader, out io.Writer) error {
	return Checks{}.Serve(ctx, a, in, out)
}

// Checks are what a Serve verifies beyond decoding each request strictly; the
// zero value adds nothing. Package target's Serve checks every request and
// every outcome against the protocol's JSON Schemas.
type Checks struct {
	// Request, when set, validates a request line before it is decoded; an
	// error is answered "error" with "bad request: " and the message.
	Request func(line []byte) error
	// Outcome, when set, validates the outcome the adapter built for op
	// before it is sent; an error is answered "error".
	Outcome func(op Op, o Outcome) error
}

// Serve is the package-level Serve with these checks.
func (c Checks) Serve(ctx context.Context, a Adapter, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &server{a: a, out: out, checks: c}

	lines := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
		for sc.Scan() {
			line := append([]byte(nil), sc.Bytes()...)
			// A ping is answered here, by the reading loop itself, so the
			// answer comes at once even while a newClient or invokes run.
			if s.ping(line) {
				continue
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
		err := sc.Err()
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("the suite sent a line longer than %d bytes", MaxLineBytes)
		}
		readErr <- err
	}()

	for {
		select {
		case <-ctx.Done():
			s.inflight.Wait()
			return ctx.Err()
		case err := <-readErr:
			s.inflight.Wait()
			if err != nil {
				return fmt.Errorf("reading requests: %w", err)
			}
			return s.writeErr()
		case line := <-lines:
			if len(protoline.TrimSpace(line)) == 0 {
				continue
			}
			done, err := s.handle(ctx, line)
			if err != nil {
				s.inflight.Wait()
				return err
			}
			if done {
				return s.writeErr()
			}
		}
	}
}

type server struct {
	a        Adapter
	out      io.Writer
	checks   Checks
	inflight sync.WaitGroup

	mu   sync.Mutex // serialises writes to out
	werr error
}

// ping answers line when it is a ping request and reports whether it was.
func (s *server) ping(line []byte) bool {
	var env struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if json.Unmarshal(line, &env) != nil || env.Type != TypePing || env.ID == "" {
		return false
	}
	if _, err := s.check(line); err != nil {
		s.write(Response{ID: env.ID, Type: TypeError, Message: "bad request: " + err.Error()})
		return true
	}
	s.write(Response{ID: env.ID, Type: TypeOK})
	return true
}

// handle answers one request line; done is true after bye.
func (s *server) handle(ctx context.Context, line []byte) (done bool, err error) {
	var env struct {
		V    int    `json:"v"`
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(line, &env); err != nil || env.ID == "" {
		return false, fmt.Errorf("the suite sent a line that is not a request envelope {v, id, type}: %s", protoline.Quote(line, 200))
	}
	req, verr := s.check(line)
	if verr != nil {
		s.write(Response{ID: env.ID, Type: TypeError, Message: "bad request: " + verr.Error()})
		return false, s.writeErr()
	}
	switch req.Type {
	case TypeHello:
		var p HelloParams
		_ = json.Unmarshal(req.Params, &p)
		var res HelloResult
		err := protect(func() (err error) { res, err = s.a.Hello(ctx, p); return err })
		if res.Protocol == 0 {
			res.Protocol = ProtocolVersion
		}
		if res.Operations == nil {
			res.Operations = []Op{}
		}
		if err == nil && !slices.Contains(res.Features, FeaturePing) {
			res.Features = append(slices.Clip(res.Features), FeaturePing) // Serve answers ping itself
		}
		s.answer(req.ID, TypeHello, res, err)
	case TypeNewClient:
		var p NewClientParams
		_ = json.Unmarshal(req.Params, &p)
		if o, ok := s.a.(ClientOpener); ok {
			var res NewClientResult
			err := protect(func() (err error) { res, err = o.OpenClient(ctx, p); return err })
			var result any
			if res != (NewClientResult{}) {
				result = res
			}
			s.answer(req.ID, TypeOK, result, err)
			break
		}
		err := protect(func() error { return s.a.NewClient(ctx, p) })
		s.answer(req.ID, TypeOK, nil, err)
	case TypeCloseClient:
		var p CloseClientParams
		_ = json.Unmarshal(req.Params, &p)
		err := protect(func() error { return s.a.CloseClient(ctx, p) })
		s.answer(req.ID, TypeOK, nil, err)
	case TypeInvoke:
		var p InvokeParams
		_ = json.Unmarshal(req.Params, &p)
		s.inflight.Add(1)
		go func() {
			defer s.inflight.Done()
			var o Outcome
			err := protect(func() (err error) { o, err = s.a.Invoke(ctx, p); return err })
			if err == nil && s.checks.Outcome != nil {
				if cerr := s.checks.Outcome(p.Op, o); cerr != nil {
					err = fmt.Errorf("the adapter built an invalid outcome: %v", cerr)
				}
			}
			s.answer(req.ID, TypeResult, o, err)
		}()
	case TypeBye:
		s.inflight.Wait()
		s.answer(req.ID, TypeOK, nil, nil)
		return true, nil
	}
	return false, s.writeErr()
}

// answer writes the response to request id: typ with result on success, skip or
// error otherwise.
func (s *server) answer(id, typ string, result any, err error) {
	var sk *SkipError
	switch {
	case errors.As(err, &sk):
		s.write(Response{ID: id, Type: TypeSkip, Reason: nonEmpty(sk.Reason, "skipped")})
	case err != nil:
		s.write(Response{ID: id, Type: TypeError, Message: nonEmpty(err.Error(), "error")})
	case result == nil:
		s.write(Response{ID: id, Type: typ})
	default:
		raw, merr := json.Marshal(result)
		if merr != nil {
			s.write(Response{ID: id, Type: TypeError, Message: "encoding the result: " + merr.Error()})
			return
		}
		s.write(Response{ID: id, Type: typ, Result: raw})
	}
}

func (s *server) write(r Response) {
	r.V = ProtocolVersion
	raw, err := json.Marshal(r)
	if err != nil {
		raw, _ = json.Marshal(Response{V: ProtocolVersion, ID: r.ID, Type: TypeError, Message: "encoding the response: " + err.Error()})
	}
	raw = append(raw, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.werr != nil {
		return
	}
	if _, err := s.out.Write(raw); err != nil {
		s.werr = fmt.Errorf("writing a response: %w", err)
	}
}

func (s *server) writeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.werr
}

// protect turns a panic in an adapter method into an error, so one bad case is
// answered "error" instead of taking the whole adapter down.
func protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("adapter panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return f()
}

// ServeStdio runs Serve on stdin/stdout, for an adapter's main package. stdout
// carries protocol lines only, so everything else must go to stderr (the log
// package is pointed there). It exits with status 2 on a protocol failure and
// returns normally after bye or end of input; SIGINT/SIGTERM end it too.
func ServeStdio(a Adapter) { Checks{}.ServeStdio(a) }

// ServeStdio is the package-level ServeStdio with these checks.
func (c Checks) ServeStdio(a Adapter) {
	log.SetOutput(os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.Serve(ctx, a, os.Stdin, os.Stdout); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "adapter: %v\n", err)
		os.Exit(2)
	}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// check runs the Request check, when there is one, and decodes line strictly.
func (s *server) check(line []byte) (Request, error) {
	if s.checks.Request != nil {
		if err := s.checks.Request(line); err != nil {
			return Request{}, err
		}
	}
	return decodeRequest(line)
}

// RequestTypes lists the request types of protocol v1, in session order
// (requestParams knows the params of each).
func RequestTypes() []string {
	return []string{TypeHello, TypeNewClient, TypeInvoke, TypeCloseClient, TypeBye, TypePing}
}

// requestParams maps each request type to its params type.
func requestParams(typ string) (any, bool) {
	switch typ {
	case TypeHello:
		return &HelloParams{}, true
	case TypeNewClient:
		return &NewClientParams{}, true
	case TypeInvoke:
		return &InvokeParams{}, true
	case TypeCloseClient:
		return &CloseClientParams{}, true
	case TypeBye, TypePing:
		return &struct{}{}, true
	}
	return nil, false
}

// decodeRequest decodes a request line strictly: its version must be this
// one, its type known, and neither the envelope nor its params (nor an
// invoke's operation params) may carry a field this version does not define.
func decodeRequest(line []byte) (Request, error) {
	var req Request
	if err := strictJSON(line, &req); err != nil {
		return req, err
	}
	if req.V != ProtocolVersion {
		return req, fmt.Errorf(`field "v" is %d, this adapter speaks protocol %d`, req.V, ProtocolVersion)
	}
	params, ok := requestParams(req.Type)
	if !ok {
		return req, fmt.Errorf(`field "type" is %q, want one of %q`, req.Type, RequestTypes())
	}
	if len(req.Params) > 0 && string(req.Params) != "null" {
		if err := strictJSON(req.Params, params); err != nil {
			return req, fmt.Errorf("params of %s: %v", req.Type, err)
		}
	}
	switch p := params.(type) {
	case *HelloParams:
		if p.Protocol != ProtocolVersion {
			return req, fmt.Errorf(`field "protocol" is %d, this adapter speaks protocol %d`, p.Protocol, ProtocolVersion)
		}
	case *InvokeParams:
		if !slices.Contains(Ops(), p.Op) {
			return req, fmt.Errorf(`field "op" is %q, not an operation of protocol %d`, p.Op, ProtocolVersion)
		}
		if op := OpParams(p.Op); op != nil && len(p.Params) > 0 && string(p.Params) != "null" {
			if err := strictJSON(p.Params, op); err != nil {
				return req, fmt.Errorf("params of %s: %v", p.Op, err)
			}
		}
	}
	return req, nil
}

// strictJSON decodes one JSON value into v, refusing unknown fields and
// trailing data.
func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
