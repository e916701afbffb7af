package conformance

import (
	"github.com/knoxconform/knoxconform/knoxerr"
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
