package knoxerr_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestKnoxerr(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "knoxerr")
}
