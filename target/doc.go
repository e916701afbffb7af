// Package target is the adapter protocol (v1) between knoxconform and the Knox
// client under test, both sides of it.
//
// The suite side starts an adapter command (Start), connects to one listening on
// TCP (Dial) or drives a Go Adapter in-process (InProcess); each gives a Target
// whose methods send one request and wait, boundedly, for its validated answer.
// Anything the adapter gets wrong — a crash, a hang, a line that is not the
// protocol — is a *HarnessError (the case is ERROR, never FAIL) and poisons the
// Target so later calls fail fast. A skip is a *SkipError (UNSUPPORTED).
//
// The adapter side is package protocol (Serve, ServeStdio, ServeTCP, Main for
// adapters written in Go: implement Adapter, call Main), whose names this
// package offers again; its Serve and Main also check every request and every
// outcome against the JSON Schemas.
//
// The protocol itself is specified in docs/protocol.md; the JSON Schemas of its
// messages are embedded (Schema). This package judges nothing about the client:
// it only carries requests and outcomes.
package target
