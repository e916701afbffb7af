package knoxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/knoxconform/knoxconform/knoxkeys"
)

// SandboxConfig configures RunSandbox (`knoxconform serve`).
type SandboxConfig struct {
	// Addr is the listen address; "" means 127.0.0.1:0 (a free port).
	Addr string
	// KeysFile is an existing keys.json to register; "" generates one into Dir.
	KeysFile string
	// ClientIdentifier is registered (entitled to KME) instead of a generated one.
	ClientIdentifier string
	// Dir receives a generated keys.json (and the CA file with TLS); "" makes a
	// temp dir. An existing Dir/keys.json is reused, so restarts keep credentials.
	Dir string
	// TLS serves HTTPS with a generated CA (its PEM is written next to keys.json).
	TLS bool
	// Options are further server options (rate limits, strictness switches).
	Options []Option
	// Ready, when set, is called once the sandbox listens.
	Ready func(*Server)
}

// RunSandbox serves a simulated Knox Cloud on cfg.Addr until ctx ends, printing
// to out what a client must be configured with, plus a JSON control API under
// ControlPrefix (docs/sandbox.md, generated from sandbox_api.go, describes it).
//
// It listens before it generates anything, so a busy port is reported at once.
// With cfg.Dir, every credential persists there across restarts: keys.json,
// sandbox-credentials.json (client identifier, Samsung Account and OAuth 2.0
// clients) and,
// with TLS, the CA (knoxtest-ca.pem, knoxtest-ca-key.pem). Without it they go
// to a temporary directory that is removed when RunSandbox returns.
func RunSandbox(ctx context.Context, cfg SandboxConfig, out io.Writer) error {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w (is another sandbox running? choose another --addr)", addr, err)
	}
	defer ln.Close() // the server owns it once started; closing twice is harmless
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp(tempRoot(), "knoxconform-serve-"); err != nil {
			return fmt.Errorf("serve: create a directory for keys.json: %w", err)
		}
		defer os.RemoveAll(dir) // it holds the private key
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("serve: --dir %s: %w", dir, err)
	}
	keys, keysFile, err := sandboxKeys(cfg, dir, out)
	if err != nil {
		return err
	}
	creds, err := sandboxCredentials(cfg, dir, out)
	if err != nil {
		return err
	}
	opts := append([]Option{WithKeys(keys), withKeysFile(keysFile), withSandbox(), withListener(ln),
		WithClientIdentifier(creds.ClientIdentifier), withSAClient(creds.SAClientID, creds.SAClientSecret),
		withOAuthClient(creds.OAuthClientID, creds.OAuthClientSecret)}, cfg.Options...)
	caFile := ""
	if cfg.TLS {
		caFile = filepath.Join(dir, "knoxtest-ca.pem")
		tm, created, err := loadOrCreateCA(caFile, filepath.Join(dir, "knoxtest-ca-key.pem"))
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		if created {
			fmt.Fprintf(out, "Generated CA      %s\n", caFile)
		} else {
			fmt.Fprintf(out, "Reusing CA        %s\n", caFile)
		}
		opts = append(opts, WithTLS(), withTLSMaterial(tm))
	}
	s, err := newServer(opts...)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer s.Close()
	printSandbox(out, s, caFile)
	if cfg.Ready != nil {
		cfg.Ready(s)
	}
	<-ctx.Done()
	fmt.Fprintln(out, "knoxtest sandbox stopped")
	return nil
}

// sandboxKeys loads --keys, reuses dir/keys.json or generates it.
func sandboxKeys(cfg SandboxConfig, dir string, out io.Writer) (*knoxkeys.Keys, string, error) {
	if cfg.KeysFile != "" {
		keys, err := knoxkeys.Load(cfg.KeysFile)
		if err == nil {
			err = knoxkeys.CheckStrength(keys)
		}
		if err != nil {
			return nil, "", fmt.Errorf("serve: --keys %s: %w", cfg.KeysFile, err)
		}
		fmt.Fprintf(out, "Using keys.json   %s\n", cfg.KeysFile)
		return keys, cfg.KeysFile, nil
	}
	keysFile := filepath.Join(dir, "keys.json")
	if _, statErr := os.Stat(keysFile); statErr == nil {
		keys, err := knoxkeys.Load(keysFile)
		if err == nil {
			err = knoxkeys.CheckStrength(keys)
		}
		if err != nil {
			return nil, "", fmt.Errorf("serve: reuse %s: %w (delete it to generate a new one)", keysFile, err)
		}
		fmt.Fprintf(out, "Reusing keys.json %s\n", keysFile)
		return keys, keysFile, nil
	}
	keys, err := knoxkeys.Generate(knoxkeys.MinBits, "knoxconform-sandbox")
	if err != nil {
		return nil, "", fmt.Errorf("serve: %w", err)
	}
	if err = keys.WriteFile(keysFile, knoxkeys.PKCS8); err != nil {
		return nil, "", fmt.Errorf("serve: write %s: %w", keysFile, err)
	}
	fmt.Fprintf(out, "Generated keys.json %s\n", keysFile)
	return keys, keysFile, nil
}

// sandboxCredentialsFile holds, in --dir, the credentials besides keys.json.
const sandboxCredentialsFile = "sandbox-credentials.json"

