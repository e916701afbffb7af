// Package gclplugin registers knoxvet's analyzers as a golangci-lint v2 module
// plugin named "knoxvet". It is its own module so that the main module never
// inherits golangci-lint's dependency pins; build it with `golangci-lint custom`
// (see README.md).
package gclplugin

import (
	"fmt"
	"slices"
	"sort"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/knoxconform/knoxconform/analyzer"
)

func init() {
	register.Plugin("knoxvet", New)
}

// Settings is the plugin's block in .golangci.yml
// (linters.settings.custom.knoxvet.settings).
type Settings struct {
	// Disable names analyzers not to run: knoxcode, knoxhttp, knoxunhandled,
	// knoxswitch, knoxretry, knoxwire.
	Disable []string `json:"disable"`
	// Flags sets analyzer flags by analyzer and flag name, with the values the
	// command line takes: {knoxhttp: {allow: "200,404"}, knoxswitch: {enforce: "true"}}.
	Flags map[string]map[string]string `json:"flags"`
}

// Plugin is the golangci-lint view of knoxvet.
type Plugin struct {
	settings Settings
}

// New decodes the settings; unknown keys are an error, so a typo is not
// silently ignored.
func New(raw any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](raw)
	if err != nil {
		return nil, fmt.Errorf("knoxvet plugin settings: %w", err)
	}
	return &Plugin{settings: s}, nil
}

// BuildAnalyzers returns the enabled Knox analyzers with their flags set.
func (p *Plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	all := analyzer.All()
	byName := map[string]*analysis.Analyzer{}
	for _, a := range all {
		byName[a.Name] = a
	}
	for _, name := range p.settings.Disable {
		if byName[name] == nil {
			return nil, fmt.Errorf("knoxvet plugin settings: disable: no analyzer %q (have %s)", name, names(all))
		}
	}
	analyzerNames := make([]string, 0, len(p.settings.Flags))
	for name := range p.settings.Flags {
		analyzerNames = append(analyzerNames, name)
	}
	sort.Strings(analyzerNames)
	for _, name := range analyzerNames {
		a := byName[name]
		if a == nil {
			return nil, fmt.Errorf("knoxvet plugin settings: flags: no analyzer %q (have %s)", name, names(all))
		}
		for flag, value := range p.settings.Flags[name] {
			if a.Flags.Lookup(flag) == nil {
				return nil, fmt.Errorf("knoxvet plugin settings: flags.%s: no flag %q; see knoxvet help %s", name, flag, name)
			}
			if err := a.Flags.Set(flag, value); err != nil {
				return nil, fmt.Errorf("knoxvet plugin settings: flags.%s.%s=%q: %w", name, flag, value, err)
			}
		}
	}
	var out []*analysis.Analyzer
	for _, a := range all {
		if !slices.Contains(p.settings.Disable, a.Name) {
			out = append(out, a)
		}
	}
	return out, nil
}

// GetLoadMode asks for type information: every knoxvet rule is typed.
func (p *Plugin) GetLoadMode() string { return register.LoadModeTypesInfo }

func names(as []*analysis.Analyzer) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Name)
	}
	return fmt.Sprint(s)
}
