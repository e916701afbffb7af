// Package knoxerr is a stand-in for the real catalogue package, with the same
// import path and the parts knoxunhandled looks at.
package knoxerr

import "net/http"

type Code string

type Error struct {
	HTTPStatus int
	Code       Code
}

func (e *Error) Error() string { return "knox: " + string(e.Code) }

func New(c Code, detail string) *Error { return &Error{Code: c} }

func Parse(status int, header http.Header, body []byte) *Error {
	if status < 400 {
		return nil
	}
	return &Error{HTTPStatus: status}
}

func FromResponse(resp *http.Response) *Error { return Parse(resp.StatusCode, resp.Header, nil) }
