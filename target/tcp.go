package target

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// Dial connects to an adapter listening on addr (host:port, e.g. from the
// adapter's -listen flag) and speaks the same protocol over the TCP connection,
// so the adapter can run under a debugger. There is no stderr: the adapter's log
// stays on its own terminal. ctx bounds the dial only.
func Dial(ctx context.Context, addr string, opts Options) (Target, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &HarnessError{Op: "dial", Reason: fmt.Sprintf("cannot connect to the adapter at %s: %v (is it running with -listen %s?)", addr, err, addr)}
	}
	return newSession(&tcpTransport{conn: conn}, conn, conn, opts), nil
}

type tcpTransport struct {
	conn net.Conn
	once sync.Once
}

func (t *tcpTransport) ended() string { return "it closed the connection" }

func (t *tcpTransport) shutdown(graceful bool) error {
	t.once.Do(func() { t.conn.Close() })
	return nil
}

func (t *tcpTransport) stderr() string { return "" }
