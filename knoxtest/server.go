package knoxtest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
	"github.com/knoxconform/knoxconform/knoxkeys"
	"github.com/knoxconform/knoxconform/reports"
)

// Server is a simulated Knox Cloud listening on loopback.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port" (https with WithTLS).
	URL string

	cfg     config
	ln      net.Listener
	srv     *http.Server
	start   time.Time
	dir     string // temp dir owned by the server, removed on Close
	keys    *knoxkeys.Keys
	keySPKI []byte
	creds   Credentials
	// kgOnlyID and unregisteredID are realistic (JWT-shaped, as the portal issues
	// them) identifiers for the Mistakes list: one registered for Knox Guard only,
	// one registered nowhere. A client that validates the shape of its identifier
	// still sends them, so the server, not the client's own check, answers.
	kgOnlyID       string
	unregisteredID string
	caFile         string
	closing        chan struct{}
	closeOne       sync.Once
	clientOnce     sync.Once
	client         *http.Client
	connSeq        atomic.Int64
	control        http.Handler // sandbox control API, nil in tests
	verifiedJWTs   verifiedJWTs // x-knox-apitoken JWTs that verified (verify_cache.go)

	mu             sync.Mutex
	seq            int
	journal        []*Exchange
	journalBytes   int // estimated bytes the journal holds
	journalDropped int // exchanges dropped to stay within the bounds
	scripts        map[Route][]scriptStep
	jtis           map[string]time.Time // seen jti → when it may be forgotten (expiry.go)
	identifiers    map[string]*identifier
	tokens         map[string]*issuedToken
	saClients      map[string]*saClient
	authCodes      map[string]*authCode
	saTokens       map[string]*saToken
	buckets        map[string]*bucket
	devices        []*device
	// devicePages are device-list bodies already encoded, by page; emptied
	// whenever a device changes.
	devicePages map[int][]byte

	insertsSincePrune int
	lastPrune         time.Time

	// OAuth 2.0 (oauth.go) and Knox Guard (guard.go) state.
	oauthClients   map[string]*oauthClient
	oauthTokens    map[string]*oauthToken
	oauthRefreshes map[string]*oauthRefresh
	oauthCodes     map[string]*oauthCode
	cursorSalt     string
	kgLocked       map[string]bool
	// kgMessages is the last message Knox Guard delivered to each device (IMEI).
	kgMessages map[string]string
}

type identifier struct {
	spki     []byte
	services map[string]bool // "KME", "KG", …
}

type issuedToken struct {
	clientIdentifier string
	expires          time.Time
	revoked          bool
}

type config struct {
	tls               bool
	keys              *knoxkeys.Keys
	clientIdentifier  string
	rate              float64
	burst             int
	retryAfter        string
	devices           int
	maxDevices        int
	pageSize          int
	validityCap       int
	lenientValidity   bool
	jtiOnResources    bool
	badRequestCode    knoxerr.Code
	skew              time.Duration
	authCodeTTL       time.Duration
	maxBody           int64
	addr              string
	keysFile          string
	sandbox           bool
	errorShape        knoxerr.Shape
	oauthLifetime     time.Duration
	mspTenant         bool
	journalEntries    int
	journalBytes      int
	tlsMaterial       *tlsMaterial // nil: the process-wide one
	ln                net.Listener // already listening (the sandbox checks its port first)
	saClientID        string
	saClientSecret    string
	oauthClientID     string
	oauthClientSecret string
	journalRules      []JournalRule
}

// Option configures a Server.
type Option func(*config)

// WithTLS serves HTTPS with a certificate for 127.0.0.1 and localhost signed by a
// CA generated once per process; CAFile names its PEM and Client trusts it.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithKeys makes the server's registered key pair k instead of the process-wide
// generated one; keys.json is still written to the server's own temp dir.
func WithKeys(k *knoxkeys.Keys) Option { return func(c *config) { c.keys = k } }

// WithClientIdentifier registers id (entitled to KME) instead of a generated one.
func WithClientIdentifier(id string) Option { return func(c *config) { c.clientIdentifier = id } }

// WithRateLimit limits resource calls per access token to perSecond with the
// given burst (token bucket); perSecond 0 turns limiting off (the default).
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.rate, c.burst = perSecond, burst }
}

// WithRetryAfterOnRateLimit sends value as Retry-After on natural 429s (off by
// default, as no Knox page documents the header).
func WithRetryAfterOnRateLimit(value string) Option { return func(c *config) { c.retryAfter = value } }

// WithDevices seeds n KME devices (default 25).
func WithDevices(n int) Option { return func(c *config) { c.devices = n } }

