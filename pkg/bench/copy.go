package bench

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// skipDirs are directories a project copy leaves out: version control,
// virtualenvs and caches, which no strategy builds from.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".venv": true, "venv": true, "__pycache__": true,
	".mypy_cache": true, ".pytest_cache": true, ".ruff_cache": true, ".tox": true, "node_modules": true, "dist": true}

// copyTree copies the regular files, directories and symbolic links of src
// to dst (which must not exist), leaving out skipDirs. Modes are kept;
// other file types are an error.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if rel != "." && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			return copyFile(path, target, info.Mode().Perm())
		default:
			return fmt.Errorf("copying %q: not a regular file, directory or symbolic link", path)
		}
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("copying %q: %w", src, err)
	}
	return out.Close()
}

// CodeFile picks the file of the project's own code that the code change
// edits: the first __init__.py (in lexical order of paths) of a package
// outside tests and the directories a copy leaves out, else the first .py
// file outside them. The result is relative to dir.
func CodeFile(dir string) (string, error) {
	var inits, others []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			n := d.Name()
			if rel != "." && (skipDirs[n] || strings.HasPrefix(n, ".") || n == "tests" || n == "test") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(rel, ".py") {
			return nil
		}
		if d.Name() == "__init__.py" {
			inits = append(inits, rel)
		} else {
			others = append(others, rel)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("looking for the project's code in %q: %w", dir, err)
	}
	sort.Strings(inits)
	sort.Strings(others)
	if len(inits) > 0 {
		return inits[0], nil
	}
	if len(others) > 0 {
		return others[0], nil
	}
	return "", fmt.Errorf("looking for the project's code in %q: no Python file\nhint: name one with --code-file", dir)
}
