package mutation

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Equivalent is one reviewed entry of the equivalent-mutant list: a mutant whose
// change no client of the package can observe, with the reason.
type EquivalentEntry struct {
	ID     string
	Reason string
	// Class is Equivalent (section "## Unobservable") or Conformant (section
	// "## Conformant either way").
	Class Class
	Line  int // line of the entry in the list, for messages
}

// The two sections of the list; every entry sits in one of them.
const (
	sectionUnobservable = "Unobservable"
	sectionConformant   = "Conformant either way"
)

// ParseEquivalents reads the reviewed list (EQUIVALENT-MUTANTS.md). Entries sit
// in one of two level-2 sections: "## Unobservable" (no client of the package
// can tell the mutant from the original) and "## Conformant either way" (the
// difference is observable, but no rule of BEHAVIOURS.md can judge it: both
// behaviours conform). Each entry is a level-3 heading holding the mutant ID in
// backquotes, followed within the entry by a line starting "Reason:":
//
//	## Unobservable
//
//	### `retry.go (*Client).backoffDelay boundary <=→< #1`
//	`if half <= 0 {` → `if half < 0 {`
//	Reason: half is never negative: …
//
// Anything else in the file is prose for the reader. An entry without a reason,
// or an ID listed twice, is an error: the list is reviewed, not accumulated.
func ParseEquivalents(name string, data []byte) ([]EquivalentEntry, error) {
	var out []EquivalentEntry
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	var cur *EquivalentEntry
	section := Class("")
	finish := func() error {
		if cur == nil {
			return nil
		}
		if cur.Reason == "" {
			return fmt.Errorf("%s:%d: equivalent mutant %q has no \"Reason:\" line; say why no client can observe the change, or remove the entry", name, cur.Line, cur.ID)
		}
		out = append(out, *cur)
		cur = nil
		return nil
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			if err := finish(); err != nil {
				return nil, err
			}
			if h, ok := strings.CutPrefix(line, "## "); ok {
				switch strings.TrimSpace(h) {
				case sectionUnobservable:
					section = Equivalent
				case sectionConformant:
					section = Conformant
				default:
					section = ""
				}
			}
			if !strings.HasPrefix(line, "### ") {
				continue
			}
			if section == "" {
				return nil, fmt.Errorf("%s:%d: an entry outside the sections \"## %s\" and \"## %s\"; put it under the one that says why it survives", name, n, sectionUnobservable, sectionConformant)
			}
			h := strings.TrimSpace(strings.TrimPrefix(line, "### "))
			if len(h) < 3 || h[0] != '`' || h[len(h)-1] != '`' {
				return nil, fmt.Errorf("%s:%d: an entry heading is ### `MUTANT ID` (as the mutation report prints it); got %q", name, n, line)
			}
			id := h[1 : len(h)-1]
			if prev, dup := seen[id]; dup {
				return nil, fmt.Errorf("%s:%d: %q is already listed at line %d", name, n, id, prev)
			}
			seen[id] = n
			cur = &EquivalentEntry{ID: id, Line: n, Class: section}
		case cur != nil && strings.HasPrefix(line, "Reason:"):
			cur.Reason = strings.TrimSpace(strings.TrimPrefix(line, "Reason:"))
		case cur != nil && cur.Reason != "" && line != "":
			cur.Reason += " " + line // a reason continued on the next lines
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}
