package target

import (
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/knoxconform/knoxconform/reports"
)

// Adapter output is untrusted: a client may log, or put into an error message,
// the client secret it was given, its private key, the access tokens it got or
// the JWTs it signed. The session therefore redacts everything the adapter
// writes (its protocol lines and its stderr) as it enters the suite, and the
// --trace log, before anything can reach a report, a console or a Ginkgo report
// entry. It knows the credentials it hands over in newClient; the tokens a client
// obtains itself are caught by their shape (see reports.Redactor).

// handed is every credential a session of this process handed to an adapter.
var handed = reports.NewRedactor()

// HandedSecrets lists the credentials this process handed to adapters so far
// (client secrets, Client Identifiers, private keys from the keys files): the
// report writers redact them too (reports.Options.Secrets).
func HandedSecrets() []string { return handed.Secrets() }

// Redact returns s with every credential this process handed out, and every
// credential-shaped value, replaced by a fingerprint.
func Redact(s string) string { return handed.Text(s) }

// maxKeysFile bounds how much of a keys file is read to learn its private key.
const maxKeysFile = 1 << 20

// learnSecrets records the credentials of a newClient before they are sent.
func learnSecrets(c Credentials) {
	handed.Add(c.SAClientSecret, c.ClientIdentifier, c.OAuthClientSecret)
	handed.Add(privateKeyOf(c.KeysFile)...)
}

// privateKeyOf reads the "Private" field of a keys.json, as written and with
// its line breaks removed; nothing when the file is absent or malformed (a
// case may hand over a broken keys file on purpose).
func privateKeyOf(path string) []string {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeysFile))
	if err != nil {
		return nil
	}
	var keys struct {
		Private string `json:"Private"`
	}
	if json.Unmarshal(b, &keys) != nil || keys.Private == "" {
		return nil
	}
	joined := strings.Join(strings.Fields(keys.Private), "")
	return []string{keys.Private, joined}
}
