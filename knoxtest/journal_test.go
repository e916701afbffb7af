package knoxtest_test

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gstruct"
)

var _ = Describe("the journal's bounds", func() {
	It("drops the oldest exchanges past its entry bound, and counts them", func() {
		srv := knoxtest.NewServer(knoxtest.WithJournalLimits(5, 0))
		DeferCleanup(srv.Close)
		for range 8 {
			listDevices(srv, "", 0)
		}
		j := srv.Journal()
		Expect(j).To(HaveLen(5))
		Expect(j[0].Seq).To(Equal(4))
		Expect(srv.JournalStats()).To(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{"Entries": Equal(5), "Dropped": Equal(3), "LastSeq": Equal(8),
			"MaxEntries": Equal(5), "MaxBytes": Equal(knoxtest.DefaultJournalBytes), "Bytes": BeNumerically(">", 0)}))
	})

	It("cuts a large form with a marker, records the body's size, and stays within its byte bound", func() {
		srv := knoxtest.NewServer(knoxtest.WithJournalLimits(1000, 64<<10))
		DeferCleanup(srv.Close)
		form := url.Values{"client_id": {strings.Repeat("x", 2000)}}
		for i := range 100 {
			form.Set("extra"+strconv.Itoa(i), strings.Repeat("v", 300))
		}
		body := form.Encode()
		for range 20 {
			postForm(srv, saTokenPath, form)
		}
		last := lastExchange(srv)
		Expect(last.BodySize).To(Equal(int64(len(body))))
		Expect(last.Truncated).To(BeTrue())
		Expect(last.Form).To(HaveLen(65))
		Expect(last.Form).To(HaveKeyWithValue("…", "37 more fields not recorded"))
		Expect(last.Form["client_id"]).To(HaveSuffix("…[cut: 2000 bytes]"))
		Expect(len(last.Form["client_id"])).To(BeNumerically("<", 300))
		st := srv.JournalStats()
		Expect(st.Bytes).To(BeNumerically("<=", 64<<10))
		Expect(st.Entries).To(BeNumerically("<", 20), "20 large forms do not fit in 64 KiB")
		Expect(st.Dropped + st.Entries).To(Equal(20))
	})
})

var _ = Describe("what the server remembers", func() {
	It("forgets jtis, tokens, codes and Samsung Account tokens once they expired, and nothing before", func() {
		srv, _, _ := mintedServer()
		mintToken(srv)
		code := srv.IssueAuthCode(srv.Credentials().SAClientID)
		Expect(postForm(srv, saTokenPath, saForm(srv.Credentials(), code)).Status).To(Equal(200))
		srv.IssueAuthCode(srv.Credentials().SAClientID)
		held := srv.Tracked()
		Expect(held).To(gstruct.MatchAllKeys(gstruct.Keys{"jtis": Equal(2), "tokens": Equal(2), "authCodes": Equal(2), "saTokens": Equal(1), "buckets": Equal(0)}))

		srv.PruneAt(time.Now())
		Expect(srv.Tracked()).To(Equal(held), "nothing has expired yet")
		srv.PruneAt(time.Now().Add(2 * time.Hour))
		Expect(srv.Tracked()).To(gstruct.MatchAllKeys(gstruct.Keys{"jtis": BeZero(), "tokens": BeZero(), "authCodes": BeZero(), "saTokens": BeZero(), "buckets": BeZero()}))
	})

	It("still answers an expired token as expired until it is pruned", func() {
		srv, k, tok := mintedServer()
		srv.ExpireTokens()
		srv.PruneAt(time.Now())
		Expect(listDevices(srv, apiToken(k, tok), 0).Status).To(Equal(403))
		Expect(lastExchange(srv).Code).To(Equal(knoxerr.AccessTokenExpired))
	})
})
