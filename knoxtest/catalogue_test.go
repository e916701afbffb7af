package knoxtest_test

import (
	"strconv"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// routeFor is where a code of each family is naturally met.
func routeFor(e knoxerr.Entry) knoxtest.Route {
	switch e.Family {
	case knoxerr.FamilySAToken:
		return knoxtest.RouteSAToken
	case knoxerr.FamilySAAuthorize:
		return knoxtest.RouteSAAuthorize
	case knoxerr.FamilyKnoxCloud:
		return knoxtest.RouteAccessToken
	}
	return knoxtest.RouteListDevices
}

var _ = Describe("every catalogue code by injection", func() {
	entries := knoxerr.Catalogue()
	It("covers the 38 documented codes", func() {
		Expect(entries).To(HaveLen(38))
	})
	for _, e := range entries {
		It("answers "+string(e.Code)+" with HTTP "+strconv.Itoa(e.HTTPStatus)+", parseable by knoxerr and journaled canonically", func() {
			srv := knoxtest.NewServer()
			DeferCleanup(srv.Close)
			route := routeFor(e)
			srv.Script(route, knoxtest.Step{Code: e.Code})
			var r response
			switch route {
			case knoxtest.RouteSAToken:
				r = postForm(srv, saTokenPath, saForm(srv.Credentials(), srv.IssueAuthCode(srv.Credentials().SAClientID)))
			case knoxtest.RouteSAAuthorize:
				r = authorize(srv, srv.Credentials().SAAppID, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			case knoxtest.RouteAccessToken:
				k := loadKeys(srv)
				r = postAccessToken(srv, accessTokenBody(signCI(k, srv.Credentials().ClientIdentifier), k.PublicB64(), 30))
			default:
				r = listDevices(srv, "x.y.z", 0)
			}
			Expect(r.Status).To(Equal(e.HTTPStatus))
			Expect(r.Err).NotTo(BeNil())
			Expect(r.Err.Code).To(Equal(e.Code))
			ex := lastExchange(srv)
			Expect(ex.Code).To(Equal(e.Code))
			Expect(ex.Injected).To(BeTrue())
			Expect(ex.Status).To(Equal(e.HTTPStatus))
		})
	}
})
