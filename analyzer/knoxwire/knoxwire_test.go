package knoxwire_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/knoxwire"
)

func TestKnoxwire(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), knoxwire.Analyzer, "w", "notknox")
}
