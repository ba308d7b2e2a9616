package sdist_test

import (
	"os"
	"testing"

	"github.com/canto-build/canto/pkg/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Init()
	os.Exit(m.Run())
}
