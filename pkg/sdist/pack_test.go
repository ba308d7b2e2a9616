package sdist_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"

	"github.com/canto-build/canto/pkg/sdist"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func packed(t *testing.T, dir string) ([]byte, []string) {
	t.Helper()
	var buf bytes.Buffer
	if err := sdist.PackTree(context.Background(), dir, "My.Project", "1.0", &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var list []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entry := fmt.Sprintf("%s %c %o", h.Name, h.Typeflag, h.Mode)
		if h.Typeflag == tar.TypeSymlink {
			entry += " -> " + h.Linkname
		}
		if h.Uid != 0 || h.Gid != 0 || !h.ModTime.Equal(time.Unix(315532800, 0)) {
			t.Errorf("%s: owner %d:%d, time %v", h.Name, h.Uid, h.Gid, h.ModTime)
		}
		list = append(list, entry)
	}
	return buf.Bytes(), list
}

func TestPackTree(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"pyproject.toml":                   "[project]\nname = \"my.project\"\n",
		"src/my_project/__init__.py":       "X = 1\n",
		"src/my_project/__pycache__/x.pyc": "junk",
		"src/my_project/old.pyc":           "junk",
		".git/HEAD":                        "ref: refs/heads/main\n",
		".venv/pyvenv.cfg":                 "home = /usr/bin\n",
		"env2/pyvenv.cfg":                  "home = /usr/bin\n",
		"env2/lib/site.py":                 "",
		"build/lib/x.py":                   "",
		"dist/my_project-1.0.tar.gz":       "",
		"docs/build/index.md":              "kept: only the top build/ is output\n",
		"run.sh":                           "#!/bin/sh\n",
	})
	if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o700); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"inside": "src/my_project", "escape": "../../etc/passwd", "abs": "/etc/passwd", "dangling": "missing"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	data, list := packed(t, dir)
	want := []string{
		"my_project-1.0/ 5 755",
		"my_project-1.0/docs/ 5 755",
		"my_project-1.0/docs/build/ 5 755",
		"my_project-1.0/docs/build/index.md 0 644",
		"my_project-1.0/inside 2 777 -> src/my_project",
		"my_project-1.0/pyproject.toml 0 644",
		"my_project-1.0/run.sh 0 755",
		"my_project-1.0/src/ 5 755",
		"my_project-1.0/src/my_project/ 5 755",
		"my_project-1.0/src/my_project/__init__.py 0 644",
	}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}

	// The same contents elsewhere, with other times and a strict umask,
	// give the same bytes.
	other := t.TempDir()
	writeTree(t, other, map[string]string{
		"pyproject.toml":             "[project]\nname = \"my.project\"\n",
		"src/my_project/__init__.py": "X = 1\n",
		"docs/build/index.md":        "kept: only the top build/ is output\n",
		"run.sh":                     "#!/bin/sh\n",
	})
	if err := os.Chmod(filepath.Join(other, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(other, "pyproject.toml"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("src/my_project", filepath.Join(other, "inside")); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(filepath.Join(other, "pyproject.toml"), old, old); err != nil {
		t.Fatal(err)
	}
	if data2, _ := packed(t, other); !bytes.Equal(data, data2) {
		t.Error("the same tree packed to different bytes")
	}
	if got := sdist.TreeFilename("My.Project", "1.0"); got != "my_project-1.0.tar.gz" {
		t.Errorf("TreeFilename = %q", got)
	}
}

func TestPackTreeErrors(t *testing.T) {
	err := sdist.PackTree(context.Background(), "/nonexistent/tree", "x", "1", io.Discard)
	if err == nil || err.Error() != `packing "/nonexistent/tree": open /nonexistent/tree: no such file or directory` {
		t.Errorf("missing tree: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.py": ""})
	if err := sdist.PackTree(ctx, dir, "x", "1", io.Discard); err == nil {
		t.Error("a cancelled context packed anyway")
	}
}
