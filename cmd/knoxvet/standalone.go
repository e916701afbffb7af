package main

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// finding is one diagnostic of a root package, with its position resolved.
type finding struct {
	Analyzer *analysis.Analyzer
	Diag     analysis.Diagnostic
	Posn     token.Position
	End      token.Position
	Fset     *token.FileSet
	fixed    bool
}

// ruleID is the stable ID of a finding: its category when it is a KNX rule,
// else the analyzer's name (stock vet analyzers have no IDs of their own).
func (f *finding) ruleID() string {
	if strings.HasPrefix(f.Diag.Category, "KNX") {
		return f.Diag.Category
	}
	return f.Analyzer.Name
}

func standalone(args []string) int {
	fs := flag.NewFlagSet("knoxvet", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	format := fs.String("format", "text", "output format: text, json (the go vet -json tree) or sarif (SARIF 2.1.0 for code scanning)")
	fix := fs.Bool("fix", false, "apply the suggested fixes to the source files")
	withVet := fs.Bool("vet", true, vetUsage)
	tests := fs.Bool("test", true, "also analyze test files")
	srcRoot := fs.String("srcroot", "", "directory SARIF file URIs are relative to (default: the main module's root)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: knoxvet [flags] packages\n       knoxvet help [ANALYZER|RULE]\n\nflags:")
		fs.PrintDefaults()
	}
	all := analyzers(true)
	for _, a := range all {
		// The same -NAME.FLAG spelling as under go vet.
		a.Flags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, a.Name+"."+f.Name, f.Usage) })
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitClean
		}
		return exitUsage
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		return usageError("-format=%s: want text, json or sarif", *format)
	}
	if fs.NArg() == 0 {
		return usageError("no packages named; try: knoxvet ./...")
	}

	pkgs, err := packages.Load(&packages.Config{
		Mode:  packages.LoadAllSyntax | packages.NeedModule,
		Tests: *tests,
	}, fs.Args()...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "knoxvet: cannot load %s: %v\n", strings.Join(fs.Args(), " "), err)
		return exitUsage
	}
	if len(pkgs) == 0 {
		fmt.Fprintf(os.Stderr, "knoxvet: %s matched no packages\n", strings.Join(fs.Args(), " "))
		return exitUsage
	}
	// Analyzers would see half-typed code and report nonsense (or nothing):
	// say what is broken instead, like go vet does.
	if n := packages.PrintErrors(pkgs); n > 0 {
		fmt.Fprintf(os.Stderr, "knoxvet: %d error(s) loading or type-checking the packages above; fix them (go build %s shows the same) and run knoxvet again\n",
			n, strings.Join(fs.Args(), " "))
		return exitUsage
	}

	graph, err := checker.Analyze(analyzers(*withVet), pkgs, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "knoxvet: %v\n", err)
		return exitUsage
	}
	findings, failed := collect(graph)
	if failed {
		return exitUsage
	}

	if *fix {
		if err := applyFixes(findings); err != nil {
			fmt.Fprintf(os.Stderr, "knoxvet: -fix: %v\n", err)
			return exitUsage
		}
	}

	out := os.Stdout
	switch *format {
	case "json":
		err = graph.PrintJSON(out)
	case "sarif":
		root := *srcRoot
		if root == "" {
			root = moduleRoot(pkgs)
		}
		err = writeSARIF(out, findings, analyzers(*withVet), root)
	default:
		err = writeText(out, findings)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "knoxvet: writing %s output: %v\n", *format, err)
		return exitUsage
	}
	for _, f := range findings {
		if !f.fixed {
			return exitFindings
		}
	}
	return exitClean
}

// collect gathers the diagnostics of the root packages, once each: a file
// that is in both a package and its test variant is analyzed twice.
func collect(g *checker.Graph) (fs []*finding, failed bool) {
	seen := map[string]bool{}
	for _, act := range g.Roots {
		if act.Err != nil {
			fmt.Fprintf(os.Stderr, "knoxvet: %s: %v\n", act, act.Err)
			failed = true
			continue
		}
		fset := act.Package.Fset
		for _, d := range act.Diagnostics {
			posn, end := fset.Position(d.Pos), fset.Position(d.End)
			key := fmt.Sprint(posn, d.Category, d.Message)
			if seen[key] {
				continue
			}
			seen[key] = true
			fs = append(fs, &finding{Analyzer: act.Analyzer, Diag: d, Posn: posn, End: end, Fset: fset})
		}
	}
	slices.SortFunc(fs, func(a, b *finding) int {
		return cmp.Or(cmp.Compare(a.Posn.Filename, b.Posn.Filename), cmp.Compare(a.Posn.Offset, b.Posn.Offset),
			cmp.Compare(a.ruleID(), b.ruleID()))
	})
	return fs, failed
}

func writeText(w io.Writer, fs []*finding) error {
	cwd, _ := os.Getwd()
	var buf bytes.Buffer
	for _, f := range fs {
		name := f.Posn.Filename
		if rel, err := filepath.Rel(cwd, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		msg := f.Diag.Message
		if id := f.ruleID(); !strings.Contains(msg, id) && strings.HasPrefix(id, "KNX") {
			msg += " (" + id + ")"
		}
		fixed := ""
		if f.fixed {
			fixed = " [fixed]"
		}
		fmt.Fprintf(&buf, "%s:%d:%d: %s%s\n", name, f.Posn.Line, f.Posn.Column, msg, fixed)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// moduleRoot is the directory of the main module, the usual repository root,
// or the working directory when there is no module.
func moduleRoot(pkgs []*packages.Package) string {
	for _, p := range pkgs {
		if p.Module != nil && p.Module.Main && p.Module.Dir != "" {
			return p.Module.Dir
		}
	}
	cwd, _ := os.Getwd()
	return cwd
}
