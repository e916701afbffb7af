package knoxerr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxerr"
)

var _ = Describe("Parse", func() {
	DescribeTable("reads the code from every body shape Knox uses",
		func(status int, body string, code knoxerr.Code, shape knoxerr.Shape, name string) {
			e := knoxerr.Parse(status, nil, []byte(body))
			Expect(e).NotTo(BeNil())
			Expect(e.Code).To(Equal(code))
			Expect(e.Shape).To(Equal(shape))
			Expect(e.Name).To(Equal(name))
			Expect(e.HTTPStatus).To(Equal(status))
		},
		Entry("classic, numeric code", 400, `{"errorId":"x","code":4000000,"message":"RESOURCE_INVALID_PARAM","data":"Device ID list cannot be empty"}`,
			knoxerr.ResourceInvalidParam, knoxerr.ShapeClassic, "RESOURCE_INVALID_PARAM"),
		Entry("classic, string code", 403, `{"code":"4032251","message":"ACCESS_TOKEN_EXPIRED"}`,
			knoxerr.AccessTokenExpired, knoxerr.ShapeClassic, "ACCESS_TOKEN_EXPIRED"),
		Entry("classic, the 4012250 spelling", 401, `{"code":4012250,"message":"ACCESS_TOKEN_BAD_REQUEST","data":"ACCESS_TOKEN_BAD_REQUEST"}`,
			knoxerr.AccessTokenBadRequest, knoxerr.ShapeClassic, "ACCESS_TOKEN_BAD_REQUEST"),
		Entry("array variant (KBA-1242)", 403, `{"code":[4030000],"message":["AUTHENTICATION_FAIL"],"data":["access token has expired"]}`,
			knoxerr.Code("4030000"), knoxerr.ShapeArray, "AUTHENTICATION_FAIL"),
		Entry("result/error (Knox Guard)", 400, `{"result":"FAIL","error":{"code":4000000,"message":"RESOURCE_INVALID_PARAM","reason":"pageNum less than 0"}}`,
			knoxerr.ResourceInvalidParam, knoxerr.ShapeResult, "RESOURCE_INVALID_PARAM"),
		Entry("OAuth", 400, `{"error":"invalid_client","error_description":"bad secret"}`,
			knoxerr.OAuthInvalidClient, knoxerr.ShapeOAuth, "invalid_client"),
		Entry("OAuth, an error outside RFC 6749", 400, `{"error":"server_busy","error_description":"later"}`,
			knoxerr.HTTPBadRequest, knoxerr.ShapeOAuth, "server_busy"),
		Entry("OAuth carrying an AUT code", 400, `{"error":"AUT_1802","error_description":"code is wrong"}`,
			knoxerr.AUT1802, knoxerr.ShapeOAuth, "AUT_1802"),
		Entry("AUT body", 400, `{"code":"AUT_1001","message":"client_id missing"}`,
			knoxerr.AUT1001, knoxerr.ShapeClassic, ""),
		Entry("LIC body", 500, `{"code":"LIC_5101","message":"internal"}`,
			knoxerr.LIC5101, knoxerr.ShapeClassic, ""),
		Entry("name only", 403, `{"message":"ACCESS_TOKEN_EXPIRED"}`,
			knoxerr.HTTPForbidden, knoxerr.ShapeOpaque, ""),
		Entry("empty body", 503, ``, knoxerr.Code("503"), knoxerr.ShapeEmpty, ""),
		Entry("HTML from a gateway", 502, `<html><body>Bad Gateway</body></html>`, knoxerr.Code("502"), knoxerr.ShapeOpaque, ""),
		Entry("JSON of no known layout", 500, `{"status":"down"}`, knoxerr.HTTPInternalServerError, knoxerr.ShapeOpaque, ""),
		Entry("truncated JSON", 500, `{"code":40`, knoxerr.HTTPInternalServerError, knoxerr.ShapeOpaque, ""),
	)

	It("returns nil below 400", func() {
		Expect(knoxerr.Parse(200, nil, []byte(`{"code":4000000}`))).To(BeNil())
	})

	It("keeps Retry-After and the raw code", func() {
		e := knoxerr.Parse(429, http.Header{"Retry-After": {"7"}}, []byte(`{"code":4012250}`))
		Expect(e.RetryAfter).To(Equal("7"))
		Expect(e.RawCode).To(Equal("4012250"))
	})

	It("classifies errors into protocol kinds", func() {
		kind := func(status int, body string) knoxerr.Kind { return knoxerr.Parse(status, nil, []byte(body)).Kind() }
		Expect(kind(400, `{"code":4000000}`)).To(Equal(knoxerr.KindValidation))
		Expect(kind(400, `{"code":4002250}`)).To(Equal(knoxerr.KindAuth))
		Expect(kind(403, `{"code":4032251}`)).To(Equal(knoxerr.KindAuth))
		Expect(kind(403, ``)).To(Equal(knoxerr.KindForbidden))
		Expect(kind(404, ``)).To(Equal(knoxerr.KindNotFound))
		Expect(kind(404, `{"code":4042251}`)).To(Equal(knoxerr.KindNotFound))
		Expect(kind(429, ``)).To(Equal(knoxerr.KindRateLimited))
		Expect(kind(500, `{"code":"LIC_5101"}`)).To(Equal(knoxerr.KindServer))
		Expect(kind(501, ``)).To(Equal(knoxerr.KindNotImplemented))
		Expect(kind(502, ``)).To(Equal(knoxerr.KindServer))
		Expect(kind(400, `{"code":"AUT_1802"}`)).To(Equal(knoxerr.KindValidation))
	})

	It("lets callers find the code through wrapping", func() {
		err := fmt.Errorf("list devices: %w", knoxerr.New(knoxerr.AccessTokenBadRequestAlias, ""))
		Expect(knoxerr.IsCode(err, knoxerr.AccessTokenBadRequest)).To(BeTrue())
		Expect(knoxerr.CodeOf(err)).To(Equal(knoxerr.AccessTokenBadRequest))
		Expect(knoxerr.CodeOf(errors.New("plain"))).To(BeEmpty())
		Expect(err.Error()).To(ContainSubstring("HTTP 401 code 40122050 ACCESS_TOKEN_BAD_REQUEST"))
	})
})

