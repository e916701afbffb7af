package knoxtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
)

// Mistake is a client configuration error that makes the server answer Code for
// real, through Op.
type Mistake struct {
	Code        knoxerr.Code `json:"code"`
	Description string       `json:"description"`
	// Op is the adapter operation that meets the code: "sa.exchangeCode",
	// "sa.authorizeToken", "knox.accessToken" or "kme.listDevices".
	Op string `json:"op"`
	// Credentials are the server's good credentials with the mistake applied.
	Credentials Credentials `json:"credentials"`
	// AuthCode is the authorization code to send (sa.exchangeCode).
	AuthCode string `json:"authCode,omitempty"`
	// AuthToken is the Samsung Account token to send (sa.authorizeToken).
	AuthToken string `json:"authToken,omitempty"`
}

// Mistakes lists, for each code the server produces naturally from a client's
// configuration, the configuration that provokes it. The list and its order are
// the same on every call; the codes and tokens in it are freshly issued.
//
// Not in the list, because no configuration value causes them: 4002250 (the
// client resends a JWT), 4002251 (the client sends a bad validity), 4032251 and
// 4032252 (ExpireTokens / RevokeTokens, or an expired JWT), 401 (no
// x-knox-apitoken), 406 / 422 / 429 (request shape and rate), AUT_1008 and
// AUT_1017 (grant_type is fixed by the client, not configured). Provoke those by
// behaviour or Script.
//
// 40122050 needs a keys.json whose Public and Private halves do not match; a
// client that checks keys.json on load (knoxkeys.Load does) rejects the file
// before sending anything, which the case should accept as a correct refusal.
func (s *Server) Mistakes() []Mistake {
	good := s.creds
	with := func(f func(*Credentials)) Credentials { c := good; f(&c); return c }
	var out []Mistake
	add := func(code knoxerr.Code, op, desc string, c Credentials, authCode, authToken string) {
		out = append(out, Mistake{Code: code, Op: op, Description: desc, Credentials: c, AuthCode: authCode, AuthToken: authToken})
	}

	// Knox Cloud authentication.
	mixed, other := s.mistakeKeyFiles()
	add(knoxerr.AccessTokenBadRequest, "knox.accessToken",
		"keys.json mixes two key pairs (Public of the registered key, Private of another): the JWT's signature does not verify with the key sent",
		with(func(c *Credentials) { c.KeysFile = mixed }), "", "")
	add(knoxerr.APIKeyRestrictionNotFound, "knox.accessToken",
		"the client identifier is not registered (a typo or one from another portal account)",
		with(func(c *Credentials) { c.ClientIdentifier = s.unregisteredID }), "", "")
	add(knoxerr.APIKeyRestrictionInvalid, "knox.accessToken",
		"keys.json of another key pair with the registered client identifier: the identifier is bound to a different key",
		with(func(c *Credentials) { c.KeysFile = other }), "", "")
	add(knoxerr.HTTPForbidden, "kme.listDevices",
		"a client identifier generated for Knox Guard used for Knox Mobile Enrollment: the token is not entitled to KME",
		with(func(c *Credentials) { c.ClientIdentifier = s.kgOnlyID }), "", "")

	// Samsung Account token endpoint.
	code := func() string { return s.IssueAuthCode(good.SAClientID) }
	add(knoxerr.AUT1001, "sa.exchangeCode", "client_id is empty",
		with(func(c *Credentials) { c.SAClientID = "" }), code(), "")
	add(knoxerr.AUT1002, "sa.exchangeCode", "client_secret is empty",
		with(func(c *Credentials) { c.SAClientSecret = "" }), code(), "")
	add(knoxerr.AUT1006, "sa.exchangeCode", "the authorization code is empty", good, "", "")
	add(knoxerr.AUT1010, "sa.exchangeCode", "client_id is 9 characters (10 expected)",
		with(func(c *Credentials) { c.SAClientID = good.SAClientID[:9] }), code(), "")
	add(knoxerr.AUT1024, "sa.exchangeCode", "client_id has upper-case letters (only 0-9a-z allowed)",
		with(func(c *Credentials) { c.SAClientID = strings.ToUpper(good.SAClientID[:5]) + "ABCDE" }), code(), "")
	add(knoxerr.AUT1011, "sa.exchangeCode", "client_secret is truncated to 16 characters (32 expected)",
		with(func(c *Credentials) { c.SAClientSecret = good.SAClientSecret[:16] }), code(), "")
	add(knoxerr.AUT1015, "sa.exchangeCode", "the authorization code is cut short (8 characters)", good, code()[:8], "")
	add(knoxerr.AUT1045, "sa.exchangeCode", "redirect_uri is too short to be a URL",
		with(func(c *Credentials) { c.SARedirectURI = "https://x" }), code(), "")
	add(knoxerr.AUT1022, "sa.exchangeCode", "redirect_uri is plain http",
		with(func(c *Credentials) { c.SARedirectURI = strings.Replace(good.SARedirectURI, "https://", "http://", 1) }), code(), "")
	add(knoxerr.AUT1022, "sa.exchangeCode", "redirect_uri is not percent-encoded (contains a space)",
		with(func(c *Credentials) { c.SARedirectURI = good.SARedirectURI + "?next=a b" }), code(), "")
	add(knoxerr.AUT1022, "sa.exchangeCode", "redirect_uri is a well-formed https URL but not the registered one",
		with(func(c *Credentials) { c.SARedirectURI = "https://uem.example.test/other-callback" }), code(), "")
	add(knoxerr.AUT1702, "sa.exchangeCode", "client_secret is well-formed but not this client's",
		with(func(c *Credentials) { c.SAClientSecret = strings.Repeat("0", saSecretLen) }), code(), "")
	add(knoxerr.AUT1785, "sa.exchangeCode", "client_id is well-formed but not registered",
		with(func(c *Credentials) { c.SAClientID = "0000000000" }), code(), "")
	add(knoxerr.AUT1802, "sa.exchangeCode", "the authorization code was never issued", good, randAlnum(32), "")
	used := code()
	s.mu.Lock()
	s.authCodes[used].used = true
	s.mu.Unlock()
	add(knoxerr.AUT1802, "sa.exchangeCode", "the authorization code was already exchanged once", good, used, "")
	add(knoxerr.AUT1806, "sa.exchangeCode", "the authorization code was issued to another client_id", good,
		s.IssueAuthCode(otherSAClientID), "")

	// Samsung Account authorizeToken.
	add(knoxerr.LIC4101, "sa.authorizeToken", "the app id is empty, so x-osp-appId is missing",
		with(func(c *Credentials) { c.SAAppID = "" }), "", s.issueSAToken(good.SAClientID))
	add(knoxerr.LIC4101, "sa.authorizeToken", "the authToken is not a token (malformed)", good, "", "not a token!")
	add(knoxerr.LIC4102, "sa.authorizeToken", "the authToken is well-formed but was never issued", good, "", randToken())
	add(knoxerr.LIC4103, "sa.authorizeToken", "the app id is another client's id, not the client the token was issued to",
		with(func(c *Credentials) { c.SAAppID = otherSAClientID }), "", s.issueSAToken(good.SAClientID))
	return out
}

// mistakeKeyFiles writes (once per server) a keys.json that mixes two key pairs
// and one of an unregistered key pair into the server's temp dir.
func (s *Server) mistakeKeyFiles() (mixed, other string) {
	mixed = filepath.Join(s.dir, "keys-mixed-pairs.json")
	other = filepath.Join(s.dir, "keys-unregistered.json")
	if _, err := os.Stat(other); err == nil {
		return mixed, other
	}
	ok2, err := processOtherKeys()
	if err != nil {
		return mixed, other
	}
	_ = ok2.WriteFile(other, knoxkeys.PKCS8)
	otherPriv, _ := ok2.Marshal(knoxkeys.PKCS8, false)
	// Splice: Private from the other pair, Public from the registered one.
	data := fmt.Sprintf(`{"Public": %q, "Private": %q, "Identifier": %q}`,
		s.keys.PublicB64(), privateField(otherPriv), s.keys.Identifier)
	_ = os.WriteFile(mixed, []byte(data), 0o600)
	return mixed, other
}

// privateField extracts "Private" from a marshalled keys.json.
func privateField(keysJSON []byte) string {
	var f struct{ Private string }
	_ = json.Unmarshal(keysJSON, &f)
	return f.Private
}
