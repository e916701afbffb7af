package runner

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// The control socket joins the parent of a parallel run to its workers.
//
// Ginkgo's orchestrator (ginkgo/run) catches SIGINT/SIGTERM but does not pass
// them on to the workers, and it captures the workers' stdout and stderr. So
// the parent listens on a unix socket whose path it hands the workers in
// ctlEnv, and:
//   - parent → worker: each byte is one interrupt; the worker signals itself
//     so Ginkgo's own interrupt handling runs (cleanup, then reports). EOF
//     (the parent died) interrupts too, so no worker outlives its parent.
//   - worker → parent: lines; "P <text>" is a progress line for the console,
//     "T <text>" a trace line for the --trace sink.

const ctlEnv = "KNOXCONFORM_CTL"

type controlServer struct {
	ln       net.Listener
	progress func(line string)
	trace    io.Writer // nil when tracing is off

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup

	sigs        chan os.Signal
	interrupted chan struct{}
	once        sync.Once
}

// startControl listens on path and starts forwarding SIGINT/SIGTERM.
func startControl(path string, progress func(string), trace io.Writer) (*controlServer, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	s := &controlServer{ln: ln, progress: progress, trace: trace,
		sigs: make(chan os.Signal, 4), interrupted: make(chan struct{})}
	go s.accept()
	signal.Notify(s.sigs, os.Interrupt, syscall.SIGTERM)
	go s.forward()
	return s, nil
}

func (s *controlServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go s.read(c)
	}
}

func (s *controlServer) read(c net.Conn) {
	defer s.wg.Done()
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) < 2 {
			continue
		}
		switch line[0] {
		case 'P':
			// Quoted by the worker: the line's own end (" " or "\n") survives.
			if text, err := strconv.Unquote(string(line[2:])); err == nil {
				s.progress(text)
			}
		case 'T':
			if s.trace != nil {
				s.trace.Write(append(append([]byte(nil), line[2:]...), '\n'))
			}
		}
	}
}

func (s *controlServer) forward() {
	for range s.sigs {
		s.once.Do(func() { close(s.interrupted) })
		s.mu.Lock()
		for _, c := range s.conns {
			c.Write([]byte{1})
		}
		s.mu.Unlock()
	}
}

// wasInterrupted reports whether a signal arrived during the run.
func (s *controlServer) wasInterrupted() bool {
	select {
	case <-s.interrupted:
		return true
	default:
		return false
	}
}

// close stops forwarding and waits (briefly) for the workers' last lines.
func (s *controlServer) close() {
	signal.Stop(s.sigs)
	s.ln.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
}

// controlClient is a worker's end of the control socket.
type controlClient struct {
	mu sync.Mutex
	c  net.Conn
}

// dialControl connects to the parent named in ctlEnv and starts turning its
// bytes (and its disappearance) into SIGINTs to this process. It returns nil
// when there is no parent to talk to.
func dialControl() *controlClient {
	path := os.Getenv(ctlEnv)
	if path == "" {
		return nil
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		return nil
	}
	go func() {
		buf := make([]byte, 1)
		for {
			if _, err := c.Read(buf); err != nil {
				// The parent is gone (or closed the socket after the run): stop.
				interruptSelf()
				return
			}
			interruptSelf()
		}
	}()
	return &controlClient{c: c}
}

func (cc *controlClient) send(kind byte, line []byte) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.c.Write(append(append([]byte{kind, ' '}, line...), '\n'))
}

// lineSender is an io.Writer that forwards complete lines of one kind.
type lineSender struct {
	mu     sync.Mutex
	cc     *controlClient
	kind   byte
	prefix string // tells the workers' lines apart
	buf    []byte
}

func (l *lineSender) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.cc.send(l.kind, append([]byte(l.prefix), l.buf[:i]...))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// Flush sends a trailing partial line.
func (l *lineSender) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.cc.send(l.kind, append([]byte(l.prefix), l.buf...))
		l.buf = nil
	}
}
