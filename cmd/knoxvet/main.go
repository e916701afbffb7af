// Command knoxvet reports hard-coded Knox error codes and unhandled Knox errors
// in Go code.
//
// As a vet tool it replaces cmd/vet, so by default it also runs the analyzers
// stock go vet runs (with stock vet's settings for standard-library packages,
// where no Knox reporter runs); -vet=false turns those off:
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
//	knoxvet version            # the release, or the VCS revision of a development build
//
// Exit status, standalone: 0 no findings, 1 findings (with -fix: findings left
// without a fix), 2 bad usage or packages that do not load or type-check.
// Under go vet the go command sets the status: 1 for findings.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/build"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/knoxconform/knoxconform/analyzer"
	"github.com/knoxconform/knoxconform/internal/version"
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
	if len(args) == 1 && args[0] == "version" {
		fmt.Println("knoxvet", version.String())
		os.Exit(exitClean)
	}
	if isVetProtocol(args) {
		// The go command drives us: one unit.cfg per package, or -V / -flags.
		// unitchecker must see -vet as a known flag, and the analyzer list has
		// to be fixed before it parses the command line, hence the look-ahead.
		flag.Bool("vet", true, vetUsage)
		os.Args = append(os.Args[:1], gorootFlags(args)...)
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
		if name, _, _, ok := flagArg(a); ok && (name == "V" || name == "flags") {
			return true
		}
	}
	_, ok := cfgArg(args)
	return ok
}

// cfgArg returns the vet config file the go command passes last, if any.
func cfgArg(args []string) (string, bool) {
	if len(args) == 0 || filepath.Ext(args[len(args)-1]) != ".cfg" {
		return "", false
	}
	return args[len(args)-1], true
}

// flagArg splits a command-line argument written as -name, --name or
// -name=value; ok is false for an argument that is not a flag.
func flagArg(a string) (name, value string, hasValue, ok bool) {
	if !strings.HasPrefix(a, "-") {
		return "", "", false, false
	}
	name, value, hasValue = strings.Cut(strings.TrimLeft(a, "-"), "=")
	return name, value, hasValue, true
}

// vetFlagValue reads -vet=BOOL from the command line before flag parsing.
func vetFlagValue(args []string) bool {
	v := true
	for _, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal, ok := flagArg(a)
		if !ok || name != "vet" {
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

// gorootFlags adjusts the command line for a unit of the standard library.
// Stock go vet runs there with -unsafeptr=false (cmd/go does that only for its
// own vet, not for a -vettool), and no Knox analyzer has anything to say about
// code that cannot talk to Knox; so, unless the command line names them, both
// are turned off for GOROOT units, except Knox analyzers with facts. Other
// units are left alone.
func gorootFlags(args []string) []string {
	cfg, ok := cfgArg(args)
	if !ok || !isGorootUnit(cfg) {
		return args
	}
	named := func(name string) bool {
		for _, a := range args {
			if n, _, _, ok := flagArg(a); ok && (n == name || strings.HasPrefix(n, name+".")) {
				return true
			}
		}
		return false
	}
	var extra []string
	if vetFlagValue(args) && !named("unsafeptr") { // with -vet=false there is no -unsafeptr flag
		extra = append(extra, "-unsafeptr=false")
	}
	for _, a := range analyzer.All() {
		// An analyzer with facts stays: with -vet=false it is what writes the
		// unit's vetx file that importers read (and it returns at once here).
		if !named(a.Name) && len(a.FactTypes) == 0 {
			extra = append(extra, "-"+a.Name+"=false")
		}
	}
	out := append([]string{}, args[:len(args)-1]...)
	return append(append(out, extra...), cfg)
}

// isGorootUnit reports whether a vet config describes a package of the
// standard library: its directory is under GOROOT/src.
func isGorootUnit(cfgFile string) bool {
	data, err := os.ReadFile(cfgFile)
	if err != nil {
		return false // unitchecker will report the unreadable file
	}
	var cfg struct{ Dir string }
	if json.Unmarshal(data, &cfg) != nil || cfg.Dir == "" || build.Default.GOROOT == "" {
		return false
	}
	src := filepath.Join(build.Default.GOROOT, "src") + string(filepath.Separator)
	return strings.HasPrefix(filepath.Clean(cfg.Dir)+string(filepath.Separator), src)
}
