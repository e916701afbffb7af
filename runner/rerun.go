package runner

import (
	"strconv"
	"strings"
)

// ShellQuote quotes s for a POSIX shell so it reads back as one word. Plain
// words (letters, digits and -_./:=@%+,) are left alone; the rest go in
// single quotes, or double quotes when s holds a single quote and nothing a
// double-quoted word would expand.
func ShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	plain := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	// A single quote reads best inside double quotes, when nothing in s is
	// special there.
	if !strings.ContainsAny(s, "\"$`\\!") {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// RerunCommand is the exact command that runs case id alone against the same
// target with the same grading and seed. The case ID is always quoted: it is
// a glob to --cases, and a shell must not expand it.
func (c *Config) RerunCommand(id string) string {
	var b strings.Builder
	b.WriteString("knoxconform run")
	if c.Target != "" {
		b.WriteString(" --target " + ShellQuote(c.Target))
	} else {
		b.WriteString(" --target-addr " + ShellQuote(c.TargetAddr))
	}
	b.WriteString(" --cases '" + strings.ReplaceAll(id, "'", `'"'"'`) + "'")
	if c.Strict {
		b.WriteString(" --strict")
	}
	if c.ExpectedFailuresFile != "" {
		b.WriteString(" --expected-failures " + ShellQuote(c.ExpectedFailuresFile))
	}
	if c.Seed != 0 {
		b.WriteString(" --seed " + strconv.FormatInt(c.Seed, 10))
	}
	return b.String()
}
