package sandbox_test

import (
	"os"
	"testing"

	"github.com/canto-build/canto/pkg/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Init()
	os.Exit(m.Run())
}

// needSandbox skips t when the machine cannot run sandboxes, saying why.
func needSandbox(t *testing.T) {
	t.Helper()
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
}
