package conformance_test

import (
	"context"
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

// v1Adapter names the reference client behind a hello written before
// authSchemes, services and the OAuth 2.0 / Knox Configure / Knox Guard
// operations existed: it lists the five original operations and nothing else.
const v1Adapter = "v1-adapter"

type v1Only struct{ target.Adapter }

func (a v1Only) Hello(ctx context.Context, p target.HelloParams) (target.HelloResult, error) {
	h, err := a.Adapter.Hello(ctx, p)
	h.Operations = []target.Op{target.OpAccessToken, target.OpListDevices, target.OpDeleteDevices, target.OpExchangeCode, target.OpAuthorizeToken}
	h.AuthSchemes, h.Services = nil, nil
	return h, err
}

// An adapter that predates the OAuth 2.0 and service operations keeps working
// unchanged: the cases it could always run still pass, and every new case is
// UNSUPPORTED (never FAIL), saying what the adapter lacks; the run stays
// CONFORMANT.
func TestV1AdapterGetsUnsupportedOnNewCases(t *testing.T) {
	sum := runSuite(t, v1Adapter, "oauth/*,kc/*,kg/*,http/400/no-retry,knox/4032251/refresh,sa/AUT_1802/no-retry")
	if len(sum.Cases) == 0 {
		t.Fatal("no case ran")
	}
	newCases := 0
	for _, c := range sum.Cases {
		isNew := strings.HasPrefix(c.ID, "oauth/") || strings.HasPrefix(c.ID, "kc/") || strings.HasPrefix(c.ID, "kg/")
		switch {
		case isNew:
			newCases++
			if c.Class != reports.Unsupported || !strings.Contains(c.Reason, "the adapter does not support") {
				t.Errorf("%s: %s %q, want UNSUPPORTED naming the missing operation", c.ID, c.Class, c.Reason)
			}
		case c.Class != reports.Pass:
			t.Errorf("%s: %s %q, want PASS as before", c.ID, c.Class, c.Reason)
		}
	}
	if newCases < 25 {
		t.Errorf("only %d new cases ran", newCases)
	}
	if sum.Verdict != reports.VerdictConformant {
		t.Errorf("verdict %q, want %q", sum.Verdict, reports.VerdictConformant)
	}
}
