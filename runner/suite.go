package runner

// This file is the only place that knows the conformance package's API.

import (
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/conformance"
	"github.com/knoxconform/knoxconform/reports"
)

type suiteOptions = conformance.Options

func suiteCases() []reports.Case { return conformance.Cases() }

// suiteFocusForGlob's errors already name --cases and say what to do.
func suiteFocusForGlob(glob string) (string, error) {
	f, err := conformance.FocusForGlob(glob)
	if err != nil {
		return "", &UsageError{Msg: err.Error()}
	}
	return f, nil
}

func suiteRegister(o suiteOptions) { conformance.Register(o) }

// suiteCaseIDOf maps a spec to its case: each case is one table entry whose
// description is the case ID.
func suiteCaseIDOf(sr types.SpecReport) string { return sr.LeafNodeText }
