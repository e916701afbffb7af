// Package protocol is the adapter protocol (v1) between knoxconform and the Knox
// client under test, seen from the adapter: the message types, the operations
// with their parameters and values, and Serve (with ServeStdio, ServeTCP and
// Main) for adapters written in Go — implement Adapter, call Main.
//
// It links nothing but the standard library and package knoxerr, so an
// adapter built on it starts in a few milliseconds: a parallel run starts one
// adapter per worker, 32 of them at once on a 2-core machine. Package target
// is the suite's side (starting adapters, sessions, the JSON Schemas as the
// validator) and offers the same names; its Serve also validates every request
// against the schemas before the adapter sees it, which costs each adapter
// process the schema library and its compilation. This package decodes
// requests strictly instead (unknown types, operations and fields are answered
// "error"); the suite validates every answer against the schemas either way.
//
// The protocol itself is specified in docs/protocol.md.
package protocol
