package knoxtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// Knox Configure v2 (knox-api.md §5; https://docs.samsungknox.com/dev/knox-configure/tutorials/v2/manage-devices/):
// POST /kc/v2/devices/getDevices on the api host, Bearer with scope
// kc.devices:view, JSON body {pageSize?, searchAfter?, …}; pageSize defaults to
// 25 and may be at most 100; the answer carries a nextSearchAfter cursor; Knox
// Configure allows 10 requests per second per token
// (https://docs.samsungknox.com/dev/knox-configure/error-codes/).
//
// Not published, so the simulation's own: the answer's layout
// {"devices":[…],"totalCount":n,"nextSearchAfter":"…"} (the cursor absent on the
// last page), the device fields (deviceId, serialNumber, model, profileId,
// deviceState), the cursor's encoding (opaque, bound to this server; a cursor
// the server did not issue is 400 4000000), a pageSize outside 1..100 is 400
// 4000000 in the classic body, and a 429 carries the classic body.
const (
	kcDefaultPageSize = 25
	kcMaxPageSize     = 100
)

// kcRateLimit is Knox Configure's documented 10 requests per second per token.
var kcRateLimit = routeLimit{name: "kc", perSecond: 10, burst: 10}

type kcDevice struct {
	DeviceID     string `json:"deviceId"`
	SerialNumber string `json:"serialNumber"`
	Model        string `json:"model"`
	ProfileID    string `json:"profileId"`
	DeviceState  string `json:"deviceState"`
}

// kcListDevices answers one page of the Knox Configure device listing.
func (s *Server) kcListDevices(req *request) reply {
	var body struct {
		PageSize    *json.Number `json:"pageSize"`
		SearchAfter *string      `json:"searchAfter"`
	}
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := json.Unmarshal(req.body, &body); err != nil {
			return fail(knoxerr.ResourceInvalidParam, "the body must be a JSON object {pageSize?, searchAfter?}")
		}
	}
	size := kcDefaultPageSize
	if body.PageSize != nil {
		n, err := strconv.Atoi(body.PageSize.String())
		if err != nil || n < 1 || n > kcMaxPageSize {
			return fail(knoxerr.ResourceInvalidParam, fmt.Sprintf("pageSize must be an integer from 1 to %d, got %s", kcMaxPageSize, truncate(body.PageSize.String(), 16)))
		}
		size = n
	}
	from := 0
	cursor := ""
	if body.SearchAfter != nil && *body.SearchAfter != "" {
		cursor = *body.SearchAfter
		n, ok := s.decodeCursor(cursor)
		if !ok {
			r := fail(knoxerr.ResourceInvalidParam, "searchAfter is not a cursor this server issued; send the nextSearchAfter of the previous page")
			r.cursor = truncate(cursor, 64)
			return r
		}
		from = n
	}
	s.mu.Lock()
	var live []kcDevice
	for _, d := range s.devices {
		if !d.deleted {
			live = append(live, kcDevice{DeviceID: d.IMEI, SerialNumber: d.SerialNumber, Model: d.Model,
				ProfileID: "kc-profile-1", DeviceState: "ASSIGNED"})
		}
	}
	s.mu.Unlock()
	page := []kcDevice{}
	if from < len(live) {
		page = live[from:min(from+size, len(live))]
	}
	value := map[string]any{"devices": page, "totalCount": len(live)}
	next := ""
	if end := from + len(page); end < len(live) {
		next = s.encodeCursor(end)
		value["nextSearchAfter"] = next
	}
	r := ok(value)
	r.cursor, r.nextCursor, r.page = cursor, next, from/size
	return r
}

// encodeCursor makes the opaque cursor that resumes a listing at index from.
func (s *Server) encodeCursor(from int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s.cursorSalt + ":" + strconv.Itoa(from)))
}

func (s *Server) decodeCursor(c string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	salt, n, found := strings.Cut(string(raw), ":")
	if !found || salt != s.cursorSalt {
		return 0, false
	}
	from, err := strconv.Atoi(n)
	return from, err == nil && from > 0
}
