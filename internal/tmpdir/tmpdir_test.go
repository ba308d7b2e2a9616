package tmpdir_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/canto-build/canto/internal/tmpdir"
)

// TestRemoveStale: what a killed unpacking left (an old .tmp- directory,
// even one holding a directory without write permission) is removed; a
// fresh one, which another process may be writing, and finished trees stay.
func TestRemoveStale(t *testing.T) {
	base := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for _, d := range []string{".tmp-old/usr/lib", ".tmp-new/usr", "sha256-abc/usr"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(base, ".tmp-old/usr"), 0o555); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{".tmp-old", "sha256-abc"} {
		if err := os.Chtimes(filepath.Join(base, d), old, old); err != nil {
			t.Fatal(err)
		}
	}
	tmpdir.RemoveStale(base, ".tmp-", time.Now().Add(-time.Hour))
	var left []string
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if diff := cmp.Diff([]string{".tmp-new", "sha256-abc"}, left); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
}
