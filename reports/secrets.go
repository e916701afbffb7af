package reports

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ScanForSecrets reads every file under dir and reports each secret found in
// it, in any encoding the writers use, as "file: secret #i" (i indexes
// secrets; the value itself is never printed). Secrets are also looked for by
// content, as the Redactor redacts them: any run of ten or more of a secret's
// characters counts, however the secret was wrapped (64 or 76 columns, \n or
// \r\n) or split (signed JWTs excepted: they count whole). Secrets shorter
// than 8 characters are ignored: they would match anything.
func ScanForSecrets(dir string, secrets []string) ([]string, error) {
	type needle struct {
		i int
		v string
	}
	var needles []needle
	for i, s := range secrets {
		if len(strings.TrimSpace(s)) < 8 {
			continue
		}
		for _, v := range encodings(s) {
			needles = append(needles, needle{i, v})
		}
		if strings.Contains(s, "\n") {
			for _, line := range strings.Split(s, "\n") {
				line = strings.TrimSpace(line)
				if len(line) >= 24 && !strings.HasPrefix(line, "-----") {
					needles = append(needles, needle{i, line})
				}
			}
		}
	}
	frags := newFragmentIndex(secrets)
	var findings []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		text := string(b)
		found := map[int]bool{}
		for _, n := range needles {
			if !found[n.i] && strings.Contains(text, n.v) {
				found[n.i] = true
				findings = append(findings, fmt.Sprintf("%s: secret #%d", rel, n.i))
			}
		}
		for _, sp := range frags.find(text) {
			// A signed JWT counts whole (any encoding, above): a piece of its
			// signature authenticates nothing, and one the suite never knew can
			// be cut anywhere when a log is kept only in part.
			if !found[sp.secret] && len(strings.TrimSpace(secrets[sp.secret])) >= 8 && !compactJWS.MatchString(strings.TrimSpace(secrets[sp.secret])) {
				found[sp.secret] = true
				findings = append(findings, fmt.Sprintf("%s: secret #%d", rel, sp.secret))
			}
		}
		return nil
	})
	if err != nil {
		return findings, fmt.Errorf("scanning %s for secrets: %w", dir, err)
	}
	sort.Strings(findings)
	return findings, nil
}
