package runner

import (
	"bufio"
	"io"
	"strings"
)

// ParseExpectedFailures reads an --expected-failures file: one case per line,
// the case ID, then whitespace, then the reason (required, so the list says
// why each failure is tolerated; it may contain anything, "#123" included);
// blank lines and lines starting with # are ignored. Every ID must be in
// known: a typo would silently tolerate nothing, so it is an error naming the
// line. name is the file name used in messages.
func ParseExpectedFailures(r io.Reader, name string, known map[string]bool) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			id, reason = line[:i], strings.TrimSpace(line[i+1:])
		}
		switch {
		case !known[id]:
			return nil, usagef("%s:%d: unknown case ID %q; run `knoxconform list` to see the case IDs", name, n, id)
		case reason == "":
			return nil, usagef("%s:%d: no reason given for %q; write `%s  <why this failure is expected>`", name, n, id, id)
		case seen[id] != 0:
			return nil, usagef("%s:%d: %q is already listed on line %d", name, n, id, seen[id])
		}
		seen[id] = n
		out[id] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("%s: %v", name, err)
	}
	return out, nil
}
