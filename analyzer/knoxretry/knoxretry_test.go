package knoxretry_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/knoxretry"
)

func TestKnoxretry(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), knoxretry.Analyzer, "r", "notknox", "kdep", "usekdep")
}
