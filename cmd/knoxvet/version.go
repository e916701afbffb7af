package main

import "runtime/debug"

// buildVersion is set by release builds:
// go build -ldflags "-X main.buildVersion=v1.2.3" ./cmd/knoxvet
var buildVersion string

// version is knoxvet's version, the SARIF driver version: the one stamped at
// build time, else the module version when installed with `go install …@vX`,
// else the VCS revision the binary was built from, else "(devel)".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
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
