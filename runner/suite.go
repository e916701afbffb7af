package runner

// This file is the only place that knows the conformance package's API.

import (
	"github.com/onsi/ginkgo/v2/types"

	"github.com/knoxconform/knoxconform/conformance"
	"github.com/knoxconform/knoxconform/reports"
	"github.com/knoxconform/knoxconform/target"
)

type suiteOptions = conformance.Options

// suiteSession is an adapter session started before the suite (the probe's).
type suiteSession = conformance.Session

// suiteTargetOptions are the options the suite starts the adapter with.
func suiteTargetOptions(o suiteOptions) target.Options { return conformance.TargetOptions(o) }

func suiteCases() []reports.Case { return conformance.Cases() }

// suiteGlobMatchesCase applies --cases glob semantics to the case IDs.
func suiteGlobMatchesCase(glob string) bool { return conformance.GlobMatchesCase(glob) }

// suiteCountCases is how many cases the --cases globs select (0 for none given).
func suiteCountCases(globs []string) int { return conformance.CountCases(splitList(globs)) }

// suiteFocusForGlob's errors already name --cases and say what to do.
func suiteFocusForGlob(glob string) (string, error) {
	f, err := conformance.FocusForGlob(glob)
	if err != nil {
		return "", &UsageError{Msg: err.Error()}
	}
	return f, nil
}

func suiteRegister(o suiteOptions) { conformance.Register(o) }

// suiteSelectedIDs are the case IDs the --cases globs select.
func suiteSelectedIDs(globs []string, labelFilter string) ([]string, error) {
	return conformance.SelectedIDs(globs, labelFilter)
}

// suiteCaseIDOf maps a spec to its case: each case is one table entry whose
// description is the case ID.
func suiteCaseIDOf(sr types.SpecReport) string { return sr.LeafNodeText }

// suiteDecodeCase finds the evidence the suite attached to a finished spec.
func suiteDecodeCase(sr types.SpecReport) (reports.CaseResult, bool) {
	return conformance.DecodeCase(sr)
}

// suiteClassify classifies a finished spec by the rules summary.json uses.
func suiteClassify(res *reports.CaseResult, sr types.SpecReport, expected map[string]string) {
	conformance.Classify(res, sr, expected)
}
