package observe

import (
	"encoding/json"
	"os"

	"github.com/knoxconform/knoxconform/knoxtest"
)

// settings is what COMMAND is told about the simulated Knox Cloud it talks to.
type settings struct {
	Endpoints   knoxtest.Endpoints   `json:"endpoints"`
	Credentials knoxtest.Credentials `json:"credentials"`
	// SAAuthCode is one Samsung Account authorization code, issued for the
	// SA client id, single-use and valid for a minute.
	SAAuthCode string `json:"saAuthCode"`
	// CAFile is the PEM of the CA the server's certificate chains to (--tls).
	CAFile string `json:"caFile,omitempty"`
	// OAuth will carry the Knox OAuth 2.0 client (token URL, client id and
	// secret) once the simulated Knox Cloud serves that scheme; until then it
	// is absent and the KNOX_OAUTH_* variables are not set.
	OAuth *oauthSettings `json:"oauth,omitempty"`
}

// oauthSettings is the place the OAuth 2.0 client credentials will go.
type oauthSettings struct {
	TokenURL     string `json:"tokenURL"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// envVar is one environment variable COMMAND receives: its name, the config
// file's key for the same value, and what it holds. The table is the
// documentation (docs/observe.md is generated from it).
type envVar struct {
	Name      string
	ConfigKey string
	Meaning   string
	value     func(settings) string
}

// EnvConfigFile names the variable holding the config file's path.
const EnvConfigFile = "KNOX_CONFIG_FILE"

var envVars = []envVar{
	{"KNOX_BASE_URL", "endpoints.knoxBaseURL", "base URL of the Knox Cloud APIs (`/ams/v1/users/accesstoken`, `/kcs/v1/kme/...`)",
		func(s settings) string { return s.Endpoints.KnoxBaseURL }},
	{"KNOX_KEYS_FILE", "credentials.keysFile", "path of keys.json, the key pair downloaded from the Knox portal (fresh for each run)",
		func(s settings) string { return s.Credentials.KeysFile }},
	{"KNOX_CLIENT_IDENTIFIER", "credentials.clientIdentifier", "the Client Identifier (API key) registered to that key, entitled to Knox Mobile Enrollment",
		func(s settings) string { return s.Credentials.ClientIdentifier }},
	{"KNOX_SA_TOKEN_URL", "endpoints.saTokenURL", "Samsung Account token endpoint (authorization code → token)",
		func(s settings) string { return s.Endpoints.SATokenURL }},
	{"KNOX_SA_AUTHORIZE_URL", "endpoints.saAuthorizeURL", "Samsung Account authorizeToken endpoint",
		func(s settings) string { return s.Endpoints.SAAuthorizeURL }},
	{"KNOX_SA_CLIENT_ID", "credentials.saClientId", "Samsung Account client_id",
		func(s settings) string { return s.Credentials.SAClientID }},
	{"KNOX_SA_CLIENT_SECRET", "credentials.saClientSecret", "Samsung Account client_secret (the judge checks it never appears in a URL or an undocumented header)",
		func(s settings) string { return s.Credentials.SAClientSecret }},
	{"KNOX_SA_REDIRECT_URI", "credentials.saRedirectUri", "Samsung Account redirect_uri registered for that client",
		func(s settings) string { return s.Credentials.SARedirectURI }},
	{"KNOX_SA_APP_ID", "credentials.saAppId", "the x-osp-appId of authorizeToken calls",
		func(s settings) string { return s.Credentials.SAAppID }},
	{"KNOX_SA_AUTH_CODE", "saAuthCode", "one Samsung Account authorization code for that client: single use, valid for 60 s",
		func(s settings) string { return s.SAAuthCode }},
	{"KNOX_CA_FILE", "caFile", "with `--tls`: PEM of the CA the server's certificate chains to (not set without `--tls`)",
		func(s settings) string { return s.CAFile }},
	{"KNOX_OAUTH_TOKEN_URL", "oauth.tokenURL", "reserved for Knox OAuth 2.0 (`POST /ams/v1/oauth2/token`); not set until the simulated Knox Cloud serves OAuth 2.0",
		func(s settings) string { return oauth(s).TokenURL }},
	{"KNOX_OAUTH_CLIENT_ID", "oauth.clientId", "reserved for the OAuth 2.0 client_id; not set yet",
		func(s settings) string { return oauth(s).ClientID }},
	{"KNOX_OAUTH_CLIENT_SECRET", "oauth.clientSecret", "reserved for the OAuth 2.0 client_secret; not set yet",
		func(s settings) string { return oauth(s).ClientSecret }},
	{EnvConfigFile, "", "path of a JSON file holding all of the above under the keys shown (for tools that read a config file)",
		nil},
}

func oauth(s settings) oauthSettings {
	if s.OAuth == nil {
		return oauthSettings{}
	}
	return *s.OAuth
}

// environ is the variables COMMAND gets on top of knoxconform's own
// environment; an unset value is left out, and any KNOX_* variable inherited
// from the caller's environment is dropped so it cannot point COMMAND at a
// real Knox tenant by accident.
func environ(base []string, s settings, configFile string) []string {
	ours := map[string]bool{}
	for _, v := range envVars {
		ours[v.Name] = true
	}
	var out []string
	for _, kv := range base {
		name, _, _ := cutEnv(kv)
		if !ours[name] {
			out = append(out, kv)
		}
	}
	for _, v := range envVars {
		val := configFile
		if v.value != nil {
			val = v.value(s)
		}
		if val != "" {
			out = append(out, v.Name+"="+val)
		}
	}
	return out
}

func cutEnv(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// writeSettings writes the config file, readable only by its owner: it holds
// the client secret.
func writeSettings(path string, s settings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
