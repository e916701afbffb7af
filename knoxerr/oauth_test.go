package knoxerr_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxerr"
)

var _ = Describe("the OAuth 2.0 family", func() {
	It("is its own family, outside the documented codes knoxvet looks for", func() {
		for _, e := range knoxerr.OAuthCatalogue() {
			Expect(e.Family).To(Equal(knoxerr.FamilyOAuth))
			Expect(e.Code.Documented()).To(BeFalse(), "%s must not be a documented Knox code", e.Code)
			_, byName := knoxerr.LookupName(string(e.Code))
			Expect(byName).To(BeFalse())
			Expect(e.Code.IsOAuth()).To(BeTrue())
		}
		Expect(knoxerr.OAuthCatalogue()).To(HaveLen(8))
	})

	DescribeTable("a parsed OAuth body is classed and kinded by its error",
		func(status int, body string, code knoxerr.Code, kind knoxerr.Kind) {
			e := knoxerr.Parse(status, nil, []byte(body))
			Expect(e.Code).To(Equal(code))
			Expect(e.Kind()).To(Equal(kind))
		},
		Entry("invalid_client", 401, `{"error":"invalid_client","error_description":"x"}`, knoxerr.OAuthInvalidClient, knoxerr.KindAuth),
		Entry("invalid_grant", 400, `{"error":"invalid_grant"}`, knoxerr.OAuthInvalidGrant, knoxerr.KindValidation),
		Entry("upper-case spelling", 400, `{"error":"INVALID_SCOPE"}`, knoxerr.OAuthInvalidScope, knoxerr.KindValidation),
		Entry("insufficient_scope", 403, `{"error":"insufficient_scope"}`, knoxerr.OAuthInsufficientScope, knoxerr.KindForbidden),
		Entry("invalid_token", 401, `{"error":"invalid_token"}`, knoxerr.OAuthInvalidToken, knoxerr.KindAuth),
	)

	It("says invalid_grant must not be resent", func() {
		e, ok := knoxerr.LookupOAuth("invalid_grant")
		Expect(ok).To(BeTrue())
		Expect(e.Retry()).To(Equal(knoxerr.RetryNever))
		Expect(e.Behaviour).To(ContainSubstring("MUST NOT resend"))
	})
})

var _ = Describe("result/error and bulk bodies", func() {
	It("reads a SUCCESS and a FAIL result", func() {
		r, err := knoxerr.ParseResult(200, []byte(`{"result":"SUCCESS","objectId":"o1","requestedId":"r1"}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.OK()).To(BeTrue())
		Expect(r.ObjectID).To(Equal("o1"))

		r, err = knoxerr.ParseResult(http.StatusBadRequest, []byte(`{"result":"FAIL","error":{"code":"4000000","message":"RESOURCE_INVALID_PARAM","reason":"x"}}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.OK()).To(BeFalse())
		Expect(r.Err.Code).To(Equal(knoxerr.ResourceInvalidParam))
		Expect(r.Err.Shape).To(Equal(knoxerr.ShapeResult))
	})

	DescribeTable("refuses what is not a result body",
		func(body, msg string) {
			_, err := knoxerr.ParseResult(200, []byte(body))
			Expect(err).To(MatchError(ContainSubstring(msg)))
		},
		Entry("empty", ``, "empty"),
		Entry("HTML", `<html>ok</html>`, "not a JSON object"),
		Entry("truncated", `{"result":"SUCC`, "not valid JSON"),
		Entry("no result", `{"objectId":"o"}`, `no "result"`),
		Entry("odd result", `{"result":"MAYBE"}`, `"MAYBE"`),
		Entry("FAIL without error", `{"result":"FAIL"}`, "not an object"),
	)

	It("reads a bulk answer with per-device failures", func() {
		b, err := knoxerr.ParseBulk(200, []byte(`{"count":3,"success":2,"fail":1,"resultList":[
			{"result":"SUCCESS","requestedId":"a"},{"result":"SUCCESS","requestedId":"b"},
			{"result":"FAIL","requestedId":"c","error":{"code":"4040000","message":"RESOURCE_NOT_FOUND","reason":"no such device"}}]}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(b.Success).To(Equal(2))
		Expect(b.Failed()).To(HaveLen(1))
		Expect(b.Failed()[0].RequestedID).To(Equal("c"))
		Expect(b.Failed()[0].Err.Code).To(Equal(knoxerr.ResourceNotFound))
	})

	It("reports counts that disagree with the list", func() {
		_, err := knoxerr.ParseBulk(200, []byte(`{"count":2,"success":2,"fail":0,"resultList":[{"result":"SUCCESS"}]}`))
		Expect(err).To(MatchError(ContainSubstring("disagree")))
		_, err = knoxerr.ParseBulk(200, []byte(`{"resultList":[]}`))
		Expect(err).To(MatchError(ContainSubstring("required")))
	})
})
