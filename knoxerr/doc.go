// Package knoxerr is the catalogue of documented Samsung Knox error codes: every
// code of the four tables on Knox's troubleshooting page (standard HTTP codes,
// Knox Cloud authentication codes, Samsung Account token codes AUT_xxxx and
// authorizeToken codes LIC_xxxx), with what each means and what a correct client
// does about it; a Code type and constants to use instead of magic numbers; an
// Error type; and Parse, which reads every error-body shape Knox uses.
//
// It is the single source the simulated server, the conformance cases, the
// reference client and the knoxvet linter share. It imports nothing of this
// project and must stay free of I/O beyond decoding a response it is handed.
package knoxerr
