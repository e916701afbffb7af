package a // want package:"hasKnoxFuncs"

// Package a is the top of the chain: it only sees b, and drops b's errors.

import (
	"context"
	"errors"
	"fmt"
	"log"

	"b"
	"c"
)

// Sync is a Knox function at depth 2: a → b → c.
func Sync(ctx context.Context, cl *c.Client) error { // want Sync:"returnsKnoxError"
	if err := b.Login(ctx, cl); err != nil {
		return err
	}
	return nil
}

func bare(ctx context.Context, cl *c.Client) {
	b.Login(ctx, cl) // want `Knox error returned by b.Login is dropped; check it or return it \(KNX201\)`
	cl.Token(ctx)    // want `Knox error returned by \(\*c.Client\).Token is dropped`
	c.Parse(401)     // want `KNX201`
	cl.Devices(ctx)  // want `\(\*c.Client\).Devices is dropped`
	b.Config()       // not a Knox error: errcheck's business
	c.Ping()         // not a Knox host
	c.PingVia(nil)   // want `c.PingVia is dropped`
	//knoxvet:ignore KNX201 the token is fetched only to warm the cache
	cl.Token(ctx)
	func() {
		b.Refresh() // want `KNX201`
	}()
}

func blank(ctx context.Context, cl *c.Client) string {
	_ = b.Login(ctx, cl)    // want `assigned to _; check it or return it \(KNX202\)`
	tok, _ := cl.Token(ctx) // want `KNX202`
	var _ = c.Fetch()       // want `KNX202`
	_ = b.Config()          // not Knox
	_, _ = fmt.Println(tok)
	return tok
}

func goDefer(ctx context.Context, cl *c.Client) {
	go b.Login(ctx, cl) // want `lost in a go statement; .* \(KNX203\)`
	defer c.Fetch()     // want `lost in a defer statement; .* \(KNX203\)`
	defer b.Config()    // not Knox
	go func() {
		if err := b.Login(ctx, cl); err != nil {
			log.Print(err)
		}
	}()
}

func neverRead(ctx context.Context, cl *c.Client) error { // want neverRead:"returnsKnoxError"
	err := b.Login(ctx, cl) // want `assigned to err, which is never read afterwards; .* \(KNX204\)`
	err = c.Fetch()
	if err != nil {
		return err
	}
	tok, err := cl.Token(ctx) // want `KNX204`
	log.Print(tok)
	return nil
}

func checked(ctx context.Context, cl *c.Client) (err error) { // want checked:"returnsKnoxError"
	err = b.Login(ctx, cl) // read in the loop condition below
	for i := 0; err != nil && i < 3; i++ {
		err = b.Login(ctx, cl) // read again by the condition
	}
	e2 := c.Fetch() // returned
	if e2 != nil {
		return e2
	}
	e3 := c.Check(true)
	var ke *struct{ error }
	if errors.As(e3, &ke) {
		return nil
	}
	err = c.Fetch() // a named result, returned by the bare return
	return
}

func captured(ctx context.Context, cl *c.Client) {
	var err error
	defer func() { log.Print(err) }()
	err = b.Login(ctx, cl) // the deferred closure reads it
}

func nonKnox() {
	err := b.Config() // never read, but not a Knox error
	err = nil
	_ = err
}

//knoxvet:ignore KNX202 nothing on the next line is dropped // want `unused knoxvet:ignore directive for KNX202`
func tidy() {}

var lastErr error

type holder struct{ err error }

type fetcher interface{ Fetch() error }

func moreSilent(ctx context.Context, cl *c.Client, h *holder, f fetcher) error { // want moreSilent:"returnsKnoxError"
	if err := c.Fetch(); err != nil { // checked in the condition
		return err
	}
	lastErr = c.Fetch()  // a package variable: read elsewhere
	h.err = c.Fetch()    // a field: read elsewhere
	log.Print(c.Fetch()) // passed on
	f.Fetch()            // an interface call: nothing known about it
	var err error
	for {
		err = c.Fetch() // read by the condition below on every iteration
		if err == nil {
			break
		}
	}
	switch err := b.Login(ctx, cl); {
	case err != nil:
		return err
	}
	return nil
}

func genericDrop[T any](v T, cl *c.Client) T {
	cl.Token(context.Background()) // want `KNX201`
	return v
}

// KNX205: checked, then swallowed.
func swallowed(ctx context.Context, cl *c.Client) error {
	if err := b.Login(ctx, cl); err != nil { // want `checked and then swallowed: .* \(KNX205\)`
		return nil
	}
	return nil
}

func swallowedTwo(ctx context.Context, cl *c.Client) (string, error) {
	tok, err := cl.Token(ctx)
	if err != nil { // want `KNX205`
		fmt.Println("token failed")
		return "", nil
	}
	return tok, nil
}

// Looked at, wrapped or passed on: silent.
func notSwallowed(ctx context.Context, cl *c.Client) error { // want notSwallowed:"returnsKnoxError"
	if err := b.Login(ctx, cl); err != nil {
		log.Print(err)
		return nil
	}
	if err := b.Login(ctx, cl); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	return nil
}

// A non-Knox error swallowed is errcheck's business.
func notKnoxSwallowed() error {
	if err := b.Config(); err != nil {
		return nil
	}
	return nil
}
