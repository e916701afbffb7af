package knoxtest

import (
	"encoding/json"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// The Samsung Account token endpoint's rules. Samsung documents only the codes
// (knox-error-tables.txt: "missing or empty", "wrong length", "does not match the
// pattern"); the concrete limits are this simulation's, chosen so that every
// code can be provoked by one plainly wrong field:
//
//	presence, in this order: client_id AUT_1001, client_secret AUT_1002,
//	  code AUT_1006, grant_type AUT_1008 (absent or empty)
//	client_id      exactly 10 characters                         else AUT_1010
//	               only [0-9a-z]                                 else AUT_1024
//	client_secret  exactly 32 characters                         else AUT_1011
//	code           16 to 128 characters                          else AUT_1015
//	grant_type     exactly "authorization_code" (the only grant
//	               a partner exchanges a code with)              else AUT_1017
//	redirect_uri   10 to 2048 characters (absent counts as 0)    else AUT_1045
//	               absolute https URL with a host, no fragment,
//	               only URI characters (percent-encoded)         else AUT_1022
//	client_id      registered                                    else AUT_1785
//	client_secret  that client's secret                          else AUT_1702
//	code           issued by IssueAuthCode, unused, < 60s old    else AUT_1802
//	code           issued to this client_id                      else AUT_1806
//	redirect_uri   the client's registered redirect URI          else AUT_1022
//
// A failed exchange does not consume the code; a successful one does.
const (
	saClientIDLen     = 10
	saSecretLen       = 32
	saCodeMinLen      = 16
	saCodeMaxLen      = 128
	saRedirectMinLen  = 10
	saRedirectMaxLen  = 2048
	saGrantType       = "authorization_code"
	saTokenTTLSeconds = 3600
)

// The second registered Samsung Account client, which codes can be issued to for
// AUT_1806 and whose id is the wrong x-osp-appId for LIC_4103.
const (
	otherSAClientID     = "zz9other01"
	otherSAClientSecret = "0123456789abcdef0123456789abcdef"
)

var (
	saClientIDPattern = regexp.MustCompile(`^[0-9a-z]{10}$`)
	uriChars          = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$`)
)

// validAuthToken says whether tok has the authorizeToken shape we accept: 20 to
// 512 characters of [A-Za-z0-9_-]. Written out rather than as the regexp
// ^[A-Za-z0-9_\-]{20,512}$, whose bounded repetition compiles to a 512-step
// program: about 5 ms in every process that imports this package, each worker
// of a run among them.
func validAuthToken(tok string) bool {
	if len(tok) < 20 || len(tok) > 512 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

type saClient struct {
	secret      string
	redirectURI string
}

type authCode struct {
	clientID string
	expires  time.Time
	used     bool
}

type saToken struct {
	clientID string
	expires  time.Time // zero: never (tokens planted by tests)
}

// IssueAuthCode returns what Samsung Account's signInGate redirect would carry for
// clientID: a single-use authorization code, valid for 60 seconds (WithAuthCodeTTL),
// bound to that client id.
func (s *Server) IssueAuthCode(clientID string) string {
	code := randAlnum(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.authCodes[code] = &authCode{clientID: clientID, expires: now.Add(s.cfg.authCodeTTL)}
	s.remembered(now)
	return code
}

// issueSAToken mints a Samsung Account access token for clientID.
func (s *Server) issueSAToken(clientID string) string {
	tok := randToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.saTokens[tok] = &saToken{clientID: clientID, expires: now.Add(saTokenTTLSeconds * time.Second)}
	s.remembered(now)
	return tok
}

// saForm records the form fields in the journal, secrets redacted and the code
// fingerprinted.
func saForm(form url.Values) map[string]string {
	out := map[string]string{}
	for k, vs := range form {
		v := strings.Join(vs, ",")
		switch {
		case k == "code":
			v = fingerprint(v)
		case secretParam(k):
			v = redacted(v)
		}
		out[k] = v // the journal cuts long names and values (clipExchange)
	}
	return out
}

// parseSAForm decodes an x-www-form-urlencoded body; unparseable bodies, and
// bodies not declared a form by their Content-Type, count as having no fields
// (so the presence rules answer, as a form-reading server's would).
func parseSAForm(contentType string, body []byte) url.Values {
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/x-www-form-urlencoded" {
		return url.Values{}
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return url.Values{}
	}
	return v
}

// saTokenExchange is the Samsung Account token endpoint (authorization_code grant).
func (s *Server) saTokenExchange(req *request) reply {
	form := parseSAForm(req.r.Header.Get("Content-Type"), req.body)
	req.ex.Form = saForm(form)
	get := func(k string) (string, bool) {
		vs, present := form[k]
		if !present || len(vs) == 0 {
			return "", false
		}
		return vs[0], vs[0] != ""
	}
	clientID, hasID := get("client_id")
	secret, hasSecret := get("client_secret")
	code, hasCode := get("code")
	grant, hasGrant := get("grant_type")
	redirect, _ := get("redirect_uri")
	switch {
	case !hasID:
		return fail(knoxerr.AUT1001, "client_id is missing or empty")
	case !hasSecret:
		return fail(knoxerr.AUT1002, "client_secret is missing or empty")
	case !hasCode:
		return fail(knoxerr.AUT1006, "code is missing or empty")
	case !hasGrant:
		return fail(knoxerr.AUT1008, "grant_type is missing or empty")
	case len(clientID) != saClientIDLen:
		return fail(knoxerr.AUT1010, "client_id must be exactly 10 characters")
	case !saClientIDPattern.MatchString(clientID):
		return fail(knoxerr.AUT1024, "client_id may contain only 0-9 and a-z")
	case len(secret) != saSecretLen:
		return fail(knoxerr.AUT1011, "client_secret must be exactly 32 characters")
	case len(code) < saCodeMinLen || len(code) > saCodeMaxLen:
		return fail(knoxerr.AUT1015, "code must be 16 to 128 characters")
	case grant != saGrantType:
		return fail(knoxerr.AUT1017, `grant_type must be "authorization_code"`)
	case len(redirect) < saRedirectMinLen || len(redirect) > saRedirectMaxLen:
		return fail(knoxerr.AUT1045, "redirect_uri must be 10 to 2048 characters")
	case !validRedirect(redirect):
		return fail(knoxerr.AUT1022, "redirect_uri must be an absolute, percent-encoded https URL without a fragment")
	}
	if req.dry {
		return reply{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, known := s.saClients[clientID]
	switch {
	case !known:
		return fail(knoxerr.AUT1785, "client_id is not a registered client")
	case cl.secret != secret:
		return fail(knoxerr.AUT1702, "client_secret is not this client's secret")
	}
	ac := s.authCodes[code]
	switch {
	case ac == nil:
		return fail(knoxerr.AUT1802, "the authorization code is not valid")
	case ac.clientID != clientID:
		return fail(knoxerr.AUT1806, "the authorization code was issued to another client_id")
	case ac.used:
		return fail(knoxerr.AUT1802, "the authorization code was already used")
	case time.Now().After(ac.expires):
		return fail(knoxerr.AUT1802, "the authorization code has expired")
	case redirect != cl.redirectURI:
		return fail(knoxerr.AUT1022, "redirect_uri is not the client's registered redirect URI")
	}
	ac.used = true
	access, refresh := randToken(), randToken()
	now := time.Now()
	s.saTokens[access] = &saToken{clientID: clientID, expires: now.Add(saTokenTTLSeconds * time.Second)}
	s.remembered(now)
	return ok(map[string]any{"access_token": access, "refresh_token": refresh,
		"token_type": "bearer", "expires_in": saTokenTTLSeconds})
}

func validRedirect(v string) bool {
	if !uriChars.MatchString(v) || strings.Contains(v, "#") {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.Opaque == ""
}

// saAuthorize is Samsung Account's authorizeToken: header x-osp-appId, JSON body
// {"authToken": …}. Rules: missing header, malformed body or token → LIC_4101;
// unknown token → LIC_4102; x-osp-appId not the client_id the token was issued
// to → LIC_4103. LIC_5101 only by injection.
func (s *Server) saAuthorize(req *request) reply {
	var body struct {
		AuthToken *string `json:"authToken"`
	}
	appID := strings.TrimSpace(req.r.Header.Get("X-Osp-Appid"))
	err := json.Unmarshal(req.body, &body)
	tok := ""
	if err == nil && body.AuthToken != nil {
		tok = *body.AuthToken
		req.ex.Form = map[string]string{"authToken": fingerprint(tok)}
	}
	switch {
	case appID == "":
		return fail(knoxerr.LIC4101, "x-osp-appId header is missing")
	case err != nil || body.AuthToken == nil:
		return fail(knoxerr.LIC4101, `body must be {"authToken": "…"}`)
	case !validAuthToken(tok):
		return fail(knoxerr.LIC4101, "authToken is malformed")
	}
	if req.dry {
		return reply{}
	}
	s.mu.Lock()
	t := s.saTokens[tok]
	s.mu.Unlock()
	switch {
	case t == nil:
		return fail(knoxerr.LIC4102, "authToken not found")
	case t.clientID != appID:
		return fail(knoxerr.LIC4103, "x-osp-appId is not the client the authToken was issued to")
	}
	return ok(map[string]any{"authorized": true, "clientId": t.clientID})
}
