// Package conformance is the Knox client conformance suite: one case per
// behaviour of BEHAVIOURS.md, built from the knoxerr catalogue so that no
// documented code exists without a case, run as a Ginkgo table against any
// adapter (subprocess, TCP or in-process).
//
// Each case starts its own simulated Knox Cloud (knoxtest) on loopback, binds a
// fresh client of the target to it, runs one scenario (scripted faults or
// naturally produced errors), waits a short grace window for background
// retries, then judges the server's journal and the outcome the client reported
// with matchers named after the requirement. MUST checks fail the spec; SHOULD
// checks are recorded and fail it only under Strict; INFO never fails.
//
// The package registers specs only when Register is called: importing it adds
// nothing to a Ginkgo suite, and it never calls RunSpecs or writes to stdout.
package conformance
