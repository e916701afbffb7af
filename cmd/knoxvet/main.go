// Command knoxvet reports hard-coded Knox error codes and unhandled Knox errors
// in Go code.
//
// As a vet tool it replaces cmd/vet, so by default it also runs the analyzers
// stock go vet runs; -vet=false turns those off:
//
//	go vet -vettool=$(which knoxvet) ./...
//	go vet -vettool=$(which knoxvet) -fix -diff ./...
//	go fix -fixtool=$(which knoxvet) ./...
//
// Standalone it loads the packages itself and can write SARIF for code scanning:
//
//	knoxvet [-format=text|json|sarif] [-fix] [-vet=false] [-test=false] ./...
//	knoxvet help [ANALYZER|RULE]
//	knoxvet help -markdown     # docs/analyzers.md
//
// Exit status, standalone: 0 no findings, 1 findings (with -fix: findings left
// without a fix), 2 bad usage or packages that do not load or type-check.
// Under go vet the go command sets the status: 1 for findings.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/knoxconform/knoxconform/analyzer"
)

const (
	exitClean    = 0
	exitFindings = 1
	exitUsage    = 2
)

const vetUsage = "also run the analyzers of stock go vet (knoxvet replaces cmd/vet under -vettool); -vet=false runs only the Knox analyzers"

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "help" {
		os.Exit(help(os.Stdout, os.Stderr, args[1:]))
	}
	if isVetProtocol(args) {
		// The go command drives us: one unit.cfg per package, or -V / -flags.
		// unitchecker must see -vet as a known flag, and the analyzer list has
		// to be fixed before it parses the command line, hence the look-ahead.
		flag.Bool("vet", true, vetUsage)
		unitchecker.Main(analyzers(vetFlagValue(args))...)
		return
	}
	os.Exit(standalone(args))
}

// analyzers returns the Knox analyzers, preceded by stock vet's when withVet.
func analyzers(withVet bool) []*analysis.Analyzer {
	var as []*analysis.Analyzer
	if withVet {
		as = append(as, vetSuite...)
	}
	return append(as, analyzer.All()...)
}

// isVetProtocol reports whether the command line is the go command's: a
// single *.cfg file, or the -V and -flags queries.
func isVetProtocol(args []string) bool {
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "V" || name == "flags") {
			return true
		}
	}
	return len(args) > 0 && strings.HasSuffix(args[len(args)-1], ".cfg") && filepath.Ext(args[len(args)-1]) == ".cfg"
}

// vetFlagValue reads -vet=BOOL from the command line before flag parsing.
func vetFlagValue(args []string) bool {
	v := true
	for _, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "vet" {
			continue
		}
		if !hasVal {
			v = true
			continue
		}
		switch strings.ToLower(val) {
		case "0", "f", "false":
			v = false
		default:
			v = true
		}
	}
	return v
}

func usageError(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "knoxvet: "+format+"\n", args...)
	fmt.Fprintln(os.Stderr, "run 'knoxvet help' for usage")
	return exitUsage
}
