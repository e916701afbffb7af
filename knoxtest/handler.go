package knoxtest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// reply is what a route decided to answer, before rendering.
type reply struct {
	status     int
	code       knoxerr.Code // canonical catalogue code, "" on success
	bodyCode   knoxerr.Code // the code as the body spells it, when not the canonical one
	detail     string
	value      any    // success body, JSON-encoded
	encoded    []byte // success body already encoded (shared: never written to)
	shape      knoxerr.Shape
	retryAfter string
	header     map[string]string
	issued     string // fingerprint of an issued access token
	// issuedRefresh fingerprints an issued OAuth refresh token; cursor and
	// nextCursor are a Knox Configure listing's cursors, page its page.
	issuedRefresh      string
	cursor, nextCursor string
	page               int
}

func ok(v any) reply { return reply{status: http.StatusOK, value: v} }

// fail builds an error reply for a catalogue code, with the catalogue's status.
func fail(c knoxerr.Code, detail string) reply {
	r := reply{code: c.Canonical(), detail: detail}
	if e, found := knoxerr.Lookup(c); found {
		r.status = e.HTTPStatus
	} else if st, isOAuth := oauthHTTPStatus(c); isOAuth {
		r.status = st
	} else if n, isNum := c.Number(); isNum && n >= 400 && n < 600 {
		r.status = n
	} else {
		r.status = http.StatusInternalServerError
	}
	return r
}

// scriptStep is a Step with the number of requests it still answers.
type scriptStep struct {
	Step
	left int
}

// Script appends steps to route's fault script. Steps run in order, each for
// Times requests; after the last one the route behaves naturally again.
func (s *Server) Script(route Route, steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range steps {
		left := st.Times
		if left == 0 {
			left = 1
		}
		s.scripts[route] = append(s.scripts[route], scriptStep{Step: st, left: left})
	}
}

// nextStep consumes one request's worth of route's script.
func (s *Server) nextStep(route Route) (Step, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.scripts[route]
	if len(q) == 0 {
		return Step{}, false
	}
	st := q[0].Step
	if q[0].left != Forever {
		q[0].left--
		if q[0].left <= 0 {
			q = q[1:]
		}
	}
	s.scripts[route] = q
	return st, true
}

