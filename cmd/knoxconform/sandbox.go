package main

// TEMPORARY: knoxtest.RunSandbox has not landed yet; this stand-in keeps the
// command compiling and says so. It is replaced by a direct call once it exists.

import (
	"context"
	"errors"
	"io"
)

type sandboxConfig struct {
	Addr, KeysFile, ClientIdentifier, Dir string
	TLS                                   bool
}

func runSandbox(ctx context.Context, sc sandboxConfig, out io.Writer) error {
	return errors.New("the sandbox is not available in this build yet")
}