// WithMaxDevicesPerCall sets how many devices one delete call may name before the
// server answers 422 (default 100).
func WithMaxDevicesPerCall(n int) Option { return func(c *config) { c.maxDevices = n } }

// WithPageSize sets the device-list page size (default 10).
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithTokenValidityCap sets the largest validityForAccessTokenInMinutes accepted
// (default 30, as Knox's "up to 30 minutes").
func WithTokenValidityCap(minutes int) Option { return func(c *config) { c.validityCap = minutes } }

// WithLenientValidity accepts validityForAccessTokenInMinutes sent as a numeric
// string ("30"), as some Java clients do; by default that is 4002251.
func WithLenientValidity() Option { return func(c *config) { c.lenientValidity = true } }

// WithJTIOnResources rejects a reused jti on resource calls too (400 4002250);
// by default only accesstoken requests need a fresh jti.
func WithJTIOnResources() Option { return func(c *config) { c.jtiOnResources = true } }

// WithBadRequestCode chooses the number in the body of 401 ACCESS_TOKEN_BAD_REQUEST:
// knoxerr.AccessTokenBadRequestAlias (4012250, the default, as Knox's examples) or
// knoxerr.AccessTokenBadRequest (40122050, as Knox's table).
func WithBadRequestCode(c knoxerr.Code) Option { return func(cf *config) { cf.badRequestCode = c } }

// WithErrorShape renders natural error replies in shape (default
// knoxerr.ShapeClassic); scripted steps with their own Shape keep it.
func WithErrorShape(shape knoxerr.Shape) Option { return func(c *config) { c.errorShape = shape } }

// WithClockSkew sets how far past exp a JWT is still accepted (default 30s).
func WithClockSkew(d time.Duration) Option { return func(c *config) { c.skew = d } }

// WithAuthCodeTTL sets how long an authorization code from IssueAuthCode lives
// (default 60s, as Samsung documents for UEM partners).
func WithAuthCodeTTL(d time.Duration) Option { return func(c *config) { c.authCodeTTL = d } }

// WithOAuthTokenLifetime caps the lifetime of OAuth 2.0 access tokens (default:
// expires_in as asked, else 599 s), so that renewal can be tested in seconds.
func WithOAuthTokenLifetime(d time.Duration) Option { return func(c *config) { c.oauthLifetime = d } }

// WithMSPTenant registers the OAuth client as an MSP managing one customer
// (Credentials().OAuthTenantID): its calls need x-wsm-managed-tenantid.
func WithMSPTenant() Option { return func(c *config) { c.mspTenant = true } }

// withAddr listens on addr instead of 127.0.0.1:0 (the sandbox).
func withAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// withKeysFile reports path as Credentials().KeysFile instead of writing one.
func withKeysFile(path string) Option { return func(c *config) { c.keysFile = path } }

// NewServer starts a simulated Knox Cloud on 127.0.0.1:0. It panics when it cannot
// listen or set up its temp dir, as httptest.NewServer does.
func NewServer(opts ...Option) *Server {
	s, err := newServer(opts...)
	if err != nil {
		panic("knoxtest: " + err.Error())
	}
	return s
}

