package main

import (
	"context"
	"io"

	"github.com/knoxconform/knoxconform/knoxtest"
)

// sandboxConfig holds the serve flags.
type sandboxConfig struct {
	Addr, KeysFile, ClientIdentifier, Dir string
	TLS                                   bool
}

// runSandbox serves the simulated Knox Cloud until ctx ends.
func runSandbox(ctx context.Context, sc sandboxConfig, out io.Writer) error {
	return knoxtest.RunSandbox(ctx, knoxtest.SandboxConfig{
		Addr:             sc.Addr,
		KeysFile:         sc.KeysFile,
		ClientIdentifier: sc.ClientIdentifier,
		Dir:              sc.Dir,
		TLS:              sc.TLS,
	}, out)
}
