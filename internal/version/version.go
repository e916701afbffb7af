// Package version says which knoxconform release a binary is, for
// `knoxconform version` and `knoxvet version`.
//
// In order of preference: the description stamped at build time (make build
// passes `git describe` through -ldflags), the module version the go command
// recorded when the binary was installed with `go install …@vX.Y.Z`, and for a
// plain `go build` of a checkout the VCS revision it was built from.
package version

import (
	"runtime/debug"
)

// Stamp is set at build time:
//
//	go build -ldflags "-X github.com/knoxconform/knoxconform/internal/version.Stamp=$(git describe --tags --always --dirty)"
var Stamp string

// String returns the version of the running binary.
func String() string {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Stamp, bi)
}

// resolve is String on explicit inputs, for tests.
func resolve(stamp string, bi *debug.BuildInfo) string {
	if stamp != "" {
		return stamp
	}
	if bi == nil {
		return "(unknown)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return "devel-" + rev + modified
	}
	return "(devel)"
}
