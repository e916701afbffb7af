package conformance

import (
	"strings"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// samsungAccountCases: BEHAVIOURS.md §1.3, one case per AUT code of the
// catalogue (produced for real where a configuration mistake causes it), plus
// the single-use rule of authorization codes.
func samsungAccountCases() []*caseDef {
	src := knoxerr.TroubleshootingURL
	var out []*caseDef
	for _, e := range knoxerr.Catalogue() {
		if e.Family != knoxerr.FamilySAToken {
			continue
		}
		out = append(out, naturalNoRetry("sa/"+string(e.Code)+"/no-retry", e.Code, src, " ("+strings.TrimSuffix(e.Meaning, ".")+".)"))
	}
	out = append(out, newCase("sa/AUT_1802/no-resend-code", knoxerr.MUST, "a used authorization code is never sent again after AUT_1802",
		"An authorization code is single-use and short-lived: a client MUST NOT resend the same code after AUT_1802.", src, knoxerr.AUT1802).
		needs(target.OpExchangeCode).scenario(func(r *caseRun) {
		// A code that was already exchanged once: the server answers AUT_1802
		// for real. (Mistakes lists the never-issued code first and the used
		// one last; without it, the reply is scripted.)
		var used *knoxtest.Mistake
		for _, m := range r.srv.Mistakes() {
			if m.Code == knoxerr.AUT1802 {
				used = &m
			}
		}
		code := r.authCode()
		if used != nil {
			r.useCredentials(used.Credentials)
			code = used.AuthCode
		} else {
			r.script(knoxtest.RouteSAToken, always(knoxerr.AUT1802))
		}
		r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: code})
		ev := r.ev()
		r.must(ev, NeverResentAuthCode(1))
		r.must(ev, HaveFailed())
		r.should(ev, HaveSurfacedCode(knoxerr.AUT1802))
	}))
	return out
}
