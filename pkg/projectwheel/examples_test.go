package projectwheel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/wheel"
)

// TestExamples builds every example project under examples/ that is a
// package, opens the wheel with canto's installer checks and verifies it.
// Projects that are not packages or need a real backend must say so with
// the typed errors.
func TestExamples(t *testing.T) {
	root := "../../examples"
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("no examples: %v", err)
	}
	built := 0
	for _, e := range entries {
		path := filepath.Join(root, e.Name(), "pyproject.toml")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			p, err := pyproject.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Build(context.Background(), filepath.Dir(path), p, WithGeneratorVersion("test"))
			var nap *NotAPackageError
			var unsup *UnsupportedError
			switch {
			case !IsPackage(p):
				if !errors.As(err, &nap) {
					t.Fatalf("package-mode false: error = %v, want *NotAPackageError", err)
				}
				return
			case errors.As(err, &unsup):
				t.Skipf("needs its own backend: %v", err)
			case err != nil:
				t.Fatal(err)
			}
			u := readWheel(t, res.Bytes)
			if len(u.names) < 4 {
				t.Errorf("only %d members: %v", len(u.names), u.names)
			}
			w, err := wheel.Open(bytes.NewReader(res.Bytes), res.Size, res.Filename)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Verify(context.Background()); err != nil {
				t.Fatal(err)
			}
			again, err := Build(context.Background(), filepath.Dir(path), p, WithGeneratorVersion("test"))
			if err != nil {
				t.Fatal(err)
			}
			if again.SHA256 != res.SHA256 {
				t.Errorf("rebuild differs: %s then %s", res.SHA256, again.SHA256)
			}
			built++
		})
	}
	t.Logf("built %d example wheels", built)
}
