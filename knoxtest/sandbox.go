package knoxtest

import (
	"context"
	"fmt"
	"io"
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
// ControlPrefix:
//
//	GET  /_knoxtest/health    {"status":"ok","endpoints":{…}}
//	GET  /_knoxtest/journal   the journal, as []Exchange
//	GET  /_knoxtest/mistakes  the configuration mistakes, as []Mistake
//	POST /_knoxtest/script    {"route":"GET /kcs/v1/kme/devices/list","steps":[Step…]}
//	POST /_knoxtest/authcode  {"clientId":"…"} → {"code":"…"} (clientId defaults to the SA client)
//	POST /_knoxtest/reset     forget journal, scripts, tokens and codes
//	POST /_knoxtest/expire    ExpireTokens;  POST /_knoxtest/revoke  RevokeTokens
func RunSandbox(ctx context.Context, cfg SandboxConfig, out io.Writer) error {
	dir := cfg.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "knoxconform-serve-"); err != nil {
			return fmt.Errorf("serve: create a directory for keys.json: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("serve: --dir %s: %w", dir, err)
	}
	keysFile := cfg.KeysFile
	var keys *knoxkeys.Keys
	var err error
	switch {
	case keysFile != "":
		if keys, err = knoxkeys.Load(keysFile); err != nil {
			return fmt.Errorf("serve: --keys: %w", err)
		}
		fmt.Fprintf(out, "Using keys.json   %s\n", keysFile)
	default:
		keysFile = filepath.Join(dir, "keys.json")
		if _, statErr := os.Stat(keysFile); statErr == nil {
			if keys, err = knoxkeys.Load(keysFile); err != nil {
				return fmt.Errorf("serve: reuse %s: %w (delete it to generate a new one)", keysFile, err)
			}
			fmt.Fprintf(out, "Reusing keys.json %s\n", keysFile)
		} else {
			if keys, err = knoxkeys.Generate(2048, "knoxconform-sandbox"); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			if err = keys.WriteFile(keysFile, knoxkeys.PKCS8); err != nil {
				return fmt.Errorf("serve: write %s: %w", keysFile, err)
			}
			fmt.Fprintf(out, "Generated keys.json %s\n", keysFile)
		}
	}
	opts := append([]Option{WithKeys(keys), withKeysFile(keysFile), withSandbox()}, cfg.Options...)
	if cfg.ClientIdentifier != "" {
		opts = append(opts, WithClientIdentifier(cfg.ClientIdentifier))
	}
	if cfg.Addr != "" {
		opts = append(opts, withAddr(cfg.Addr))
	}
	if cfg.TLS {
		opts = append(opts, WithTLS())
	}
	s, err := newServer(opts...)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer s.Close()
	caFile := ""
	if cfg.TLS {
		// The server's own copy lives in its temp dir; keep one beside keys.json.
		tm, err := processTLS()
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		caFile = filepath.Join(dir, "knoxtest-ca.pem")
		if err := os.WriteFile(caFile, tm.caPEM, 0o644); err != nil {
			return fmt.Errorf("serve: write %s: %w", caFile, err)
		}
	}
	printSandbox(out, s, caFile)
	if cfg.Ready != nil {
		cfg.Ready(s)
	}
	<-ctx.Done()
	fmt.Fprintln(out, "knoxtest sandbox stopped")
	return nil
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
`, s.URL, e.KnoxBaseURL, e.SATokenURL, e.SAAuthorizeURL, c.KeysFile, c.ClientIdentifier,
		c.SAClientID, c.SAClientSecret, c.SARedirectURI)
	if caFile != "" {
		fmt.Fprintf(out, "  CA certificate (PEM)     %s\n", caFile)
	}
	fmt.Fprintf(out, `
Control API: %s%shealth | journal | mistakes (GET); script | authcode | reset | expire | revoke (POST)
Stop with Ctrl-C.
`, s.URL, ControlPrefix)
}

func withSandbox() Option { return func(c *config) { c.sandbox = true } }
