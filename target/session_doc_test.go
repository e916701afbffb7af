package target_test

import (
	"encoding/json"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/target"
)

var _ = Describe("the documented session", func() {
	It("shows one consistent error per error outcome: the code's kind and HTTP status from the catalogue", func() {
		errorsSeen := 0
		for _, e := range sessionExamples() {
			if e.Dir != "response" || e.Req != target.TypeInvoke {
				continue
			}
			var resp target.Response
			Expect(json.Unmarshal(e.Msg, &resp)).To(Succeed())
			if resp.Type != target.TypeResult {
				continue
			}
			var o target.Outcome
			Expect(json.Unmarshal(resp.Result, &o)).To(Succeed())
			if o.Error == nil {
				continue
			}
			errorsSeen++
			oe := o.Error
			Expect(oe.Code).NotTo(BeEmpty(), "a sample error outcome shows the code too: %s", e.Msg)
			entry, ok := knoxerr.Lookup(knoxerr.Code(oe.Code))
			Expect(ok).To(BeTrue(), "code %s is not in the catalogue", oe.Code)
			Expect(oe.Kind).To(Equal(knoxerr.New(knoxerr.Code(oe.Code), "").Kind()), "kind of %s: %s", oe.Code, e.Msg)
			Expect(oe.HTTPStatus).To(Equal(entry.HTTPStatus), "HTTP status of %s: %s", oe.Code, e.Msg)
			for _, other := range knoxerr.Catalogue() {
				if other.Code != entry.Code && other.Family != knoxerr.FamilyHTTP && other.Name != entry.Name {
					Expect(oe.Message).NotTo(ContainSubstring(other.Name), "the message names another error: %s", e.Msg)
				}
			}
			Expect(oe.Message).NotTo(ContainSubstring(" "+strconv.Itoa(otherStatus(entry.HTTPStatus))+" "), e.Msg)
		}
		Expect(errorsSeen).To(BeNumerically(">=", 1), "the sample session shows an error outcome")
	})
})

// otherStatus is an HTTP status a message about status must not mention.
func otherStatus(status int) int {
	if status == 401 {
		return 403
	}
	return 401
}
