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
// The request path reads a Knox body and a JWT's claims this way: validJSON
// checks the syntax once, and no map, no copy of each value and no second scan
// are made.
func objectFields(data []byte, names []string, vals []json.RawMessage) (ok bool) {
	if !validJSON(data) {
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

// stringEnd returns the index just past the string starting at data[i]; data
// is valid, so the string ends at the first quote after an even number of
// backslashes.
func stringEnd(data []byte, i int) int {
	for i++; ; {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return len(data)
		}
		i += q
		bs := 0
		for bs < i && data[i-1-bs] == '\\' {
			bs++
		}
		i++
		if bs%2 == 0 {
			return i
		}
	}
}

// maxJSONDepth is encoding/json's nesting limit (its scanner refuses deeper
// documents).
const maxJSONDepth = 10000

// validJSON is json.Valid (FuzzValidJSON compares them), without the
// per-byte state machine: most of a Knox body is long strings, which it
// checks with a plain loop.
func validJSON(data []byte) bool {
	var buf [16]byte
	stack := buf[:0] // the open '{' and '[', innermost last
	i := skipSpace(data, 0)
	needValue := true
	for {
		if needValue {
			if i >= len(data) {
				return false
			}
			switch c := data[i]; {
			case c == '{' || c == '[':
				if stack = append(stack, c); len(stack) > maxJSONDepth {
					return false
				}
				i = skipSpace(data, i+1)
				if i < len(data) && data[i] == c+2 { // '}' is '{'+2, ']' is '['+2
					stack = stack[:len(stack)-1]
					i++
					needValue = false
					continue
				}
				if c == '{' {
					if i = memberName(data, i); i < 0 {
						return false
					}
				}
				continue
			case c == '"':
				i = validString(data, i)
			case c == '-' || (c >= '0' && c <= '9'):
				i = validNumber(data, i)
			case c == 't':
				i = literal(data, i, "true")
			case c == 'f':
				i = literal(data, i, "false")
			case c == 'n':
				i = literal(data, i, "null")
			default:
				return false
			}
			if i < 0 {
				return false
			}
			needValue = false
		}
		i = skipSpace(data, i)
		if len(stack) == 0 {
			return i == len(data)
		}
		if i >= len(data) {
			return false
		}
		top := stack[len(stack)-1]
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
			if top == '{' {
				if i = memberName(data, i); i < 0 {
					return false
				}
			}
			needValue = true
		case top + 2:
			stack = stack[:len(stack)-1]
			i++
		default:
			return false
		}
	}
}

// memberName checks `"name" :` at data[i] and returns where the value starts
// (after spaces), or -1.
func memberName(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	if i = validString(data, i); i < 0 {
		return -1
	}
	i = skipSpace(data, i)
	if i >= len(data) || data[i] != ':' {
		return -1
	}
	return skipSpace(data, i+1)
}

// validString checks the string starting at data[i] and returns the index
// just past it, or -1.
func validString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(data) {
				return -1
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) {
					return -1
				}
				for _, h := range data[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// validNumber checks the number starting at data[i] and returns the index
// just past it, or -1.
func validNumber(data []byte, i int) int {
	digits := func(i int) int { // one or more
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == start {
			return -1
		}
		return i
	}
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	default:
		if i = digits(i); i < 0 {
			return -1
		}
	}
	if i < len(data) && data[i] == '.' {
		if i = digits(i + 1); i < 0 {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i = digits(i); i < 0 {
			return -1
		}
	}
	return i
}

func literal(data []byte, i int, lit string) int {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