func newServer(opts ...Option) (*Server, error) {
	cfg := config{devices: 25, maxDevices: 100, pageSize: 10, validityCap: 30,
		badRequestCode: knoxerr.AccessTokenBadRequestAlias, skew: 30 * time.Second,
		authCodeTTL: time.Minute, maxBody: 1 << 20, addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.journalEntries <= 0 {
		cfg.journalEntries = DefaultJournalEntries
	}
	if cfg.journalBytes <= 0 {
		cfg.journalBytes = DefaultJournalBytes
	}
	if cfg.pageSize <= 0 {
		cfg.pageSize = 10
	}
	if cfg.validityCap <= 0 {
		cfg.validityCap = 30
	}
	keys := cfg.keys
	if keys == nil {
		var err error
		if keys, err = processKeys(); err != nil {
			return nil, err
		}
	}
	if err := knoxkeys.CheckStrength(keys); err != nil {
		return nil, err
	}
	_, keySPKI, err := spki(keys.PublicB64())
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempRoot(), "knoxtest-")
	if err != nil {
		return nil, fmt.Errorf("create the server's temp dir: %w", err)
	}
	s := &Server{cfg: cfg, start: time.Now(), dir: dir, keys: keys, keySPKI: keySPKI,
		closing: make(chan struct{})}
	keysFile := cfg.keysFile
	if keysFile == "" {
		keysFile = filepath.Join(dir, "keys.json")
		if err := keys.WriteFile(keysFile, knoxkeys.PKCS8); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("write keys.json: %w", err)
		}
	}
	clientID := cfg.clientIdentifier
	if clientID == "" {
		clientID = newClientIdentifier()
	}
	saID, saSecret := cfg.saClientID, cfg.saClientSecret
	if saID == "" || saSecret == "" {
		saID, saSecret = randAlnum(saClientIDLen), randAlnum(saSecretLen)
	}
	s.creds = Credentials{KeysFile: keysFile, ClientIdentifier: clientID,
		SAClientID: saID, SAClientSecret: saSecret,
		SARedirectURI: "https://uem.example.test/knox/sa-callback"}
	s.creds.SAAppID = s.creds.SAClientID
	s.creds.OAuthClientID, s.creds.OAuthClientSecret = cfg.oauthClientID, cfg.oauthClientSecret
	if s.creds.OAuthClientID == "" || s.creds.OAuthClientSecret == "" {
		s.creds.OAuthClientID, s.creds.OAuthClientSecret = newOAuthClientID(), randToken()
	}
	s.creds.OAuthRedirectURI = "https://uem.example.test/knox/oauth-callback"
	if cfg.mspTenant {
		s.creds.OAuthTenantID = "knoxtest-tenant-" + randAlnum(8)
	}
	s.cursorSalt = randHex(4)
	s.kgOnlyID, s.unregisteredID = newServiceIdentifier("KG"), newClientIdentifier()
	s.resetState()

	ln := cfg.ln
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.addr); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("listen on %s: %w (choose another address)", cfg.addr, err)
		}
	}
	scheme := "http"
	if cfg.tls {
		tc, err := s.tlsMaterial()
		if err != nil {
			ln.Close()
			os.RemoveAll(dir)
			return nil, err
		}
		s.caFile = filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(s.caFile, tc.caPEM, 0o644); err != nil {
			ln.Close()
			os.RemoveAll(dir)
			return nil, fmt.Errorf("write the CA file: %w", err)
		}
		ln = tls.NewListener(ln, tc.server.Clone())
		scheme = "https"
	}
	s.ln = ln
	if cfg.sandbox {
		s.control = s.controlHandler()
	}
	s.URL = scheme + "://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, int(s.connSeq.Add(1)))
		},
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

type connKey struct{}

// tlsMaterial is the CA and certificate the server serves with.
func (s *Server) tlsMaterial() (*tlsMaterial, error) {
	if s.cfg.tlsMaterial != nil {
		return s.cfg.tlsMaterial, nil
	}
	return processTLS()
}

// resetState seeds the registered identities and forgets everything learned.
// The caller holds no lock or s.mu.
func (s *Server) resetState() {
	s.seq = 0
	s.journal = nil
	s.journalBytes, s.journalDropped = 0, 0
	s.scripts = map[Route][]scriptStep{}
	s.jtis = map[string]time.Time{}
	s.tokens = map[string]*issuedToken{}
	s.authCodes = map[string]*authCode{}
	s.saTokens = map[string]*saToken{}
	s.buckets = map[string]*bucket{}
	s.identifiers = map[string]*identifier{
		s.creds.ClientIdentifier: {spki: s.keySPKI, services: map[string]bool{"KME": true, "KG": true}},
		s.kgOnlyID:               {spki: s.keySPKI, services: map[string]bool{"KG": true}},
	}
	s.saClients = map[string]*saClient{
		s.creds.SAClientID: {secret: s.creds.SAClientSecret, redirectURI: s.creds.SARedirectURI},
		otherSAClientID:    {secret: otherSAClientSecret, redirectURI: s.creds.SARedirectURI},
	}
	s.devices = seedDevices(s.cfg.devices)
	s.devicePages = map[int][]byte{}
	s.seedOAuthClients()
	s.kgLocked = map[string]bool{}
	s.kgMessages = map[string]string{}
}

// Reset forgets the journal, scripts, issued tokens, codes and seen jtis, and
// reseeds the devices; the registered credentials stay valid.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetState()
}

// Close stops the server, ends hung requests and removes its temp dir. It never
// waits for handlers.
func (s *Server) Close() {
	s.closeOne.Do(func() {
		close(s.closing)
		_ = s.srv.Close()
		if s.client != nil {
			s.client.CloseIdleConnections()
		}
		_ = os.RemoveAll(s.dir)
	})
}

// Client returns an HTTP client for this server (it trusts the CA with WithTLS).
// The same client is returned on every call, so its connections are reused.
func (s *Server) Client() *http.Client {
	s.clientOnce.Do(func() {
		tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
		if s.cfg.tls {
			tc, _ := s.tlsMaterial() // NewServer got it without error
			tr.TLSClientConfig = &tls.Config{RootCAs: tc.clientRoots, MinVersion: tls.VersionTLS12}
		}
		s.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	})
	return s.client
}

