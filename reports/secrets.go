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
// secrets; the value itself is never printed). Multi-line secrets (PEM keys)
// are also looked for line by line, so a key split across lines is caught.
// Secrets shorter than 8 characters are ignored: they would match anything.
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
		return nil
	})
	if err != nil {
		return findings, fmt.Errorf("scanning %s for secrets: %w", dir, err)
	}
	sort.Strings(findings)
	return findings, nil
}