// request is what the route handlers see of one request.
type request struct {
	r    *http.Request
	body []byte
	ex   *Exchange
	// dry is set when a script step will replace the reply: handlers decode and
	// record what they can (JWT, jti) but change no other state.
	dry bool
	// secret is the digest of the secret header value the journal record
	// fingerprinted, so that the JWT in it is not hashed again.
	secret digestMemo
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.control != nil && strings.HasPrefix(r.URL.Path, ControlPrefix) {
		s.control.ServeHTTP(w, r)
		return
	}
	arrival := time.Now()
	route, methodOK := routeOf(r)
	req := &request{r: r}
	ex := Exchange{At: arrival.Sub(s.start), Time: arrival, Route: route, Method: r.Method,
		Path: r.URL.Path, Header: redactHeaderMemo(r.Header, &req.secret), Query: redactQuery(r.URL.RawQuery)}
	if id, isInt := r.Context().Value(connKey{}).(int); isInt {
		ex.ConnID = id
	}
	s.mu.Lock()
	s.seq++
	ex.Seq = s.seq
	stored := &Exchange{}
	*stored = ex
	s.journalAdd(stored)
	s.mu.Unlock()
	finish := func(ex Exchange) {
		ex.Duration = time.Since(arrival)
		s.mu.Lock()
		s.journalSet(stored, ex)
		s.mu.Unlock()
	}

	var body []byte
	if r.Body != nil {
		var err error
		body, err = readBody(r, s.cfg.maxBody+1)
		ex.BodySize = int64(len(body))
		if err != nil {
			ex.Status = 0
			finish(ex)
			return
		}
	}
	req.body, req.ex = body, &ex
	var rep reply
	step, scripted := Step{}, false
	switch {
	case route == "":
		rep = fail(knoxerr.HTTPNotFound, "no such path: "+r.URL.Path)
	case !methodOK:
		rep = reply{status: http.StatusMethodNotAllowed, code: "405", detail: r.Method + " is not allowed on " + r.URL.Path,
			header: map[string]string{"Allow": strings.SplitN(string(route), " ", 2)[0]}}
	default:
		step, scripted = s.nextStep(route)
		req.dry = scripted && !step.Pass
		if int64(len(body)) > s.cfg.maxBody {
			rep = fail(knoxerr.ResourceInvalidParam, "request body is larger than the 1 MiB the server accepts")
			break
		}
		if jsonBodyRoute(route) && !isJSONMediaType(r.Header.Get("Content-Type")) {
			rep = fail(knoxerr.ResourceInvalidParam, "the request body must be sent as Content-Type: application/json, not "+
				strconv.Quote(truncate(r.Header.Get("Content-Type"), 64)))
			break
		}
		rep = s.handle(route, req)
	}
	if req.dry {
		rep = injected(step)
		ex.Injected = true
		ex.Fault = step.Fault
	}
	ex.Status, ex.Code, ex.RetryAfter, ex.IssuedToken = rep.status, rep.code, rep.retryAfter, rep.issued
	ex.IssuedRefresh, ex.Cursor, ex.NextCursor, ex.Page = rep.issuedRefresh, rep.cursor, rep.nextCursor, rep.page
	if scripted && step.DelayMs > 0 {
		s.hold(r, time.Duration(step.DelayMs)*time.Millisecond)
	}

	switch ex.Fault {
	case FaultReset:
		ex.Status = 0
		finish(ex)
		resetConn(w)
		return
	case FaultHang:
		ex.Status = 0
		s.mu.Lock()
		s.journalSet(stored, ex)
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		finish(ex)
		// Abort: returning normally would let net/http send an empty 200.
		panic(http.ErrAbortHandler)
	}
	finish(ex)
	s.write(w, route, rep, ex.Fault)
}

// jsonBodyRoute: the route's request carries a JSON body, sent as
// Content-Type: application/json (Knox's API reference shows it on each).
func jsonBodyRoute(r Route) bool {
	switch r {
	case RouteAccessToken, RouteAccessTokenV0, RouteDeleteDevices, RouteKCDevices, RouteKGLock, RouteKGUnlock, RouteKGSendMessage:
		return true
	}
	return false
}

// isJSONMediaType: the Content-Type names application/json (parameters such
// as charset allowed).
func isJSONMediaType(v string) bool {
	mt, _, err := mime.ParseMediaType(v)
	return err == nil && mt == "application/json"
}

// readBody reads at most limit bytes of r's body, as io.ReadAll of an
// io.LimitReader would, in one buffer sized by Content-Length when the client
// sent one (io.ReadAll grows its buffer from 512 bytes, copying each time).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength <= 0 {
		return io.ReadAll(io.LimitReader(r.Body, limit))
	}
	// One byte more than announced, so that the end of the body is read
	// without growing the buffer; no more than 64 KiB before the bytes arrive.
	b := make([]byte, 0, min(r.ContentLength, limit, 64<<10)+1)
	lr := io.LimitReader(r.Body, limit)
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append grow the buffer
		}
	}
}

// hold waits d before the reply is written, or less when the client goes away
// or the server closes.
func (s *Server) hold(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.closing:
	}
}

