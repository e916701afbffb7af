package reports_test

import (
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/reports"
)

func TestCoverageBySchemeAndService(t *testing.T) {
	s := &reports.Summary{Run: reports.Run{AuthSchemes: []string{"knox-cloud-auth", "samsung-account"}, Services: []string{"kme"}},
		Cases: []reports.CaseResult{
			{Case: reports.Case{ID: "http/400/no-retry", Schemes: []string{"knox-cloud-auth"}, Services: []string{"kme"}}, Class: reports.Pass},
			{Case: reports.Case{ID: "knox/x", Schemes: []string{"knox-cloud-auth"}, Services: []string{"kme"}}, Class: reports.Fail},
			{Case: reports.Case{ID: "oauth/token-request", Schemes: []string{"oauth2"}, Services: []string{"kc"}}, Class: reports.Unsupported},
		}}
	reports.Finalize(s)
	got := map[string]reports.CoverageRow{}
	for _, r := range reports.Coverage(s) {
		got[r.Kind+" "+r.Name] = r
	}
	for key, want := range map[string]string{"scheme knox-cloud-auth": "FAIL", "scheme oauth2": "not declared",
		"scheme samsung-account": "UNSUPPORTED", "service kme": "FAIL", "service kc": "not declared"} {
		if v := got[key].Verdict(false); v != want {
			t.Errorf("%s: verdict %q, want %q", key, v, want)
		}
	}
	if r := got["scheme knox-cloud-auth"]; r.Cases != 2 || r.Counts[reports.Pass] != 1 || !r.Declared {
		t.Errorf("knox-cloud-auth row %+v", r)
	}
	md := string(reports.Markdown(s))
	if !strings.Contains(md, "| scheme `oauth2` | no | 1 | 0 | 0 | 0 | 1 | 0 | not declared |") {
		t.Errorf("summary.md lacks the oauth2 coverage row:\n%s", md)
	}
	html, err := reports.HTML(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), `data-kind="service" data-name="kme" data-verdict="FAIL"`) {
		t.Error("report.html lacks the kme service row")
	}
}
