package knoxtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var objectFieldsCorpus = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":1,"a":2}`, `{"a" : "x" , "b":[1,{"a":"]}"}], "c":{"a":{"}":"{"}}}`,
	`{"a":"q\"uote\\","b":"\u0061"}`, `{"\u0061":1}`, `{"a\\":1,"a":2}`, `{"a":null}`, `{"a":true,"b":false}`,
	`{"a":-1.5e+10}`, "{\t\"a\"\n:\r1\n}\n", `{"é":1,"a":"é"}`, "{\"\xff\":1,\"a\":\"\xfe\"}", `null`, `[]`, `[{"a":1}]`,
	`"a"`, `1`, ``, ` `, `{`, `{"a":1}x`, `{"a":1,}`, `{"a":01}`, `{"a":[}`, `{"b":{"a":1},"a":[[],{}]}`,
	`{"clientIdentifierJwt":"x.y.z","base64EncodedStringPublicKey":"AAAA","validityForAccessTokenInMinutes":30}`,
	`{"jti":"1","iat":1,"exp":2,"aud":["a","b"],"clientIdentifier":"c","publicKey":"k","accessToken":"t"}`,
}

// TestObjectFieldsMatchesUnmarshal: whenever the fast path answers, it answers
// as json.Unmarshal into a map[string]json.RawMessage does.
func TestObjectFieldsMatchesUnmarshal(t *testing.T) {
	for _, doc := range objectFieldsCorpus {
		checkObjectFields(t, []byte(doc))
	}
}

func FuzzObjectFields(f *testing.F) {
	for _, doc := range objectFieldsCorpus {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { checkObjectFields(t, doc) })
}

func checkObjectFields(t *testing.T, doc []byte) {
	t.Helper()
	names := []string{"a", "b", "c", "é", "clientIdentifierJwt", "validityForAccessTokenInMinutes", "jti", "aud", "exp"}
	vals := make([]json.RawMessage, len(names))
	fast := objectFields(doc, names, vals)
	var m map[string]json.RawMessage
	err := json.Unmarshal(doc, &m)
	if !fast {
		if err == nil && m != nil && !bytes.Contains(doc, []byte(`\`)) {
			t.Errorf("%q: a plain object the fast path gave up on", doc)
		}
		return
	}
	if err != nil || m == nil {
		t.Fatalf("%q: the fast path read what json.Unmarshal refuses (%v)", doc, err)
	}
	for i, name := range names {
		want, present := m[name]
		if (vals[i] != nil) != present || !bytes.Equal(vals[i], want) {
			t.Errorf("%q: %s is %q (present %v), json.Unmarshal says %q (present %v)", doc, name, vals[i], vals[i] != nil, want, present)
		}
	}
}

var validJSONCorpus = []string{
	``, ` `, `1`, `-`, `-0`, `-01`, `0.`, `0.5`, `1e`, `1e+`, `1E-7`, `1.5e10`, `01`, `+1`, `.5`, `1x`, `truex`, `tru`, `null`, `nul`,
	`false`, `"`, `"\`, `"\u12"`, `"\u12G4"`, `"\uABcd"`, `"\x"`, "\"\x01\"", "\"\xff\"", `"\/\b\f\n\r\t\"\\"`, `[]`, `[`, `[1,]`, `[,1]`,
	`[1 2]`, `{}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{1:2}`, `{"a":1 "b":2}`, `{"a":[{"b":{}}],"c":-0.0e-0}`, ` {"a" : 1 } `,
	`{"a":1}}`, `[]]`, `{]`, `[}`, "\t[\r\n]\n", "\v1", `"a" "b"`, `{"a":"\u00e9\ud83d\ude00"}`,
}

func TestValidJSONIsJSONValid(t *testing.T) {
	for _, doc := range append(validJSONCorpus, objectFieldsCorpus...) {
		if got, want := validJSON([]byte(doc)), json.Valid([]byte(doc)); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid says %v", doc, got, want)
		}
	}
	for _, depth := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			closeWith := "]"
			if open != "[" {
				closeWith = "}"
			}
			doc := []byte(strings.Repeat(open, depth) + strings.Repeat(closeWith, depth))
			if got, want := validJSON(doc), json.Valid(doc); got != want {
				t.Errorf("%d nested %s: validJSON %v, json.Valid %v", depth, open, got, want)
			}
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, doc := range append(validJSONCorpus, objectFieldsCorpus...) {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if got, want := validJSON(doc), json.Valid(doc); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", doc, got, want)
		}
		checkObjectFields(t, doc)
	})
}