// handle runs the natural behaviour of route.
func (s *Server) handle(route Route, req *request) reply {
	switch route {
	case RouteAccessToken, RouteAccessTokenV0:
		return s.accessToken(req)
	case RouteListDevices:
		return s.resource(req, s.listDevices)
	case RouteDeleteDevices:
		return s.resource(req, s.deleteDevices)
	case RouteSAToken:
		return s.saTokenExchange(req)
	case RouteSAAuthorize:
		return s.saAuthorize(req)
	case RouteUnimplemented:
		return fail(knoxerr.HTTPNotImplemented, "unassignProfile is not implemented by this server")
	case RouteOAuthToken:
		return s.oauthTokenEndpoint(req)
	case RouteOAuthRevoke:
		return s.oauthRevoke(req)
	case RouteKCDevices:
		return s.bearer(req, ScopeKCDevicesView, &kcRateLimit, s.kcListDevices)
	case RouteKGLock, RouteKGUnlock, RouteKGSendMessage:
		return s.resourceFor(req, "KG", func(req *request) reply { return s.guardCommand(route, req) })
	}
	return fail(knoxerr.HTTPNotFound, "no such path")
}

// injected turns a script step into the reply it stands for.
func injected(st Step) reply {
	var rep reply
	switch {
	case st.Code != "":
		rep = fail(st.Code, "injected by the test's fault script")
		rep.bodyCode = st.Code // a scripted 4012250 stays 4012250 in the body
	case st.Status != 0:
		rep = fail(knoxerr.Code(strconv.Itoa(st.Status)), "injected by the test's fault script")
	case st.Fault == FaultHTML:
		rep = fail("502", "")
	default:
		rep = fail(knoxerr.HTTPInternalServerError, "injected by the test's fault script")
	}
	if st.Status >= 200 && st.Status <= 599 {
		rep.status = st.Status
	} else if st.Status != 0 {
		// net/http panics on statuses outside 100..999 and 1xx is no reply.
		rep = fail(knoxerr.HTTPInternalServerError, "the fault script asked for HTTP status "+strconv.Itoa(st.Status)+", which is not a final status; sent 500 instead")
	}
	rep.shape = st.Shape
	rep.retryAfter = st.RetryAfter
	return rep
}

func (s *Server) write(w http.ResponseWriter, route Route, rep reply, fault Fault) {
	h := w.Header()
	for k, v := range rep.header {
		h.Set(k, v)
	}
	if rep.retryAfter != "" {
		h.Set("Retry-After", rep.retryAfter)
	}
	switch fault {
	case FaultEmpty:
		h.Set("Content-Length", "0")
		w.WriteHeader(rep.status)
		return
	case FaultHTML:
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, "<html><head><title>"+strconv.Itoa(rep.status)+" "+http.StatusText(rep.status)+
			"</title></head><body><center><h1>"+strconv.Itoa(rep.status)+" "+http.StatusText(rep.status)+
			"</h1></center><hr><center>gateway</center></body></html>\n")
		return
	case FaultTruncated:
		const cut = `{"totalCount":25,"deviceList":[{"imei":"35000000000`
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(cut)))
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, cut)
		return
	}
	var body []byte
	switch {
	case rep.code == "" && rep.status < 400 && rep.encoded != nil:
		body = rep.encoded
	case rep.code == "" && rep.status < 400:
		body, _ = json.Marshal(rep.value)
	default:
		body = s.renderError(route, rep)
	}
	if len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

