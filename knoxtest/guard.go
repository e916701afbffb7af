package knoxtest

import (
	"encoding/json"
	"strings"

	"github.com/knoxconform/knoxconform/knoxerr"
)

// Knox Guard device commands (knox-api.md §4, §5;
// https://docs.samsungknox.com/dev/knox-guard/get-started/ and its error-codes
// page): legacy Knox Cloud Authentication only (Knox Guard does not take OAuth
// 2.0), state-changing commands lock, unlock and sendMessage addressed by
// deviceUid (IMEI or serial), answered {"result":"SUCCESS","objectId","requestedId"}
// or the result/error body {"result":"FAIL","error":{code,message,reason}}; bulk
// answers {"count","success","fail","resultList":[…]} with one result/error item
// per device.
//
// The simulation's own choices, as Samsung does not publish them: the exact
// paths (RouteKGLock …), that one route takes a single device
// ({"deviceUid":"…","message":"…"}) or a bulk ({"deviceUids":[…],"message":"…"},
// at most 100), that an unknown device is 404 4040000 (single) or a FAIL item
// with code "4040000" (bulk), that sendMessage needs a non-empty message
// (400 4000000), and that lock and unlock are idempotent.
const kgMaxBulk = 100

// naturalShape is the error-body layout a route answers in by nature: Knox
// Guard's result/error, OAuth's RFC 6749 body, classic elsewhere.
func naturalShape(route Route, code knoxerr.Code) knoxerr.Shape {
	switch {
	case code.IsOAuth():
		return knoxerr.ShapeOAuth
	case route == RouteKGLock, route == RouteKGUnlock, route == RouteKGSendMessage:
		return knoxerr.ShapeResult
	}
	return knoxerr.ShapeClassic
}

type kgItem struct {
	Result      string         `json:"result"`
	ObjectID    string         `json:"objectId,omitempty"`
	RequestedID string         `json:"requestedId"`
	Error       map[string]any `json:"error,omitempty"`
}

// guardCommand runs lock, unlock or sendMessage on one device or a bulk.
func (s *Server) guardCommand(route Route, req *request) reply {
	var body struct {
		DeviceUID  *string  `json:"deviceUid"`
		DeviceUIDs []string `json:"deviceUids"`
		Message    string   `json:"message"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil {
		return fail(knoxerr.ResourceInvalidParam, `the body must be {"deviceUid": "…", "message": "…"} or {"deviceUids": […], …}`)
	}
	bulk := body.DeviceUIDs != nil
	switch {
	case bulk == (body.DeviceUID != nil):
		return fail(knoxerr.ResourceInvalidParam, "send exactly one of deviceUid (one device) and deviceUids (a bulk)")
	case !bulk && strings.TrimSpace(*body.DeviceUID) == "":
		return fail(knoxerr.ResourceInvalidParam, "deviceUid is empty")
	case bulk && len(body.DeviceUIDs) == 0:
		return fail(knoxerr.ResourceInvalidParam, "deviceUids is empty")
	case bulk && len(body.DeviceUIDs) > kgMaxBulk:
		return fail(knoxerr.HTTPUnprocessableEntity, "at most 100 devices per bulk command")
	case route == RouteKGSendMessage && strings.TrimSpace(body.Message) == "":
		return fail(knoxerr.ResourceInvalidParam, "sendMessage needs a non-empty message")
	}
	uids := body.DeviceUIDs
	if !bulk {
		uids = []string{*body.DeviceUID}
	}
	s.mu.Lock()
	items := make([]kgItem, 0, len(uids))
	success := 0
	for _, uid := range uids {
		var hit *device
		for _, d := range s.devices {
			if !d.deleted && (d.IMEI == uid || d.SerialNumber == uid) {
				hit = d
				break
			}
		}
		if hit == nil {
			items = append(items, kgItem{Result: knoxerr.ResultFail, RequestedID: uid, Error: map[string]any{
				"code": string(knoxerr.ResourceNotFound), "message": "RESOURCE_NOT_FOUND", "reason": "no Knox Guard device " + truncate(uid, 40)}})
			continue
		}
		switch route {
		case RouteKGLock:
			s.kgLocked[hit.IMEI] = true
		case RouteKGUnlock:
			delete(s.kgLocked, hit.IMEI)
		case RouteKGSendMessage:
			s.kgMessages[hit.IMEI] = body.Message
		}
		success++
		items = append(items, kgItem{Result: knoxerr.ResultSuccess, ObjectID: "kg-" + hit.IMEI, RequestedID: uid})
	}
	s.mu.Unlock()
	if !bulk {
		if items[0].Result == knoxerr.ResultFail {
			return fail(knoxerr.ResourceNotFound, "no Knox Guard device "+truncate(uids[0], 40))
		}
		return ok(items[0])
	}
	return ok(map[string]any{"count": len(items), "success": success, "fail": len(items) - success, "resultList": items})
}

// GuardMessage is the last message Knox Guard delivered to device uid (IMEI),
// "" when none was.
func (s *Server) GuardMessage(uid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kgMessages[uid]
}

// GuardLocked reports whether Knox Guard holds device uid (IMEI) locked.
func (s *Server) GuardLocked(uid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kgLocked[uid]
}