var _ = Describe("ParseRetryAfter", func() {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	DescribeTable("reads both RFC 9110 forms",
		func(v string, want time.Duration, ok bool) {
			d, got := knoxerr.ParseRetryAfter(v, now)
			Expect(got).To(Equal(ok))
			Expect(d).To(Equal(want))
		},
		Entry("delay-seconds", "7", 7*time.Second, true),
		Entry("zero", "0", time.Duration(0), true),
		Entry("HTTP-date ahead", now.Add(3*time.Second).Format(http.TimeFormat), 3*time.Second, true),
		Entry("HTTP-date past", now.Add(-time.Hour).Format(http.TimeFormat), time.Duration(0), true),
		Entry("garbage", "soon", time.Duration(0), false),
		Entry("negative", "-5", time.Duration(0), false),
		Entry("absent", "", time.Duration(0), false),
		Entry("huge", "99999999999999999999", time.Duration(0), false),
	)
})

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"code":4000000}`, `{"code":[1]}`, `{"result":"FAIL","error":{"code":"x"}}`, `{"error":"AUT_1"}`, `<html>`, ``} {
		f.Add(400, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := knoxerr.Parse(status, nil, []byte(body))
		if status < 400 {
			if e != nil {
				t.Fatal("error for a success status")
			}
			return
		}
		if e == nil || e.Code == "" {
			t.Fatalf("Parse(%d, %q) lost the code: %+v", status, body, e)
		}
		_ = e.Error()
		_ = e.Kind()
	})
}