type sandboxCreds struct {
	ClientIdentifier  string `json:"clientIdentifier"`
	SAClientID        string `json:"saClientId"`
	SAClientSecret    string `json:"saClientSecret"`
	OAuthClientID     string `json:"oauthClientId,omitempty"`
	OAuthClientSecret string `json:"oauthClientSecret,omitempty"`
}

// sandboxCredentials reuses dir's credentials file or creates it; a
// --client-identifier given on the command line wins and is kept.
func sandboxCredentials(cfg SandboxConfig, dir string, out io.Writer) (sandboxCreds, error) {
	file := filepath.Join(dir, sandboxCredentialsFile)
	var c sandboxCreds
	b, err := os.ReadFile(file)
	switch {
	case err == nil:
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("serve: reuse %s: %v (delete it to generate new credentials)", file, err)
		}
		if !saClientIDPattern.MatchString(c.SAClientID) || len(c.SAClientSecret) != saSecretLen || c.ClientIdentifier == "" {
			return c, fmt.Errorf("serve: reuse %s: saClientId must be 10 characters of 0-9a-z, saClientSecret 32 characters and clientIdentifier set (delete the file to generate new credentials)", file)
		}
		fmt.Fprintf(out, "Reusing credentials %s\n", file)
	case errors.Is(err, fs.ErrNotExist):
		c = sandboxCreds{ClientIdentifier: newClientIdentifier(), SAClientID: randAlnum(saClientIDLen), SAClientSecret: randAlnum(saSecretLen)}
		fmt.Fprintf(out, "Generated credentials %s\n", file)
	default:
		return c, fmt.Errorf("serve: read %s: %w", file, err)
	}
	if cfg.ClientIdentifier != "" {
		c.ClientIdentifier = cfg.ClientIdentifier
	}
	if c.OAuthClientID == "" || c.OAuthClientSecret == "" {
		// A file written before OAuth 2.0 came: add an OAuth client and keep it from now on.
		c.OAuthClientID, c.OAuthClientSecret = newOAuthClientID(), randToken()
	}
	b, err = json.MarshalIndent(c, "", "  ")
	if err == nil {
		err = os.WriteFile(file, append(b, '\n'), 0o600)
	}
	if err != nil {
		return c, fmt.Errorf("serve: write %s: %w", file, err)
	}
	return c, nil
}

func printSandbox(out io.Writer, s *Server, caFile string) {
	c, e := s.Credentials(), s.Endpoints()
	fmt.Fprintf(out, `knoxtest sandbox listening on %s

Configure the client with:
  Knox base URL            %s
  Samsung Account token    %s
  Samsung Account authorize %s
  keys.json                %s
  Client Identifier        %s
  SA client_id / app id    %s
  SA client_secret         %s
  SA redirect_uri          %s

OAuth 2.0 (Knox Configure v2 on %s%s):
  token endpoint           %s%s
  client_id                %s
  client_secret            %s
  redirect_uri             %s
  scopes                   %s %s %s
`, s.URL, e.KnoxBaseURL, e.SATokenURL, e.SAAuthorizeURL, c.KeysFile, c.ClientIdentifier,
		c.SAClientID, c.SAClientSecret, c.SARedirectURI,
		e.APIBaseURL, routePath(RouteKCDevices), e.APIBaseURL, routePath(RouteOAuthToken),
		c.OAuthClientID, c.OAuthClientSecret, c.OAuthRedirectURI, ScopeKCDevicesView, ScopeKCProfileAssign, ScopeKAI)
	if c.OAuthTenantID != "" {
		fmt.Fprintf(out, "  managed tenant (MSP)     %s  (send as x-wsm-managed-tenantid)\n", c.OAuthTenantID)
	}
	if caFile != "" {
		fmt.Fprintf(out, "  CA certificate (PEM)     %s\n", caFile)
	}
	fmt.Fprintf(out, `
Control API: %s%shealth | journal | mistakes (GET); script | authcode | oauthcode | reset | expire | revoke (POST)
  (described in docs/sandbox.md)
Stop with Ctrl-C.
`, s.URL, ControlPrefix)
}

func withSandbox() Option { return func(c *config) { c.sandbox = true } }

// withListener serves on ln, already listening, instead of listening itself.
func withListener(ln net.Listener) Option { return func(c *config) { c.ln = ln } }

// withTLSMaterial serves with tm instead of the process-wide CA.
func withTLSMaterial(tm *tlsMaterial) Option { return func(c *config) { c.tlsMaterial = tm } }

// withOAuthClient registers the OAuth 2.0 client id and secret instead of
// generated ones.
func withOAuthClient(id, secret string) Option {
	return func(c *config) { c.oauthClientID, c.oauthClientSecret = id, secret }
}

// withSAClient registers the Samsung Account client id and secret instead of
// generated ones.
func withSAClient(id, secret string) Option {
	return func(c *config) { c.saClientID, c.saClientSecret = id, secret }
}

// TempDirEnv, when set, names the directory under which every Server makes its
// temporary directory (which holds a keys.json with a private key). knoxconform
// run points it at one directory per run and removes that when the run ends,
// however it ends: an interrupt may skip the servers' own Close.
const TempDirEnv = "KNOXTEST_TMPDIR"

// tempRoot is where temporary directories go: $KNOXTEST_TMPDIR, else the
// system's temporary directory.
func tempRoot() string {
	if d := os.Getenv(TempDirEnv); d != "" {
		return d
	}
	return os.TempDir()
}
