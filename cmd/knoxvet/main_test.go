package main

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func writeCfg(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "vet.cfg")
	if err := os.WriteFile(name, []byte(`{"Dir": "`+filepath.ToSlash(dir)+`", "ImportPath": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestGorootFlags(t *testing.T) {
	std := writeCfg(t, filepath.Join(build.Default.GOROOT, "src", "fmt"))
	user := writeCfg(t, t.TempDir())

	got := gorootFlags([]string{"-printf.funcs=x", std})
	for _, want := range []string{"-unsafeptr=false", "-knoxcode=false", "-knoxswitch=false", "-knoxhttp=false", "-knoxwire=false"} {
		if !slices.Contains(got, want) {
			t.Errorf("GOROOT unit: %v lacks %s", got, want)
		}
	}
	for _, keep := range []string{"-knoxunhandled=false", "-knoxretry=false"} {
		if slices.Contains(got, keep) {
			t.Errorf("GOROOT unit: %v has %s, but that analyzer's facts are what importers read", got, keep)
		}
	}
	if got[len(got)-1] != std || got[0] != "-printf.funcs=x" {
		t.Errorf("GOROOT unit: %v; want the user's flags first and the cfg last", got)
	}
	got = gorootFlags([]string{"-unsafeptr=true", "-knoxcode.strict", std})
	if slices.Contains(got, "-unsafeptr=false") || slices.Contains(got, "-knoxcode=false") {
		t.Errorf("flags the user named were overridden: %v", got)
	}
	if got := gorootFlags([]string{"-vet=false", std}); slices.Contains(got, "-unsafeptr=false") {
		t.Errorf("-vet=false: %v names -unsafeptr, which is then undefined", got)
	}
	args := []string{"-vet=false", user}
	if got := gorootFlags(args); !slices.Equal(got, args) {
		t.Errorf("user unit: %v, want it unchanged", got)
	}
	if got := gorootFlags([]string{"-V=full"}); !slices.Equal(got, []string{"-V=full"}) {
		t.Errorf("-V=full: %v", got)
	}
}

func TestVetFlagValue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"-vet=false", "x.cfg"}, false},
		{[]string{"--vet=0", "x.cfg"}, false},
		{[]string{"-vet", "x.cfg"}, true},
		{[]string{"-vet=false", "-vet=true"}, true},
		{[]string{"-vettool=false"}, true},
	} {
		if got := vetFlagValue(tc.args); got != tc.want {
			t.Errorf("vetFlagValue(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestIsVetProtocol(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"/tmp/go-build/vet.cfg"}, true},
		{[]string{"-knoxcode.strict", "-vet=false", "vet.cfg"}, true},
		{[]string{"-V=full"}, true},
		{[]string{"--flags"}, true},
		{[]string{"./..."}, false},
		{[]string{"vet.cfg", "./..."}, false},
		{[]string{"-format=sarif", "./cfg"}, false},
		{[]string{"V", "flags"}, false},
		{[]string{"-Vx"}, false},
	} {
		if got := isVetProtocol(tc.args); got != tc.want {
			t.Errorf("isVetProtocol(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
