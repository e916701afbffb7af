package knoxtest_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestKnoxtest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "knoxtest: the simulated Knox Cloud")
}
