package conformance

import (
	"strings"
	"testing"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/target"
)

// Every row of BEHAVIOURS.md §3 (OAuth 2.0) and §4 (more services) has a case
// at the row's level: a row cannot be added without the suite judging it.
func TestEveryOAuthAndServiceRowHasACase(t *testing.T) {
	rows := []struct {
		row, prefix string
		level       knoxerr.Level
	}{
		{"§3 Token request", "oauth/token-request", knoxerr.MUST},
		{"§3 Token lifetime", "oauth/token-lifetime", knoxerr.MUST},
		{"§3 Token reuse", "oauth/token-reuse", knoxerr.SHOULD},
		{"§3 401 on a Bearer call", "oauth/401/", knoxerr.MUST},
		{"§3 invalid_client", "oauth/invalid_client/", knoxerr.MUST},
		{"§3 unauthorized_client", "oauth/unauthorized_client/", knoxerr.MUST},
		{"§3 unsupported_grant_type", "oauth/unsupported_grant_type/", knoxerr.MUST},
		{"§3 invalid_scope", "oauth/invalid_scope/", knoxerr.MUST},
		{"§3 invalid_request", "oauth/invalid_request/", knoxerr.MUST},
		{"§3 invalid_grant on an authorization code", "oauth/invalid_grant/", knoxerr.MUST},
		{"§3 Refresh token rotation", "oauth/refresh/rotation", knoxerr.MUST},
		{"§3 403 for a missing scope", "oauth/insufficient_scope/", knoxerr.MUST},
		{"§3 PKCE", "oauth/pkce", knoxerr.SHOULD},
		{"§3 MSP tenant", "oauth/msp-tenant", knoxerr.MUST},
		{"§3 429 / 5xx on the token endpoint", "oauth/token-endpoint/", knoxerr.MUST},
		{"§4 Knox Guard: surface the result/error code", "kg/result-body/", knoxerr.MUST},
		{"§4 Knox Guard: no automatic retry of a command", "kg/lock/no-retry-after-", knoxerr.SHOULD},
		{"§4 Knox Guard: per-device failures of a bulk", "kg/bulk/", knoxerr.SHOULD},
		{"§4 Knox Configure: follow the cursor", "kc/cursor/", knoxerr.MUST},
		{"§4 Knox Configure: pageSize over 100", "kc/page-size/", knoxerr.MUST},
		{"§4 Knox Configure: back off on 429", "kc/429/", knoxerr.MUST},
		{"§4 Knox Mobile Enrollment (as §1 and §2)", "http/", knoxerr.MUST},
	}
	for _, row := range rows {
		found := false
		for _, c := range Cases() {
			if strings.HasPrefix(c.ID, row.prefix) && c.Level == string(row.level) {
				found = true
			}
		}
		if !found {
			t.Errorf("BEHAVIOURS.md %s: no %s case with an ID starting %q", row.row, row.level, row.prefix)
		}
	}
}

// Every OAuth 2.0 error of the family has a case.
func TestEveryOAuthCodeHasACase(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range Cases() {
		for _, code := range c.Codes {
			covered[code] = true
		}
	}
	for _, e := range knoxerr.OAuthCatalogue() {
		if !covered[string(e.Code)] {
			t.Errorf("OAuth error %s has no case: add one to cases_oauth.go", e.Code)
		}
	}
}

// A case needs the schemes and services of its operations; an adapter that
// declares nothing (a v1 hello) is held to exactly what it was before, and gets
// UNSUPPORTED, never FAIL, on the new cases.
func TestUnsupportedFollowsTheHello(t *testing.T) {
	v1 := target.HelloResult{Protocol: 1, Operations: []target.Op{target.OpAccessToken, target.OpListDevices,
		target.OpDeleteDevices, target.OpExchangeCode, target.OpAuthorizeToken}, Features: []string{"concurrency"}}
	oauthOnly := target.HelloResult{Protocol: 1, Operations: target.Ops(), Features: []string{"concurrency"},
		AuthSchemes: []string{target.SchemeOAuth2}, Services: []string{target.ServiceKC}}
	for _, d := range catalogue() {
		legacy := true
		for _, op := range d.ops {
			if !contains(v1.Operations, op) {
				legacy = false
			}
		}
		if got := d.unsupported(v1); (got == "") != legacy {
			t.Errorf("%s with a v1 hello: unsupported = %q, want runnable = %v", d.ID, got, legacy)
		}
		wantOAuth := len(d.schemes()) == 1 && d.schemes()[0] == target.SchemeOAuth2 && !contains2(d.services(), target.ServiceKG, target.ServiceKME)
		if got := d.unsupported(oauthOnly); (got == "") != wantOAuth {
			t.Errorf("%s with an OAuth-only hello: unsupported = %q, want runnable = %v", d.ID, got, wantOAuth)
		}
	}
}

func contains(ops []target.Op, op target.Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

func contains2(list []string, a, b string) bool {
	for _, s := range list {
		if s == a || s == b {
			return true
		}
	}
	return false
}
