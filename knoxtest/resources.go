package knoxtest

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// device is one seeded KME device.
type device struct {
	IMEI         string `json:"mei"`
	SerialNumber string `json:"serialNumber"`
	Model        string `json:"model"`
	ProfileName  string `json:"profileName"`
	TenantName   string `json:"tenantName"`
	OrderID      string `json:"orderId"`
	UserName     string `json:"userName"`
	Tags         string `json:"tags"`
	UploadID     string `json:"uploadId"`
	ResellerName string `json:"resellerName"`
	CreateTime   int64  `json:"createTime"`
	UpdateTime   int64  `json:"updateTime"`
	ResellerTime int64  `json:"resellerUploadTime"`
	locked       bool   // a delete of it lands in failedDeviceList
	deleted      bool
}

// seedDevices makes n deterministic devices; every seventh is locked (deleting
// it fails), so bulk deletes can partially fail.
func seedDevices(n int) []*device {
	if n < 0 {
		n = 0
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	out := make([]*device, n)
	for i := range out {
		out[i] = &device{
			IMEI:         fmt.Sprintf("35%013d", 1000+i),
			SerialNumber: fmt.Sprintf("R58N%07d", i),
			Model:        "SM-G991B",
			ProfileName:  "knoxtest-profile",
			TenantName:   "knoxtest",
			OrderID:      fmt.Sprintf("ORD-%04d", i/10),
			Tags:         "",
			UploadID:     fmt.Sprintf("upload-%d", i/10),
			ResellerName: "knoxtest reseller",
			CreateTime:   base + int64(i)*60000,
			UpdateTime:   base + int64(i)*60000,
			ResellerTime: base + int64(i)*60000,
			locked:       i%7 == 6,
		}
	}
	return out
}

// bucket is a token bucket for one access token.
type bucket struct {
	tokens float64
	last   time.Time
}

// takeToken reports whether a call with token fp is within the rate limit.
func (s *Server) takeToken(fp string) bool {
	if s.cfg.rate <= 0 {
		return true
	}
	burst := float64(s.cfg.burst)
	if burst < 1 {
		burst = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	b := s.buckets[fp]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		s.buckets[fp] = b
		s.remembered(now)
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*s.cfg.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// acceptsJSON reports whether an Accept header allows application/json.
func acceptsJSON(accept string) bool {
	switch strings.TrimSpace(accept) {
	case "", "application/json", "*/*": // what clients send, answered without parsing
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, has := params["q"]; has {
			if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
				continue
			}
		}
		switch mt {
		case "application/json", "application/*", "*/*":
			return true
		}
	}
	return false
}

// resource authenticates a KME call with x-knox-apitoken and then runs fn.
func (s *Server) resource(req *request, fn func(*request) reply) reply {
	return s.resourceFor(req, "KME", fn)
}

// serviceNames are the services a client identifier may be entitled to.
var serviceNames = map[string]string{"KME": "Knox Mobile Enrollment", "KG": "Knox Guard"}

// resourceFor authenticates a call of service ("KME", "KG") with
// x-knox-apitoken and then runs fn.
func (s *Server) resourceFor(req *request, service string, fn func(*request) reply) reply {
	raw := strings.TrimSpace(req.r.Header.Get("X-Knox-Apitoken"))
	if raw == "" {
		return fail(knoxerr.HTTPUnauthorized, "x-knox-apitoken header is missing")
	}
	sum := req.secret.sum256(raw)
	d, claimSPKI, known := s.verifiedJWTs.get(sum)
	if !known {
		var err error
		d, err = decodeJWTSum(raw, sum)
		req.ex.JWT = &d.rec
		if err != nil {
			return fail(knoxerr.AccessTokenBadRequest, err.Error())
		}
		var pub *rsa.PublicKey
		pub, claimSPKI, err = spki(d.publicKey)
		if err != nil {
			return d.reject(knoxerr.AccessTokenBadRequest, "the JWT's publicKey claim cannot be decoded: "+err.Error())
		}
		if err := d.verifyKey(pub, claimSPKI); err != nil {
			return fail(knoxerr.AccessTokenBadRequest, err.Error())
		}
		s.verifiedJWTs.put(d, claimSPKI)
	}
	req.ex.JWT = &d.rec
	if d.accessToken == "" {
		return d.reject(knoxerr.AccessTokenBadRequest, "the JWT has no accessToken claim")
	}
	if s.cfg.jtiOnResources {
		if r, rejected := s.checkJTI(d); rejected {
			return r
		}
	}
	if req.dry {
		return reply{}
	}
	now := time.Now()
	s.mu.Lock()
	tok := s.tokens[d.accessToken]
	var id *identifier
	var revoked bool
	var expires time.Time
	if tok != nil {
		id, revoked, expires = s.identifiers[tok.clientIdentifier], tok.revoked, tok.expires
	}
	s.mu.Unlock()
	switch {
	case tok == nil:
		d.rec.Problem = "the accessToken claim is not a token this server issued"
		return fail(knoxerr.AccessTokenInvalid, "ACCESS_TOKEN_INVALID")
	case revoked:
		d.rec.Problem = "the access token was revoked"
		return fail(knoxerr.AccessTokenInvalid, "ACCESS_TOKEN_INVALID")
	case id == nil || !sameKey(id.spki, claimSPKI):
		return d.reject(knoxerr.AccessTokenBadRequest, "the JWT is signed with a key other than the one the access token was issued to")
	case now.After(expires):
		d.rec.Problem = "the access token has expired"
		return fail(knoxerr.AccessTokenExpired, "access token has expired")
	case d.expired(now, s.cfg.skew):
		return d.rejectExpired()
	case !id.services[service]:
		d.rec.Problem = "the client identifier is not entitled to " + serviceNames[service]
		return fail(knoxerr.HTTPForbidden, "the client identifier of this token is not entitled to "+serviceNames[service])
	}
	if !acceptsJSON(req.r.Header.Get("Accept")) {
		return fail(knoxerr.HTTPNotAcceptable, "Accept "+truncate(req.r.Header.Get("Accept"), 64)+" rules out application/json")
	}
	if !s.takeToken(d.rec.TokenFingerprint) {
		r := fail(knoxerr.HTTPTooManyRequests, "rate limit of this access token exceeded")
		r.retryAfter = s.cfg.retryAfter
		return r
	}
	return fn(req)
}

// listDevices is GET /kcs/v1/kme/devices/list?pageNum=N (0-based pages).
func (s *Server) listDevices(req *request) reply {
	page := 0
	if v := req.r.URL.Query().Get("pageNum"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail(knoxerr.ResourceInvalidParam, "pageNum must be a non-negative integer")
		}
		page = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if body, hit := s.devicePages[page]; hit {
		return reply{status: http.StatusOK, encoded: body}
	}
	// Copy only the page asked for; the count needs every live device.
	from := page * s.cfg.pageSize
	if from < 0 || page > len(s.devices) {
		from = len(s.devices)
	}
	list, live := make([]device, 0, max(0, min(s.cfg.pageSize, len(s.devices)))), 0
	for _, d := range s.devices {
		if d.deleted {
			continue
		}
		if live >= from && live < from+s.cfg.pageSize {
			list = append(list, *d)
		}
		live++
	}
	// The fields in the order json.Marshal sorts a map's keys, as the body
	// was once a map[string]any.
	body, err := json.Marshal(struct {
		DeviceList []device `json:"deviceList"`
		TotalCount int      `json:"totalCount"`
	}{list, live})
	if err != nil {
		return ok(map[string]any{"totalCount": live, "deviceList": list})
	}
	if len(s.devicePages) < maxDevicePages {
		s.devicePages[page] = body
	}
	return reply{status: http.StatusOK, encoded: body}
}

// maxDevicePages bounds the encoded device-list pages a server keeps; a
// client asking for pages far past the end gets them encoded each time.
const maxDevicePages = 64

// deleteDevices is POST /kcs/v1/kme/devices/delete.
func (s *Server) deleteDevices(req *request) reply {
	var body struct {
		Devices *struct {
			IMEIOrSerials []string `json:"imeiOrSerials"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil || body.Devices == nil {
		return fail(knoxerr.ResourceInvalidParam, `body must be {"devices":{"imeiOrSerials":[…]}}`)
	}
	ids := body.Devices.IMEIOrSerials
	if len(ids) == 0 {
		return fail(knoxerr.ResourceInvalidParam, "Device ID list cannot be empty")
	}
	if len(ids) > s.cfg.maxDevices {
		return fail(knoxerr.HTTPUnprocessableEntity, fmt.Sprintf("%d devices in one call; at most %d are allowed", len(ids), s.cfg.maxDevices))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	success, failed, notFound := []string{}, []string{}, []string{}
	for _, id := range ids {
		var hit *device
		for _, d := range s.devices {
			if !d.deleted && (d.IMEI == id || d.SerialNumber == id) {
				hit = d
				break
			}
		}
		switch {
		case hit == nil:
			notFound = append(notFound, id)
		case hit.locked:
			failed = append(failed, id)
		default:
			hit.deleted = true
			clear(s.devicePages) // every page and the count change
			success = append(success, id)
		}
	}
	return ok(map[string]any{"successDeviceList": success, "failedDeviceList": failed, "notFoundDeviceList": notFound})
}
