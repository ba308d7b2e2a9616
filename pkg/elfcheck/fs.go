package elfcheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Kind is the type of a filesystem entry.
type Kind int

// The kinds of entries the check tells apart.
const (
	KindFile Kind = iota + 1
	KindDir
	KindSymlink
	// KindOther is a device, FIFO or other special file.
	KindOther
)

// Entry describes one path of a filesystem.
type Entry struct {
	Kind Kind
	// Link is a symlink's target as stored.
	Link string
}

// FS is a read-only view of a root filesystem, such as the merged layers
// of an image. Paths are absolute and slash-separated, and symlinks resolve
// inside the root: ".." never climbs above "/". Errors for absent paths wrap
// fs.ErrNotExist.
type FS interface {
	// Lstat describes name without following a symlink in its last
	// element; symlinks in its directories are followed.
	Lstat(name string) (Entry, error)
	// Resolve follows the symlinks in every element of name and returns
	// the path it lands on. When that path does not exist it is returned
	// with an error wrapping fs.ErrNotExist.
	Resolve(name string) (string, error)
	// ReadDir returns the sorted names directly inside directory name.
	ReadDir(name string) ([]string, error)
	// ReadFile returns the content of the regular file at name, following
	// symlinks.
	ReadFile(ctx context.Context, name string) ([]byte, error)
}

// objectSource is implemented by filesystems that read ELF files up front
// (ImageFS), so the check does not read them again.
type objectSource interface {
	// Object returns the ELF facts of the regular file at real, a resolved
	// path: nil and no error when it is not an ELF file.
	Object(ctx context.Context, real string) (*Object, error)
}

// preloader is implemented by filesystems for which reading files one at a
// time is slow (ImageFS): Preload reads several in one pass.
type preloader interface {
	Preload(ctx context.Context, names []string) error
}

// maxSymlinkHops bounds symlink resolution, as Linux's MAXSYMLINKS does.
const maxSymlinkHops = 40

func cleanPath(p string) string { return path.Clean("/" + p) }

// resolveWith follows symlinks in every element of p, using lstat to look
// up a path whose directories are already resolved.
func resolveWith(lstat func(p string) (Entry, bool), p string) (string, error) {
	hops := 0
	return resolveHops(lstat, cleanPath(p), &hops)
}

func resolveHops(lstat func(string) (Entry, bool), p string, hops *int) (string, error) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for i, part := range parts {
		if part == "" {
			continue
		}
		next := path.Join(cur, part)
		e, ok := lstat(next)
		if !ok {
			return path.Join(append([]string{next}, parts[i+1:]...)...), fmt.Errorf("resolving %q: %w", p, fs.ErrNotExist)
		}
		if e.Kind == KindSymlink {
			*hops++
			if *hops > maxSymlinkHops {
				return "", fmt.Errorf("resolving %q: too many levels of symbolic links", p)
			}
			target := e.Link
			if !path.IsAbs(target) {
				target = path.Join(cur, target)
			}
			resolved, err := resolveHops(lstat, path.Clean(target), hops)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return path.Join(append([]string{resolved}, parts[i+1:]...)...), err
				}
				return "", err
			}
			next = resolved
		} else if i < len(parts)-1 && e.Kind != KindDir {
			return path.Join(append([]string{next}, parts[i+1:]...)...), fmt.Errorf("resolving %q: %s is not a directory: %w", p, next, fs.ErrNotExist)
		}
		cur = next
	}
	return cur, nil
}

// MapFile is one entry of a MapFS.
type MapFile struct {
	Kind Kind
	// Data is a file's content.
	Data []byte
	// Link is a symlink's target.
	Link string
}

// MapFS is a filesystem held in memory, keyed by absolute path. Directories
// that only their children imply exist. It is meant for tests and for the
// libraries Vendor adds.
type MapFS map[string]*MapFile

// File returns a regular file entry.
func File(data []byte) *MapFile { return &MapFile{Kind: KindFile, Data: data} }

// Symlink returns a symlink entry.
func Symlink(target string) *MapFile { return &MapFile{Kind: KindSymlink, Link: target} }

// Dir returns a directory entry.
func Dir() *MapFile { return &MapFile{Kind: KindDir} }

