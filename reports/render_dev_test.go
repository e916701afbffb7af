package reports

import (
	"os"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func TestDevRender(t *testing.T) {
	dir := os.Getenv("REPORTS_DEV_DIR")
	if dir == "" {
		t.Skip("dev only")
	}
	if err := WriteAllWith(dir, sampleSummary(), types.Report{}, Options{Secrets: testSecrets()}); err != nil {
		t.Fatal(err)
	}
}
