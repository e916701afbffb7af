package knoxtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

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

// sandboxJournalCap bounds the sandbox journal; older exchanges are dropped.
const sandboxJournalCap = 10000

// RunSandbox serves a simulated Knox Cloud on cfg.Addr until ctx ends, printing
// to out what a client must be configured with, plus a JSON control API under
// ControlPrefix:
//
//	GET  /_knoxtest/health    {"status":"ok","endpoints":{…}}
//	GET  /_knoxtest/journal   the journal, as []Exchange
//	GET  /_knoxtest/mistakes  the configuration mistakes, as []Mistake
//	POST /_knoxtest/script    {"route":"GET /kcs/v1/kme/devices/list","steps":[Step…]}
//	POST /_knoxtest/authcode  {"clientId":"…"} → {"code":"…"} (clientId defaults to the SA client)
//	POST /_knoxtest/oauthcode OAuthCode → {"code":"…"}: a Knox OAuth 2.0 authorization code
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
Stop with Ctrl-C.
`, s.URL, ControlPrefix)
}

func withSandbox() Option { return func(c *config) { c.sandbox = true } }

// controlHandler serves the sandbox control API.
func (s *Server) controlHandler() http.Handler {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	bad := func(w http.ResponseWriter, format string, args ...any) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf(format, args...)})
	}
	decode := func(r *http.Request, v any) error {
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		return nil
	}
	p := ControlPrefix
	mux.HandleFunc("GET "+p+"health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "endpoints": s.Endpoints()})
	})
	mux.HandleFunc("GET "+p+"journal", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Journal())
	})
	mux.HandleFunc("GET "+p+"mistakes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Mistakes())
	})
	mux.HandleFunc("POST "+p+"script", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Route Route  `json:"route"`
			Steps []Step `json:"steps"`
		}
		if err := decode(r, &req); err != nil {
			bad(w, `script: body must be {"route": "METHOD /path", "steps": [...]}: %v`, err)
			return
		}
		known := false
		for _, rt := range Routes() {
			known = known || rt == req.Route
		}
		if !known {
			names := make([]string, 0, len(Routes()))
			for _, rt := range Routes() {
				names = append(names, string(rt))
			}
			bad(w, "script: unknown route %q; use one of: %s", req.Route, strings.Join(names, ", "))
			return
		}
		for i, st := range req.Steps {
			if st.Times < Forever {
				bad(w, "script: steps[%d].times is %d; use a count ≥ 0 or %d for forever", i, st.Times, Forever)
				return
			}
			switch st.Fault {
			case FaultNone, FaultReset, FaultHang, FaultEmpty, FaultHTML, FaultTruncated:
			default:
				bad(w, "script: steps[%d].fault %q is not one of reset, hang, empty, html", i, st.Fault)
				return
			}
			if st.Status != 0 && (st.Status < 100 || st.Status > 599) {
				bad(w, "script: steps[%d].status %d is not an HTTP status", i, st.Status)
				return
			}
		}
		s.Script(req.Route, req.Steps...)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "route": req.Route, "steps": len(req.Steps)})
	})
	mux.HandleFunc("POST "+p+"authcode", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ClientID string `json:"clientId"`
		}
		if err := decode(r, &req); err != nil {
			bad(w, `authcode: body must be {"clientId": "..."}: %v`, err)
			return
		}
		if req.ClientID == "" {
			req.ClientID = s.creds.SAClientID
		}
		writeJSON(w, http.StatusOK, map[string]string{"code": s.IssueAuthCode(req.ClientID)})
	})
	mux.HandleFunc("POST "+p+"oauthcode", func(w http.ResponseWriter, r *http.Request) {
		var req OAuthCode
		if err := decode(r, &req); err != nil {
			bad(w, `oauthcode: body must be {"clientId"?, "redirectUri"?, "scope"?, "codeChallenge"?, "codeChallengeMethod"?}: %v`, err)
			return
		}
		if m := req.CodeChallengeMethod; m != "" && m != "S256" && m != "plain" {
			bad(w, "oauthcode: codeChallengeMethod %q is not S256 or plain", m)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"code": s.IssueOAuthCode(req)})
	})
	for name, fn := range map[string]func(){"reset": s.Reset, "expire": s.ExpireTokens, "revoke": s.RevokeTokens} {
		mux.HandleFunc("POST "+p+name, func(w http.ResponseWriter, r *http.Request) {
			fn()
			writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
		})
	}
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no control endpoint " + r.Method + " " + r.URL.Path +
			"; see GET " + p + "health, journal, mistakes and POST script, authcode, oauthcode, reset, expire, revoke"})
	})
	return mux
}
