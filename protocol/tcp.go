package protocol

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// ServeListener accepts suite connections on ln and runs one Serve per
// connection, until ctx ends. Each connection is a separate session.
func ServeListener(ctx context.Context, a Adapter, ln net.Listener) error {
	return Checks{}.ServeListener(ctx, a, ln)
}

// ServeListener is the package-level ServeListener with these checks.
func (c Checks) ServeListener(ctx context.Context, a Adapter, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("accepting suite connections on %s: %w", ln.Addr(), err)
		}
		wg.Go(func() {
			defer conn.Close()
			stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
			defer stop()
			if err := c.Serve(ctx, a, conn, conn); err != nil && ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "adapter: session from %s: %v\n", conn.RemoteAddr(), err)
			}
		})
	}
}

// ServeTCP listens on addr (e.g. "127.0.0.1:7700"; port 0 picks one) and serves
// suite connections until ctx ends. It prints "listening on HOST:PORT" to stderr
// so the developer knows what to pass to --target-addr.
func ServeTCP(ctx context.Context, a Adapter, addr string) error {
	return Checks{}.ServeTCP(ctx, a, addr)
}

// ServeTCP is the package-level ServeTCP with these checks.
func (c Checks) ServeTCP(ctx context.Context, a Adapter, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("adapter: cannot listen on %s: %w", addr, err)
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", ln.Addr())
	return c.ServeListener(ctx, a, ln)
}

// Main is a complete adapter main: with no flags it serves stdio (ServeStdio);
// with -listen HOST:PORT it serves TCP instead, for running under a debugger
// while the suite connects with --target-addr HOST:PORT.
func Main(a Adapter) { Checks{}.Main(a) }

// Main is the package-level Main with these checks.
func (c Checks) Main(a Adapter) {
	fs := flag.NewFlagSet(os.Args[0], flag.ExitOnError)
	listen := fs.String("listen", "", "serve the adapter protocol on this TCP address (host:port) instead of stdin/stdout")
	_ = fs.Parse(os.Args[1:])
	if *listen == "" {
		c.ServeStdio(a)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.ServeTCP(ctx, a, *listen); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
