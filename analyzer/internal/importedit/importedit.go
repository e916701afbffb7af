// Package importedit computes the name under which a file can refer to a package,
// and the TextEdit that adds the import when the file lacks it, so that a
// suggested fix such as "use knoxerr.AccessTokenExpired" compiles as applied.
// x/tools keeps its own helper internal; this one covers what knoxvet's fixes need
// and nothing more (no dot imports, no renaming on conflict).
package importedit

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Qualifier returns the identifier that names the package path at pos in file,
// and the edits (possibly none) that add its import. name is the package's
// declared name, used when the import must be added. ok is false when no safe
// spelling exists: the import is blank or dot, or the name is taken at pos by
// something else.
func Qualifier(pass *analysis.Pass, file *ast.File, pos token.Pos, path, name string) (qual string, edits []analysis.TextEdit, ok bool) {
	for _, spec := range file.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || p != path {
			continue
		}
		pn := pass.TypesInfo.PkgNameOf(spec)
		if pn == nil || pn.Name() == "_" || pn.Name() == "." {
			continue
		}
		if resolvesTo(pass, pos, pn.Name(), pn) {
			return pn.Name(), nil, true
		}
		return "", nil, false
	}
	if !resolvesTo(pass, pos, name, nil) {
		return "", nil, false
	}
	return name, []analysis.TextEdit{addImport(file, path)}, true
}

// isStd reports whether path looks like a standard library path: no dot in its
// first element.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// resolvesTo reports whether name, looked up at pos, denotes want (nil: nothing).
func resolvesTo(pass *analysis.Pass, pos token.Pos, name string, want types.Object) bool {
	scope := pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return false
	}
	_, obj := scope.LookupParent(name, pos)
	return obj == want
}

// addImport inserts path into the file's first import declaration, or adds a new
// declaration after the package clause. gofmt puts the spec in order.
func addImport(file *ast.File, path string) analysis.TextEdit {
	quoted := strconv.Quote(path)
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if gd.Lparen.IsValid() {
			if isStd(path) {
				// Joins the first group, where the standard library usually is.
				at := gd.Lparen + 1
				return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t" + quoted)}
			}
			// A group of its own at the end, after the standard library.
			at := gd.Rparen
			return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t" + quoted + "\n")}
		}
		at := gd.End()
		return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\nimport " + quoted)}
	}
	at := file.Name.End()
	return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\nimport " + quoted)}
}
