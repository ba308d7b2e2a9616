// Package tmpdir owns removing temporary directory trees: the unfinished
// work directories that a run killed in the middle leaves behind in a
// cache (root filesystem unpackings, git checkouts), and trees holding
// directories without write permission.
package tmpdir

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RemoveTree removes p even when it holds directories without write
// permission.
func RemoveTree(p string) error {
	_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}

// RemoveStale removes the entries of dir whose names start with prefix and
// that were last changed before cutoff. Errors are ignored: a leftover
// costs disk space, not correctness, and another process may be removing
// it at the same time.
func RemoveStale(dir, prefix string, cutoff time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			_ = RemoveTree(filepath.Join(dir, e.Name()))
		}
	}
}