// CAFile is the PEM file of the CA that signed the server certificate, "" without TLS.
func (s *Server) CAFile() string { return s.caFile }

// Credentials are the server's registered, working credentials.
func (s *Server) Credentials() Credentials { return s.creds }

// Keys returns the registered key pair (for tests that sign JWTs themselves).
func (s *Server) Keys() *knoxkeys.Keys { return s.keys }

// Endpoints are the base URLs a client is configured with.
func (s *Server) Endpoints() Endpoints {
	return Endpoints{KnoxBaseURL: s.URL, SATokenURL: s.URL + routePath(RouteSAToken),
		SAAuthorizeURL: s.URL + routePath(RouteSAAuthorize), APIBaseURL: s.URL}
}

// Journal returns a copy of every exchange the journal holds, in arrival order:
// all of them unless the bounds (WithJournalLimits) made it drop the oldest. An
// exchange still in progress (a hung request) has Status 0.
func (s *Server) Journal() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Exchange, len(s.journal))
	for i, e := range s.journal {
		out[i] = e.clone()
	}
	return out
}

// ExpireTokens makes every issued access token expired: the next resource call
// with any of them gets a natural 403 4032251 (an OAuth 2.0 token: 401
// invalid_token).
func (s *Server) ExpireTokens() { s.expireTokens() }

// expireTokens is ExpireTokens; it reports how many tokens (Knox and OAuth
// 2.0) it changed and held.
func (s *Server) expireTokens() (changed, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	past := now.Add(-time.Second)
	for _, t := range s.tokens {
		if t.expires.After(past) {
			changed++
		}
		t.expires = past
	}
	for _, t := range s.oauthTokens {
		if t.expires.After(past) {
			changed++
		}
		t.expires = past
	}
	return changed, len(s.tokens) + len(s.oauthTokens)
}

// RevokeTokens invalidates every issued access token (403 4032252 on next use).
func (s *Server) RevokeTokens() { s.revokeTokens() }

// RevokeRefreshTokens revokes every OAuth 2.0 refresh token the server issued,
// as when a user or an administrator withdraws the app's grant: the next
// refresh with any of them is refused with invalid_grant (RFC 6749 §5.2).
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.oauthRefreshes {
		t.revoked = true
	}
}

// revokeTokens is RevokeTokens; it reports how many tokens it changed and held.
func (s *Server) revokeTokens() (changed, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if !t.revoked {
			changed++
		}
		t.revoked = true
	}
	for _, t := range s.oauthTokens {
		if !t.revoked {
			changed++
		}
		t.revoked = true
	}
	return changed, len(s.tokens) + len(s.oauthTokens)
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func routePath(r Route) string {
	_, p, _ := strings.Cut(string(r), " ")
	return p
}

// routeOf maps a request to its route; "" means no such path (404), and a known
// path with the wrong method is reported with ok false too.
func routeOf(r *http.Request) (Route, bool) {
	rt, found := routeByPath[r.URL.Path]
	if !found {
		return "", false
	}
	method, _, _ := strings.Cut(string(rt), " ")
	return rt, method == r.Method
}

// routeByPath maps each route's path to it (every route has a path of its own).
var routeByPath = func() map[string]Route {
	m := map[string]Route{}
	for _, rt := range Routes() {
		m[routePath(rt)] = rt
	}
	return m
}()

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyz"

func randAlnum(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// randToken is an opaque token (43 base64url characters) of the shape the
// reports redact without being told (reports.LooksLikeToken): about one
// random draw in 7,700 has no digit, '-' or '_' and is drawn again, so that
// no token the server issues can reach an artifact by chance.
func randToken() string {
	for {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		if t := base64.RawURLEncoding.EncodeToString(b); reports.LooksLikeToken(t) {
			return t
		}
	}
}

// newClientIdentifier makes a portal-like Client Identifier: an opaque string
// shaped like a JWT, because some clients check that it decodes as one.
// newOAuthClientID is a fresh OAuth 2.0 client id.
func newOAuthClientID() string { return "knoxtest-oauth-" + randAlnum(12) }

func newClientIdentifier() string { return newServiceIdentifier("KME") }

// newServiceIdentifier is a client identifier for service (KME, KG, …) shaped
// like the portal's: a JWT of three base64url parts.
func newServiceIdentifier(service string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"sub":"knoxtest-`+randHex(8)+`","svc":"`+service+`"}`)) + "." +
		enc.EncodeToString([]byte(randHex(16)))
}
