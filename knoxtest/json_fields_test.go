package knoxtest

import (
	"bytes"
	"encoding/json"
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
