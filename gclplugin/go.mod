module github.com/knoxconform/knoxconform/gclplugin

go 1.26.0

replace github.com/knoxconform/knoxconform => ../

require (
	github.com/golangci/plugin-module-register v0.1.2
	github.com/knoxconform/knoxconform v0.0.0-00010101000000-000000000000
	golang.org/x/tools v0.52.0
)