// raw looks p up without resolving anything.
func (m MapFS) raw(p string) (Entry, bool) {
	if p == "/" {
		return Entry{Kind: KindDir}, true
	}
	if f, ok := m[p]; ok {
		return Entry{Kind: f.Kind, Link: f.Link}, true
	}
	prefix := p + "/"
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return Entry{Kind: KindDir}, true
		}
	}
	return Entry{}, false
}

// Lstat implements FS.
func (m MapFS) Lstat(name string) (Entry, error) { return lstatWith(m.raw, name) }

func lstatWith(raw func(string) (Entry, bool), name string) (Entry, error) {
	name = cleanPath(name)
	dir, err := resolveWith(raw, path.Dir(name))
	if err != nil {
		return Entry{}, err
	}
	e, ok := raw(path.Join(dir, path.Base(name)))
	if !ok {
		return Entry{}, fmt.Errorf("lstat %q: %w", name, fs.ErrNotExist)
	}
	return e, nil
}

// Resolve implements FS.
func (m MapFS) Resolve(name string) (string, error) { return resolveWith(m.raw, name) }

// ReadDir implements FS.
func (m MapFS) ReadDir(name string) ([]string, error) {
	dir, err := m.Resolve(name)
	if err != nil {
		return nil, err
	}
	if e, _ := m.raw(dir); e.Kind != KindDir {
		return nil, fmt.Errorf("reading directory %q: not a directory", name)
	}
	prefix := strings.TrimSuffix(dir, "/") + "/"
	seen := map[string]bool{}
	var names []string
	for k := range m {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok || rest == "" {
			continue
		}
		first, _, _ := strings.Cut(rest, "/")
		if !seen[first] {
			seen[first] = true
			names = append(names, first)
		}
	}
	sort.Strings(names)
	return names, nil
}

// ReadFile implements FS.
func (m MapFS) ReadFile(_ context.Context, name string) ([]byte, error) {
	real, err := m.Resolve(name)
	if err != nil {
		return nil, err
	}
	f, ok := m[real]
	if !ok || f.Kind != KindFile {
		return nil, fmt.Errorf("reading %q: not a regular file", name)
	}
	return f.Data, nil
}

// Overlay returns upper laid over lower, as an image layer lies over the
// layers below it: a path of upper hides the same path of lower.
func Overlay(lower FS, upper MapFS) FS { return &overlayFS{lower: lower, upper: upper} }

type overlayFS struct {
	lower FS
	upper MapFS
}

func (o *overlayFS) raw(p string) (Entry, bool) {
	if f, ok := o.upper[p]; ok {
		return Entry{Kind: f.Kind, Link: f.Link}, true
	}
	if e, err := o.lower.Lstat(p); err == nil {
		return e, true
	}
	return o.upper.raw(p)
}

func (o *overlayFS) Lstat(name string) (Entry, error)    { return lstatWith(o.raw, name) }
func (o *overlayFS) Resolve(name string) (string, error) { return resolveWith(o.raw, name) }

func (o *overlayFS) ReadDir(name string) ([]string, error) {
	dir, err := o.Resolve(name)
	if err != nil {
		return nil, err
	}
	lower, lerr := o.lower.ReadDir(dir)
	upper, uerr := o.upper.ReadDir(dir)
	if lerr != nil && uerr != nil {
		return nil, lerr
	}
	names := append(lower, upper...)
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out, nil
}

func (o *overlayFS) ReadFile(ctx context.Context, name string) ([]byte, error) {
	real, err := o.Resolve(name)
	if err != nil {
		return nil, err
	}
	if f, ok := o.upper[real]; ok {
		if f.Kind != KindFile {
			return nil, fmt.Errorf("reading %q: not a regular file", name)
		}
		return f.Data, nil
	}
	return o.lower.ReadFile(ctx, real)
}

func (o *overlayFS) Object(ctx context.Context, real string) (*Object, error) {
	if f, ok := o.upper[real]; ok {
		if f.Kind != KindFile {
			return nil, nil
		}
		return parseObject(f.Data)
	}
	if src, ok := o.lower.(objectSource); ok {
		return src.Object(ctx, real)
	}
	b, err := o.lower.ReadFile(ctx, real)
	if err != nil {
		return nil, err
	}
	return parseObject(b)
}
