package h

import (
	"net/http"
	"net/http/httptest"
)

// devicesURL makes this a Knox package: knoxhttp looks only at those.
const devicesURL = "https://eu-kcs-api.samsungknox.com/kcs/v1/kme/devices/list"

// sdkResponse has its own StatusCode field: not net/http's, so not reported.
type sdkResponse struct {
	StatusCode int
}

type loggingWriter struct {
	http.ResponseWriter
	status int
}

func (w *loggingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func client(resp *http.Response, sdk sdkResponse) string {
	if resp.StatusCode == 429 { // want `HTTP status 429 written as a number \(compared with http.Response.StatusCode\); use http.StatusTooManyRequests`
		return "wait"
	}
	if (401) != resp.StatusCode { // want `use http.StatusUnauthorized`
		return "refresh"
	}
	switch resp.StatusCode {
	case 403, http.StatusNotFound: // want `a case of a switch on http.Response.StatusCode\); use http.StatusForbidden`
		return "stop"
	case 499:
		return "no constant for 499: not reported"
	}
	// Ranges are idiomatic as numbers.
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		return "client error"
	}
	if sdk.StatusCode == 429 {
		return "not net/http's field"
	}
	code := 429
	if code == 500 {
		return "a plain int"
	}
	resp.StatusCode = 500               // want `assigned to http.Response.StatusCode\); use http.StatusInternalServerError`
	_ = &http.Response{StatusCode: 503} // want `the StatusCode field\); use http.StatusServiceUnavailable`
	_ = http.StatusText(422)            // want `the status argument of http.StatusText\); use http.StatusUnprocessableEntity`
	_ = resp.StatusCode == 429          //knoxvet:ignore KNX110 mirrors the wire log verbatim
	return ""
}

func server(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(201)                 // want `the argument of WriteHeader\); use http.StatusCreated`
	http.Error(w, "slow down", 429)    // want `use http.StatusTooManyRequests`
	http.Redirect(w, r, "/there", 302) // want `use http.StatusFound`
	lw := &loggingWriter{ResponseWriter: w}
	lw.WriteHeader(204) // want `use http.StatusNoContent`
	rec := httptest.NewRecorder()
	rec.WriteHeader(200) // want `use http.StatusOK`
	if rec.Code != 200 { // want `compared with httptest.ResponseRecorder.Code\); use http.StatusOK`
		return
	}
	// want +1 "unused knoxvet:ignore directive for KNX110"
	_ = 1 //knoxvet:ignore KNX110 nothing to suppress
}
