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
//
// # Adding a case
//
// Cases of one area live in cases_<area>.go. A case is newCase(ID, level,
// title, requirement sentence, source, codes...) with the operations it needs
// (needs), server options (with), client config tweaks (tune) and a scenario:
//
//	newCase("http/501/no-retry", knoxerr.MUST, "no retry after 501", behaviour(knoxerr.HTTPNotImplemented), src, knoxerr.HTTPNotImplemented).
//		needs(target.OpListDevices).scenario(func(r *caseRun) {
//			r.script(knoxtest.RouteListDevices, once(knoxerr.HTTPNotImplemented))
//			r.invoke(target.OpListDevices, firstPage)
//			ev := r.ev()
//			r.must(ev, HaveMadeNoSecondRequest(knoxtest.RouteListDevices, "501"))
//		})
//
// Prefer producing a code the way Knox does (r.mistake, ExpireTokens,
// RevokeTokens, a real limit) over scripting it. Lower timing bounds are MUST
// with a little slack; upper bounds are SHOULD and generous. Never sleep in a
// scenario: the grace window is the only fixed wait. The catalogue tests fail
// when a knoxerr code has no case.
package conformance
