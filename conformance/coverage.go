package conformance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/knoxconform/knoxconform/target"
)

// What a case needs of an adapter beyond its operations: the authentication
// schemes and Knox services its operations belong to. They follow from the
// operations, so that a case cannot declare one thing and invoke another.

// opNeeds is the scheme and the service (either may be "") of an operation.
func opNeeds(op target.Op) (scheme, service string) {
	switch op {
	case target.OpAccessToken:
		return target.SchemeKnoxCloud, ""
	case target.OpListDevices, target.OpDeleteDevices:
		return target.SchemeKnoxCloud, target.ServiceKME
	case target.OpExchangeCode, target.OpAuthorizeToken:
		return target.SchemeSamsungAccount, ""
	case target.OpOAuthToken, target.OpOAuthExchangeCode, target.OpOAuthRefresh, target.OpOAuthRevoke:
		return target.SchemeOAuth2, ""
	case target.OpKCListDevices:
		return target.SchemeOAuth2, target.ServiceKC
	case target.OpKGLock, target.OpKGUnlock, target.OpKGSendMessage:
		return target.SchemeKnoxCloud, target.ServiceKG
	}
	return "", ""
}

// schemes are the authentication schemes the case's operations use, sorted.
func (d *caseDef) schemes() []string {
	var out []string
	for _, op := range d.ops {
		if s, _ := opNeeds(op); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// services are the Knox services the case's operations call, sorted.
func (d *caseDef) services() []string {
	var out []string
	for _, op := range d.ops {
		if _, s := opNeeds(op); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// unsupported says why an adapter whose hello is h cannot run the case, "" when
// it can: an operation, a feature, a scheme or a service it does not declare.
func (d *caseDef) unsupported(h target.HelloResult) string {
	for _, op := range d.ops {
		if !slices.Contains(h.Operations, op) {
			return fmt.Sprintf("the adapter does not support %s (it is not among the operations its hello lists)", op)
		}
	}
	for _, f := range d.features {
		if !slices.Contains(h.Features, f) {
			return fmt.Sprintf("the adapter does not declare the %q feature in its hello", f)
		}
	}
	if missing := absent(d.schemes(), h.DeclaredSchemes()); len(missing) > 0 {
		return fmt.Sprintf("the adapter does not declare the authentication scheme %s in its hello (authSchemes: %s)",
			strings.Join(missing, ", "), strings.Join(h.DeclaredSchemes(), ", "))
	}
	if missing := absent(d.services(), h.DeclaredServices()); len(missing) > 0 {
		return fmt.Sprintf("the adapter does not declare the Knox service %s in its hello (services: %s)",
			strings.Join(missing, ", "), strings.Join(h.DeclaredServices(), ", "))
	}
	return ""
}

func absent(need, have []string) []string {
	var out []string
	for _, n := range need {
		if !slices.Contains(have, n) {
			out = append(out, n)
		}
	}
	return out
}
