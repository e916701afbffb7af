package conformance

import (
	"net/http"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	"github.com/knoxconform/knoxconform/target"
)

// bodyShapeCases: BEHAVIOURS.md §2, every error-body shape Knox uses.
func bodyShapeCases() []*caseDef {
	list := knoxtest.RouteListDevices
	src := sourceBehaviours + "; " + knoxerr.TroubleshootingURL
	shape := func(name string, sh knoxerr.Shape) *caseDef {
		c := knoxerr.ResourceInvalidParam
		return newCase("body-shape/"+name, knoxerr.MUST, "the code read from a "+name+" error body",
			"SHOULD surface the Knox code from every error-body shape Knox uses (here "+string(sh)+"); MUST NOT retry a 400.",
			src, c).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Code: c, Shape: sh})
			r.invoke(target.OpListDevices, firstPage)
			r.judgeNoRetry(list, c, knoxerr.SHOULD)
		})
	}
	statusOnly := func(name string, sh knoxerr.Shape) *caseDef {
		return newCase("body-shape/"+name, knoxerr.MUST, "the HTTP status from an "+name+" error body",
			"SHOULD surface the HTTP status when the body carries no code ("+name+"); MUST NOT retry a 400.",
			src, knoxerr.HTTPBadRequest).
			needs(target.OpListDevices).scenario(func(r *caseRun) {
			r.script(list, knoxtest.Step{Status: http.StatusBadRequest, Shape: sh})
			r.invoke(target.OpListDevices, firstPage)
			ev := r.ev()
			r.must(ev, HaveMadeNoSecondRequest(list, "400 with an "+name+" body"))
			r.must(ev, HaveFailed())
			r.should(ev, HaveSurfacedStatus(http.StatusBadRequest))
		})
	}
	return []*caseDef{
		shape("classic", knoxerr.ShapeClassic),
		shape("array", knoxerr.ShapeArray),
		shape("result", knoxerr.ShapeResult),
		newCase("body-shape/oauth", knoxerr.MUST, "the code read from an OAuth error body",
			"SHOULD surface the code from an OAuth body {error, error_description}; MUST NOT retry a 400.",
			src, knoxerr.AUT1702).
			needs(target.OpExchangeCode).scenario(func(r *caseRun) {
			r.script(knoxtest.RouteSAToken, knoxtest.Step{Code: knoxerr.AUT1702, Shape: knoxerr.ShapeOAuth})
			r.invoke(target.OpExchangeCode, target.ExchangeCodeParams{Code: r.authCode()})
			r.judgeNoRetry(knoxtest.RouteSAToken, knoxerr.AUT1702, knoxerr.SHOULD)
		}),
		statusOnly("html", knoxerr.ShapeOpaque),
		statusOnly("empty", knoxerr.ShapeEmpty),
	}
}
