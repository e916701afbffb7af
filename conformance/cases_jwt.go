package conformance

import (
	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// jwtCases: BEHAVIOURS.md §2, the signed JWTs.
func jwtCases() []*caseDef {
	return []*caseDef{
		newCase("jwt/fresh-jti", knoxerr.MUST, "a unique jti in every JWT",
			"Every signed JWT in the whole run MUST carry a jti never used before.", sourceJWT, knoxerr.APIKeyNonUniqueJWTID).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.srv.ExpireTokens()
			r.invoke(target.OpListDevices, firstPage)
			r.srv.ExpireTokens()
			r.invoke(target.OpListDevices, firstPage)
			r.must(r.ev(), HaveUniqueJTIs())
		}),

		newCase("jwt/resigned-fresh", knoxerr.MUST, "a re-signed JWT is signed anew: iat of signing, exp moved forward",
			"After 4002250 the new JWT MUST have a new jti AND an iat that is the time of signing (not copied from the rejected JWT) and an exp that moved forward.",
			sourceJWT, knoxerr.APIKeyNonUniqueJWTID).
			needs(target.OpAccessToken).scenario(func(r *caseRun) {
			// The rejection is held back 1.2 s, so that a JWT signed after it
			// cannot share the rejected JWT's iat second.
			r.script(knoxtest.RouteAccessToken, knoxtest.Step{Code: knoxerr.APIKeyNonUniqueJWTID, DelayMs: 1200})
			r.invoke(target.OpAccessToken, nil)
			ev := r.ev()
			r.must(ev, HaveResignedWithFreshJTI())
			r.must(ev, HaveResignedFresh())
		}),

		newCase("jwt/unique-jti-run", knoxerr.MUST, "no jti repeats anywhere in the run",
			"Every JWT the client signs MUST carry a jti that no other JWT of the run carries: across every client, case and worker process (a per-client counter or a jti seeded from process start repeats).",
			sourceJWT, knoxerr.APIKeyNonUniqueJWTID).
			needs(target.OpAccessToken).wholeRun().scenario(func(r *caseRun) {
			// Two clients of its own, so that a per-client numbering shows even
			// when this case runs alone; the rest of the run is in the run log.
			r.invoke(target.OpAccessToken, nil)
			r.freshClient()
			r.invoke(target.OpAccessToken, nil)
			earlier, err := r.s.runLog.load()
			if err != nil {
				r.harness(err)
			}
			// A JWT sent after the client returned repeats a jti or not
			// whether or not the suite waits for it: no grace window.
			r.must(r.evNow(), HaveUniqueJTIsAcrossRun(earlier, r.def.ID))
		}),

		newCase("jwt/form", knoxerr.MUST, "well-formed RS512 JWTs",
			"Every JWT MUST be RS512 with aud KnoxWSM, a publicKey claim equal to the key sent, a valid signature and exp in the future.",
			sourceJWT, knoxerr.AccessTokenBadRequest).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.invoke(target.OpListDevices, firstPage)
			r.invoke(target.OpListDevices, firstPage)
			r.must(r.ev(), HaveSentValidJWTs())
		}),
	}
}
