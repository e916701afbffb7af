package main

import (
	"bytes"
	"cmp"
	"fmt"
	"go/format"
	"os"
	"slices"
)

// edit is one TextEdit resolved to byte offsets of a file.
type edit struct {
	start, end int
	text       string
	owner      *finding
}

// applyFixes applies the first suggested fix of every finding, file by file.
// Identical edits from several findings (two fixes adding the same import)
// are applied once; a fix that overlaps an edit already taken is skipped
// whole, and its finding stays reported.
func applyFixes(fs []*finding) error {
	byFile := map[string][]*finding{}
	var files []string
	for _, f := range fs {
		if len(f.Diag.SuggestedFixes) == 0 {
			continue
		}
		name := f.Posn.Filename
		if _, ok := byFile[name]; !ok {
			files = append(files, name)
		}
		byFile[name] = append(byFile[name], f)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		var taken []edit
		for _, f := range byFile[name] {
			var mine []edit
			ok := true
			for _, te := range f.Diag.SuggestedFixes[0].TextEdits {
				tf := f.Fset.File(te.Pos)
				if tf == nil || tf.Name() != name {
					ok = false // an edit in another file: not supported, leave the finding
					break
				}
				end := te.End
				if !end.IsValid() {
					end = te.Pos
				}
				e := edit{tf.Offset(te.Pos), tf.Offset(end), string(te.NewText), f}
				if e.start > e.end || e.end > len(src) {
					ok = false
					break
				}
				mine = append(mine, e)
			}
			for _, e := range mine {
				if ok && conflicts(taken, e) {
					ok = false
				}
			}
			if !ok {
				continue
			}
			for _, e := range mine {
				if !slices.ContainsFunc(taken, func(t edit) bool { return t.start == e.start && t.end == e.end && t.text == e.text }) {
					taken = append(taken, e)
				}
			}
			f.fixed = true
		}
		if len(taken) == 0 {
			continue
		}
		slices.SortStableFunc(taken, func(a, b edit) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end)) })
		var out bytes.Buffer
		last := 0
		for _, e := range taken {
			out.Write(src[last:e.start])
			out.WriteString(e.text)
			last = e.end
		}
		out.Write(src[last:])
		result := out.Bytes()
		if formatted, err := format.Source(result); err == nil {
			result = formatted // fixes that add an import leave the block unsorted
		}
		info, err := os.Stat(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(name, result, info.Mode().Perm()); err != nil {
			return fmt.Errorf("writing fixed %s: %w", name, err)
		}
	}
	return nil
}

// conflicts reports whether e overlaps an edit already taken, other than by
// being the very same edit.
func conflicts(taken []edit, e edit) bool {
	for _, t := range taken {
		if t.start == e.start && t.end == e.end && t.text == e.text {
			continue
		}
		if e.start < t.end && t.start < e.end {
			return true
		}
		if e.start == e.end && t.start == t.end && e.start == t.start {
			return true // two insertions at one point: order would be a guess
		}
	}
	return false
}
