package knoxtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/knoxconform/knoxconform/knoxkeys"
)

// A run spread over many processes (knoxconform's parallel workers) makes its
// RSA key pairs once instead of once per process: generating a 2048-bit pair
// costs about 50 ms of CPU, and two dozen workers each making theirs delayed
// every worker's first case by most of a second on two cores. ShareKeys writes
// the pairs under the directory TempDirEnv names (which the run removes when
// it ends, however it ends), and every Server of a process started with that
// variable uses them.
const sharedKeysDir = "shared-keys"

// The shared pairs, by file name.
const (
	sharedServerKeys       = "server.json"       // registered with every Server (processKeys)
	sharedUnregisteredKeys = "unregistered.json" // registered nowhere (processOtherKeys)
)

// ShareKeys generates the process-wide key pairs and writes them (mode 0600)
// under dir/shared-keys, for every process whose TempDirEnv is dir. The two
// pairs are generated concurrently.
func ShareKeys(dir string) error {
	kd := filepath.Join(dir, sharedKeysDir)
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return fmt.Errorf("knoxtest: sharing keys: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, f := range []struct{ name, id string }{
		{sharedServerKeys, "knoxtest-" + randHex(8)},
		{sharedUnregisteredKeys, unregisteredIdentifier},
	} {
		wg.Go(func() {
			k, err := knoxkeys.Generate(2048, f.id)
			if err == nil {
				err = writeNew(filepath.Join(kd, f.name), k)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("knoxtest: sharing keys: %w", err)
	}
	return nil
}

// writeNew writes k to path through a temporary file and a rename, so that a
// process never reads half a key.
func writeNew(path string, k *knoxkeys.Keys) error {
	tmp := path + ".tmp"
	if err := k.WriteFile(tmp, knoxkeys.PKCS8); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// sharedOrNew loads the shared pair name when TempDirEnv's directory has one,
// else generates a pair with this identifier.
func sharedOrNew(name, identifier string) (*knoxkeys.Keys, error) {
	if d := os.Getenv(TempDirEnv); d != "" {
		if k, err := knoxkeys.Load(filepath.Join(d, sharedKeysDir, name)); err == nil {
			return k, nil
		}
	}
	return knoxkeys.Generate(2048, identifier)
}

// unregisteredIdentifier names the pair no Server registers.
const unregisteredIdentifier = "knoxtest-unregistered-key"

// processKeys is the key pair every Server uses unless WithKeys is given; RSA
// generation is slow, so it happens once per process (or once per run, see
// ShareKeys).
var processKeys = sync.OnceValues(func() (*knoxkeys.Keys, error) {
	return sharedOrNew(sharedServerKeys, "knoxtest-"+randHex(8))
})

// processOtherKeys is a second key pair, not registered anywhere; made on first
// use only, as only Mistakes needs it.
var processOtherKeys = sync.OnceValues(func() (*knoxkeys.Keys, error) {
	return sharedOrNew(sharedUnregisteredKeys, unregisteredIdentifier)
})
