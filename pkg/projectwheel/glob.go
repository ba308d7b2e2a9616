package projectwheel

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// entry is one file or directory below the project directory.
type entry struct {
	rel   string // slash-separated, relative to the project directory
	isDir bool
	exec  bool // owner-execute bit of the file (after following a link)
}

// tree is a sorted listing of the project directory, taken once so that
// every glob sees the same files. Directories named .git or __pycache__, and
// virtual environments (directories holding pyvenv.cfg), are not entered.
// Symbolic links to directories are not descended. Symbolic links to files
// are followed; those that resolve outside the project are listed but
// refused when packed.
type tree struct {
	root    string
	entries []entry
	byRel   map[string]int
	// outside maps files that are symbolic links out of the project to
	// their targets; packing one is an error, listing it is not.
	outside map[string]string
}

func listTree(ctx context.Context, root string, skipped func(rel, why string)) (*tree, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("resolving %q: %w", root, err)
	}
	t := &tree{root: root, byRel: map[string]int{}, outside: map[string]string{}}
	// filepath.WalkDir visits entries in lexical order, so the listing does
	// not depend on the directory's on-disk order.
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			if d.Name() == ".git" || d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			if _, err := os.Lstat(filepath.Join(p, "pyvenv.cfg")); err == nil {
				skipped(rel, "virtual environment")
				return filepath.SkipDir
			}
			t.add(entry{rel: rel, isDir: true})
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				skipped(rel, "dangling symbolic link")
				return nil
			}
			if r, err := filepath.Rel(realRoot, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
				t.outside[rel] = target
			}
			fi, err := os.Stat(target)
			if err != nil {
				return err
			}
			if fi.IsDir() {
				skipped(rel, "symbolic link to a directory is not followed")
				return nil
			}
			if !fi.Mode().IsRegular() {
				skipped(rel, "not a regular file")
				return nil
			}
			t.add(entry{rel: rel, exec: fi.Mode()&0o100 != 0})
			return nil
		case !d.Type().IsRegular():
			skipped(rel, "not a regular file")
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		t.add(entry{rel: rel, exec: fi.Mode()&0o100 != 0})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %q: %w", root, err)
	}
	return t, nil
}

func (t *tree) add(e entry) {
	t.byRel[e.rel] = len(t.entries)
	t.entries = append(t.entries, e)
}

func (t *tree) lookup(rel string) (entry, bool) {
	if rel == "" || rel == "." {
		return entry{rel: "", isDir: true}, true
	}
	i, ok := t.byRel[rel]
	if !ok {
		return entry{}, false
	}
	return t.entries[i], true
}

// filesUnder returns the files at or below rel, sorted.
func (t *tree) filesUnder(rel string) []entry {
	e, ok := t.lookup(rel)
	if !ok {
		return nil
	}
	if !e.isDir {
		return []entry{e}
	}
	prefix := rel + "/"
	if rel == "" {
		prefix = ""
	}
	var out []entry
	for _, x := range t.entries {
		if !x.isDir && strings.HasPrefix(x.rel, prefix) {
			out = append(out, x)
		}
	}
	return out
}

// glob returns the entries matching pattern relative to base (both
// slash-separated, base relative to the project), sorted by path, with
// pathlib.Path.glob's meaning: each component is an fnmatch pattern ("*",
// "?", "[seq]", "[!seq]"; "*" also matches names starting with a dot), and a
// "**" component matches zero or more directories. The entries' rel fields
// stay relative to the project.
func (t *tree) glob(base, pattern string) ([]entry, error) {
	pat := strings.Split(path.Clean(pattern), "/")
	for i, c := range pat {
		c = fnmatchToMatch(c)
		if _, err := path.Match(c, ""); err != nil {
			return nil, fmt.Errorf("invalid glob %q: %w", pattern, err)
		}
		pat[i] = c
	}
	prefix := base + "/"
	if base == "" || base == "." {
		prefix = ""
	}
	var out []entry
	if !hasMeta(pattern) {
		if e, ok := t.lookup(path.Join(base, path.Clean(pattern))); ok && e.rel != "" {
			out = append(out, e)
		}
		return out, nil
	}
	for _, e := range t.entries {
		if !strings.HasPrefix(e.rel, prefix) {
			continue
		}
		if matchParts(pat, strings.Split(strings.TrimPrefix(e.rel, prefix), "/"), e.isDir) {
			out = append(out, e)
		}
	}
	return out, nil
}

func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// fnmatchToMatch rewrites one fnmatch component for path.Match: "[!" is
// spelled "[^" there, and a backslash is literal in fnmatch.
func fnmatchToMatch(c string) string {
	c = strings.ReplaceAll(c, `\`, `\\`)
	return strings.ReplaceAll(c, "[!", "[^")
}

// matchParts matches path components against pattern components; every
// component but the last of a path is a directory.
func matchParts(pat, parts []string, isDir bool) bool {
	if len(pat) == 0 {
		return len(parts) == 0
	}
	if pat[0] == "**" {
		if len(pat) == 1 {
			// A trailing "**" matches directories only.
			return isDir
		}
		for i := 0; i < len(parts); i++ {
			if matchParts(pat[1:], parts[i:], isDir) {
				return true
			}
		}
		return false
	}
	if len(parts) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], parts[0])
	return ok && matchParts(pat[1:], parts[1:], isDir)
}
