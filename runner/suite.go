package runner

// This file is the only place that knows the conformance package's API.

import (
	"regexp"
	"strings"

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
	return anchorToDescription(f), nil
}

// anchorToDescription fixes up a focus regexp anchored at the start of the
// spec text: Ginkgo matches focus against the suite description, a space,
// then the spec text (internal/focus.go, ApplyFocusToSpecs), so "^" must be
// followed by our description.
func anchorToDescription(focus string) string {
	if !strings.HasPrefix(focus, "^") || strings.HasPrefix(focus, "^"+regexp.QuoteMeta(SuiteDescription)) {
		return focus
	}
	return "^" + regexp.QuoteMeta(SuiteDescription) + " (?:" + strings.TrimPrefix(focus, "^") + ")"
}

func suiteRegister(o suiteOptions) { conformance.Register(o) }

// suiteCaseIDOf maps a spec to its case: each case is one table entry whose
// description is the case ID.
func suiteCaseIDOf(sr types.SpecReport) string { return sr.LeafNodeText }
