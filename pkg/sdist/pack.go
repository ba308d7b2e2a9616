package sdist

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/venv"
)

// packModTime is every entry's modification time in a packed tree: the
// same instant as the SOURCE_DATE_EPOCH builds run with.
var packModTime = time.Unix(315532800, 0).UTC()

// skippedDirs are directories PackTree leaves out wherever they are:
// version control, caches of tools, and (with any directory holding a
// pyvenv.cfg) virtual environments.
var skippedDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, ".bzr": true, "_darcs": true,
	"__pycache__": true, ".tox": true, ".nox": true, ".mypy_cache": true,
	".pytest_cache": true, ".ruff_cache": true, ".hypothesis": true,
}

// skippedTopDirs are left out at the top of the tree only: the output of
// earlier builds.
var skippedTopDirs = map[string]bool{"build": true, "dist": true}

// TreeFilename is the file name PackTree's archive of project name at
// version goes by: "<normalised_name>-<version>.tar.gz", as PEP 625 names
// sdists.
func TreeFilename(name, version string) string {
	return strings.ReplaceAll(pyname.Normalize(name), "-", "_") + "-" + version + ".tar.gz"
}

// PackTree writes the source tree dir (a project directory or a git
// checkout) to w as a gzipped tar whose single top-level directory is
// "<normalised_name>-<version>", so that Build can build it like an sdist.
// The archive depends only on the tree's contents: it is written by
// venv.TarDestination (sorted, owned by root, modes 0755 or 0644), stamped
// 1980-01-01. Version control directories, tool caches, .pyc files,
// virtual environments and the top-level build/ and dist/ are left out.
// Symbolic links are kept when they stay inside the tree and point at
// something; other special files are left out.
func PackTree(ctx context.Context, dir, name, version string, w io.Writer) error {
	top := "/" + strings.TrimSuffix(TreeFilename(name, version), ".tar.gz")
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("packing %q: %w", dir, err)
	}
	defer func() { _ = root.Close() }()
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	dst := venv.NewTarDestination(zw, venv.TarOptions{ModTime: packModTime})
	p := &packer{ctx: ctx, root: root, dir: dir, top: top, dst: dst}
	if err := dst.Mkdir(top); err != nil {
		return err
	}
	if err := p.walk("."); err != nil {
		return fmt.Errorf("packing %q: %w", dir, err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("packing %q: %w", dir, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("packing %q: %w", dir, err)
	}
	return nil
}

type packer struct {
	ctx  context.Context
	root *os.Root
	dir  string
	top  string
	dst  *venv.TarDestination
}

// walk adds the contents of the directory rel (slash-separated, "." for
// the top).
func (p *packer) walk(rel string) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	f, err := p.root.Open(rel)
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	_ = f.Close() // a directory opened for reading has nothing to flush
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		child := path.Join(rel, name)
		out := p.top + "/" + child
		switch t := e.Type(); {
		case t.IsDir():
			if skippedDirs[name] || (rel == "." && skippedTopDirs[name]) {
				continue
			}
			if _, err := p.root.Stat(path.Join(child, "pyvenv.cfg")); err == nil {
				continue // a virtual environment
			}
			if err := p.dst.Mkdir(out); err != nil {
				return err
			}
			if err := p.walk(child); err != nil {
				return err
			}
		case t&fs.ModeSymlink != 0:
			target, err := p.root.Readlink(child)
			if err != nil {
				return err
			}
			if !p.linkInside(rel, target) {
				continue
			}
			if err := p.dst.Symlink(out, target); err != nil {
				return err
			}
		case t.IsRegular():
			if strings.HasSuffix(name, ".pyc") || strings.HasSuffix(name, ".pyo") {
				continue
			}
			if err := p.file(child, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// linkInside says whether a symbolic link in directory rel to target stays
// inside the tree and resolves (through the root, which refuses escapes).
func (p *packer) linkInside(rel, target string) bool {
	if path.IsAbs(target) || strings.Contains(target, "\\") {
		return false
	}
	if strings.HasPrefix(path.Clean(path.Join(rel, target)), "../") || path.Clean(path.Join(rel, target)) == ".." {
		return false
	}
	_, err := p.root.Stat(path.Join(rel, target))
	return err == nil
}

func (p *packer) file(rel, out string) error {
	f, err := p.root.Open(rel)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read-only
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := p.dst.WriteFile(out, fi.Mode(), fi.Size(), f); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(p.dir, filepath.FromSlash(rel)), err)
	}
	return nil
}