// renderError writes rep as an error body in its shape (the route's natural one
// when unset: classic for every route the simulation serves).
func (s *Server) renderError(route Route, rep reply) []byte {
	shape := rep.shape
	if shape == "" {
		shape = s.cfg.errorShape
	}
	if shape == "" {
		shape = naturalShape(route, rep.code)
	}
	if shape == "" {
		shape = knoxerr.ShapeClassic
	}
	code := rep.code
	name := strings.ToUpper(strings.ReplaceAll(http.StatusText(rep.status), " ", "_"))
	var codeValue any = string(code)
	sa := strings.HasPrefix(string(code), "AUT_") || strings.HasPrefix(string(code), "LIC_")
	if e, found := knoxerr.Lookup(code); found {
		if e.Family == knoxerr.FamilyHTTP {
			name = strings.ToUpper(strings.ReplaceAll(e.Name, " ", "_"))
		} else {
			name = e.Name
		}
	}
	if code == knoxerr.HTTPForbidden {
		name = "AUTHORIZATION_FAIL"
	}
	switch {
	case rep.bodyCode != "":
		code = rep.bodyCode
	case code == knoxerr.AccessTokenBadRequest:
		code = s.cfg.badRequestCode
	}
	if n, isNum := code.Number(); isNum {
		codeValue = n
	}
	detail := rep.detail
	if detail == "" {
		detail = name
	}
	var v any
	switch shape {
	case knoxerr.ShapeEmpty:
		return nil
	case knoxerr.ShapeOpaque:
		return []byte("<html><body><h1>" + strconv.Itoa(rep.status) + " " + http.StatusText(rep.status) + "</h1></body></html>")
	case knoxerr.ShapeArray:
		v = map[string]any{"code": []any{codeValue}, "message": []string{name}, "data": []string{detail}}
	case knoxerr.ShapeResult:
		v = map[string]any{"result": "FAIL", "error": map[string]any{"code": codeValue, "message": name, "reason": detail}}
	case knoxerr.ShapeOAuth:
		errName := strings.ToLower(name)
		if sa || code.IsOAuth() {
			errName = string(code)
		}
		v = map[string]any{"error": errName, "error_description": detail}
	default:
		if sa {
			v = map[string]any{"code": string(code), "message": detail}
		} else {
			m := map[string]any{"code": codeValue, "message": name, "data": detail}
			if rep.status != http.StatusUnauthorized {
				m["errorId"] = randHex(8)
			}
			v = m
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// resetConn closes the connection before any response byte, with an RST where
// the platform allows.
func resetConn(w http.ResponseWriter) {
	hj, isHJ := w.(http.Hijacker)
	if !isHJ {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	raw := conn
	if nc, isTLS := conn.(interface{ NetConn() net.Conn }); isTLS {
		raw = nc.NetConn()
	}
	if tcp, isTCP := raw.(*net.TCPConn); isTCP {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// secretHeaders are redacted in the journal.
var secretHeaders = map[string]bool{"X-Knox-Apitoken": true, "Authorization": true, "Cookie": true,
	"X-Knox-Apikey": true, "X-Wsm-Api-Token": true, "Proxy-Authorization": true}

func redacted(v string) string { return "<redacted " + fingerprint(v) + ">" }

func redactHeader(h http.Header) map[string]string { return redactHeaderMemo(h, nil) }

// redactHeaderMemo is redactHeader; memo (when not nil) keeps the digest of a
// secret value it fingerprinted.
func redactHeaderMemo(h http.Header, memo *digestMemo) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		v := strings.Join(vs, ", ")
		if secretHeaders[ck] {
			v = "<redacted " + fingerprintSum(memo.sum256(v)) + ">"
		}
		out[ck] = v
	}
	return out
}

// secretParam reports whether a query or form parameter holds a secret.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"secret", "token", "password", "code", "key", "jwt", "assertion"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return "<unparseable query redacted " + fingerprint(raw) + ">"
	}
	changed := false
	for k, vs := range vals {
		if secretParam(k) {
			for i := range vs {
				vs[i] = redacted(vs[i])
			}
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return vals.Encode()
}

// decodeJSONObject decodes body as one JSON object with numbers kept as text.
func decodeJSONObject(body []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("body is JSON null, an object was expected")
	}
	return m, nil
}

// digestMemo remembers the SHA-256 of the last string it hashed (one request's
// x-knox-apitoken, fingerprinted for the journal and then for the JWT record).
// A nil *digestMemo remembers nothing.
type digestMemo struct {
	s   string
	sum [sha256.Size]byte
	set bool
}

func (m *digestMemo) sum256(s string) [sha256.Size]byte {
	if m != nil && m.set && m.s == s {
		return m.sum
	}
	sum := sha256.Sum256(stringBytes(s))
	if m != nil {
		m.s, m.sum, m.set = s, sum, true
	}
	return sum
}
