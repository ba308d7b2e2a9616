//go:build unix

package venv_test

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/venv"
)

// The layer does not depend on the process umask (the wheel's and the
// temporary files' modes never reach the headers).
func TestTarIgnoresUmask(t *testing.T) {
	opts := venv.TarOptions{ModTime: time.Unix(42, 0), MemoryLimit: 16, TempDir: t.TempDir()}
	old := syscall.Umask(0)
	a := buildLayer(t, demoWheel(time.Time{}), opts)
	syscall.Umask(0o077)
	b := buildLayer(t, demoWheel(time.Now()), opts)
	syscall.Umask(old)
	if !bytes.Equal(a, b) {
		t.Error("layers built under umask 0 and 077 differ")
	}
}
