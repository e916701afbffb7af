package knoxerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Knox Guard and KAI answer in the result/error family
// (https://docs.samsungknox.com/dev/knox-guard/error-codes/): a single command
// answers {"result":"SUCCESS", …} or {"result":"FAIL","error":{code,message,reason}},
// and a bulk command answers {"count","success","fail","resultList":[…]} with one
// result/error object per device. The error code of a resultList item is a string
// in Knox's examples and a number elsewhere; both are read.

// Result values of the result/error family.
const (
	ResultSuccess = "SUCCESS"
	ResultFail    = "FAIL"
)

// ResultBody is one decoded result/error body (a single command, or one item of
// a bulk resultList).
type ResultBody struct {
	// Result is "SUCCESS" or "FAIL".
	Result string
	// ObjectID and RequestedID identify the device the result is about.
	ObjectID    string
	RequestedID string
	// Err is the error of a FAIL result (HTTPStatus is the status of the
	// response it came in), nil for SUCCESS.
	Err *Error
}

// OK reports whether the result is SUCCESS.
func (r ResultBody) OK() bool { return r.Result == ResultSuccess }

// BulkResult is a decoded bulk answer.
type BulkResult struct {
	Count   int
	Success int
	Fail    int
	Results []ResultBody
}

// Failed returns the per-device failures of a bulk answer.
func (b BulkResult) Failed() []ResultBody {
	var out []ResultBody
	for _, r := range b.Results {
		if !r.OK() {
			out = append(out, r)
		}
	}
	return out
}

type resultWire struct {
	Result      *string         `json:"result"`
	ObjectID    json.RawMessage `json:"objectId"`
	RequestedID json.RawMessage `json:"requestedId"`
	Error       json.RawMessage `json:"error"`
}

// ParseResult decodes a result/error body answered with HTTP status. A body that
// is not a result/error object is an error that says what was found, so that a
// client never reads a truncated or HTML 2xx as success.
func ParseResult(status int, body []byte) (ResultBody, error) {
	var w resultWire
	if err := decodeStrict(body, &w); err != nil {
		return ResultBody{}, fmt.Errorf("knox result body: %w", err)
	}
	return w.decode(status)
}

func (w resultWire) decode(status int) (ResultBody, error) {
	if w.Result == nil {
		return ResultBody{}, errors.New(`knox result body: no "result" field (want "SUCCESS" or "FAIL")`)
	}
	r := ResultBody{Result: strings.ToUpper(*w.Result), ObjectID: scalar(w.ObjectID), RequestedID: scalar(w.RequestedID)}
	switch r.Result {
	case ResultSuccess:
		return r, nil
	case ResultFail:
		var re resultError
		if len(w.Error) == 0 || w.Error[0] != '{' || json.Unmarshal(w.Error, &re) != nil {
			return r, errors.New(`knox result body: "result" is FAIL but "error" is not an object {code, message, reason}`)
		}
		e := &Error{HTTPStatus: status, Shape: ShapeResult}
		setCode(e, scalar(re.Code))
		e.Name, e.Detail = scalar(re.Message), scalar(re.Reason)
		if e.Code == "" {
			e.Code = Code(fmt.Sprint(status))
		}
		r.Err = e
		return r, nil
	}
	return r, fmt.Errorf(`knox result body: "result" is %q, want "SUCCESS" or "FAIL"`, *w.Result)
}

// ParseBulk decodes a bulk answer {count, success, fail, resultList}. Counts that
// disagree with resultList are reported, since a client must not trust either.
func ParseBulk(status int, body []byte) (BulkResult, error) {
	var w struct {
		Count      *int         `json:"count"`
		Success    *int         `json:"success"`
		Fail       *int         `json:"fail"`
		ResultList []resultWire `json:"resultList"`
	}
	if err := decodeStrict(body, &w); err != nil {
		return BulkResult{}, fmt.Errorf("knox bulk body: %w", err)
	}
	if w.Count == nil || w.ResultList == nil {
		return BulkResult{}, errors.New(`knox bulk body: "count" and "resultList" are required`)
	}
	b := BulkResult{Count: *w.Count}
	for i, item := range w.ResultList {
		r, err := item.decode(status)
		if err != nil {
			return BulkResult{}, fmt.Errorf("knox bulk body: resultList[%d]: %w", i, err)
		}
		b.Results = append(b.Results, r)
		if r.OK() {
			b.Success++
		} else {
			b.Fail++
		}
	}
	if b.Count != len(b.Results) || (w.Success != nil && *w.Success != b.Success) || (w.Fail != nil && *w.Fail != b.Fail) {
		return b, fmt.Errorf("knox bulk body: counts (count %d, success %v, fail %v) disagree with the %d results listed",
			b.Count, deref(w.Success), deref(w.Fail), len(b.Results))
	}
	return b, nil
}

func deref(p *int) any {
	if p == nil {
		return "absent"
	}
	return *p
}

// decodeStrict decodes one JSON object (and nothing after it) into v.
func decodeStrict(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errors.New("the body is empty")
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("the body is not a JSON object (starts with %q)", string(trimmed[:min(len(trimmed), 16)]))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}
