package knoxunhandled_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/knoxconform/knoxconform/analyzer/knoxunhandled"
)

// TestAnalyzer checks every rule, the silent lines beside them, and the facts
// of a three-package chain a → b → c.
func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), knoxunhandled.Analyzer, "c", "b", "a", "h1", "h2", "h3", "otherapi", "plain")
}
