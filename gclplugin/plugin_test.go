package gclplugin

import (
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
)

func TestRegisteredAndConfigured(t *testing.T) {
	newPlugin, err := register.GetPlugin("knoxvet")
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(map[string]any{
		"disable": []any{"knoxswitch"},
		"flags":   map[string]any{"knoxhttp": map[string]any{"allow": "200"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	as, err := p.BuildAnalyzers()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		got = append(got, a.Name)
		if a.Name == "knoxhttp" && a.Flags.Lookup("allow").Value.String() != "200" {
			t.Errorf("knoxhttp allow = %q, want 200", a.Flags.Lookup("allow").Value)
		}
	}
	if want := "knoxcode,knoxhttp,knoxunhandled,knoxretry,knoxwire"; strings.Join(got, ",") != want {
		t.Errorf("analyzers %v, want %s", got, want)
	}
	if p.GetLoadMode() != register.LoadModeTypesInfo {
		t.Errorf("load mode %q", p.GetLoadMode())
	}
}

func TestBadSettings(t *testing.T) {
	for _, raw := range []map[string]any{
		{"disabel": []any{"knoxcode"}},
		{"disable": []any{"knoxnope"}},
		{"flags": map[string]any{"knoxhttp": map[string]any{"nope": "1"}}},
		{"flags": map[string]any{"knoxswitch": map[string]any{"enforce": "maybe"}}},
	} {
		p, err := New(raw)
		if err == nil {
			_, err = p.BuildAnalyzers()
		}
		if err == nil || !strings.Contains(err.Error(), "knoxvet plugin settings") {
			t.Errorf("settings %v: error %v, want a knoxvet plugin settings error", raw, err)
		}
	}
}
