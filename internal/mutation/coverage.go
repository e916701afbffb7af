package mutation

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Coverage is what one run of the oracle executed: per file (base name), the
// blocks of a Go cover profile.
type Coverage map[string][]coverBlock

type coverBlock struct {
	startLine, startCol, endLine, endCol int
	count                                int
}

// ParseCoverProfile reads a `go test -coverprofile` file, keeping the blocks of
// files in package pkgPath.
func ParseCoverProfile(data []byte, pkgPath string) (Coverage, error) {
	cov := Coverage{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 && strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		// FILE:L.C,L.C STATEMENTS COUNT
		colon := strings.LastIndexByte(line, ':')
		if colon < 0 {
			return nil, fmt.Errorf("cover profile line %d: %q is not FILE:RANGE N COUNT", n, line)
		}
		file, rest := line[:colon], line[colon+1:]
		if path.Dir(file) != pkgPath {
			continue
		}
		var b coverBlock
		var stmts int
		if _, err := fmt.Sscanf(rest, "%d.%d,%d.%d %d %d", &b.startLine, &b.startCol, &b.endLine, &b.endCol, &stmts, &b.count); err != nil {
			return nil, fmt.Errorf("cover profile line %d: %q: %v", n, line, err)
		}
		base := path.Base(file)
		cov[base] = append(cov[base], b)
	}
	return cov, sc.Err()
}

// Covered reports whether the run executed the mutant's position: known is false
// when no block spans it (a declaration outside any function body), and then
// the mutant must be run to be judged.
func (c Coverage) Covered(m *Mutant) (covered, known bool) {
	for _, b := range c[m.File] {
		if !b.contains(m.Line, m.Col) {
			continue
		}
		known = true
		if b.count > 0 {
			return true, true
		}
	}
	return false, known
}

func (b coverBlock) contains(line, col int) bool {
	after := line > b.startLine || line == b.startLine && col >= b.startCol
	before := line < b.endLine || line == b.endLine && col < b.endCol
	return after && before
}

// CaseCoverage is what each case of the suite executed: case ID → coverage.
type CaseCoverage map[string]Coverage

// Cases returns, sorted, the cases that executed the mutant's position; known is
// false when no case's profile has a block there (a declaration outside any
// function body: every case must judge it).
func (cc CaseCoverage) Cases(m *Mutant) (cases []string, known bool) {
	for id, cov := range cc {
		covered, k := cov.Covered(m)
		known = known || k
		if covered {
			cases = append(cases, id)
		}
	}
	sort.Strings(cases)
	return cases, known
}
