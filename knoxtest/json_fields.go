package knoxtest

import (
	"bytes"
	"encoding/json"
)

// objectFields reads the top-level members named in names out of data, as
// json.Unmarshal into a map[string]json.RawMessage would give them: vals[i] is
// the raw value of the last member named names[i] (nil when there is none),
// sliced out of data rather than copied. ok is false when data is not a JSON
// object this fast path is sure about (invalid JSON, null, another type, or a
// member name with an escape in it, which could decode to one of names); the
// caller then decodes with json.Unmarshal, whose answer and error are the
// reference. Both paths are compared in TestObjectFieldsMatchesUnmarshal.
//
// The request path reads a Knox body and a JWT's claims this way: json.Valid
// checks the syntax once, and no map, no copy of each value and no second scan
// are made.
func objectFields(data []byte, names []string, vals []json.RawMessage) (ok bool) {
	if !json.Valid(data) {
		return false
	}
	for i := range vals {
		vals[i] = nil
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false // null, or not an object: json.Unmarshal says which
	}
	i = skipSpace(data, i+1)
	if data[i] == '}' {
		return true
	}
	for {
		// data is valid JSON, so a member name starts here.
		end := i + 1 + bytes.IndexByte(data[i+1:], '"')
		key := data[i+1 : end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		i = skipSpace(data, end+1) // at ':'
		i = skipSpace(data, i+1)
		vend := valueEnd(data, i)
		for n, name := range names {
			if string(key) == name {
				vals[n] = data[i:vend:vend]
			}
		}
		i = skipSpace(data, vend)
		if data[i] == '}' {
			return true
		}
		i = skipSpace(data, i+1) // past ','
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// valueEnd returns where the JSON value starting at data[i] ends; data is valid.
func valueEnd(data []byte, i int) int {
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = stringEnd(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	// A number, true, false or null: it ends where a delimiter starts.
	for ; i < len(data); i++ {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string starting at data[i].
func stringEnd(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}
