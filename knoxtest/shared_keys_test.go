package knoxtest

import (
	"os"
	"path/filepath"
	"testing"
)

// A process whose TempDirEnv holds shared keys uses them (every worker of a
// run then has the same pairs, made once); the files are private; without
// them a process makes its own.
func TestShareKeys(t *testing.T) {
	dir := t.TempDir()
	if err := ShareKeys(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{sharedServerKeys, sharedUnregisteredKeys} {
		fi, err := os.Stat(filepath.Join(dir, sharedKeysDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600 (it holds a private key)", name, fi.Mode().Perm())
		}
	}
	t.Setenv(TempDirEnv, dir)
	a, err := sharedOrNew(sharedServerKeys, "unused")
	if err != nil {
		t.Fatal(err)
	}
	b, err := sharedOrNew(sharedServerKeys, "unused")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Private.Equal(b.Private) || a.Identifier == "unused" {
		t.Error("two loads of the shared server keys differ, or the pair was generated instead of loaded")
	}
	o, err := sharedOrNew(sharedUnregisteredKeys, "unused")
	if err != nil {
		t.Fatal(err)
	}
	if o.Private.Equal(a.Private) || o.Identifier != unregisteredIdentifier {
		t.Errorf("the unregistered pair is the server's, or named %q", o.Identifier)
	}
	t.Setenv(TempDirEnv, t.TempDir())
	c, err := sharedOrNew(sharedServerKeys, "fresh")
	if err != nil {
		t.Fatal(err)
	}
	if c.Identifier != "fresh" || c.Private.Equal(a.Private) {
		t.Error("without shared keys a fresh pair must be made")
	}
}
