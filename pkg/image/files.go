package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// FileInfo describes one path of an image's merged filesystem.
type FileInfo struct {
	// Type is the tar type flag of the entry: tar.TypeReg, tar.TypeDir,
	// tar.TypeSymlink, tar.TypeLink (a hard link), or another special type.
	// A directory that only its children imply is tar.TypeDir.
	Type byte
	// Linkname is a symlink's target as stored, or a hard link's source as
	// a clean absolute path.
	Linkname string
}

// VisitFunc is handed each regular file that is visible in the merged
// filesystem, as its layer streams past: p is its clean absolute path, size
// its length and r its content, which it may read partially or not at all.
type VisitFunc func(p string, size int64, r io.Reader) error

// Files is the merged filesystem of an image's layers: the paths a
// container would see, with symlinks resolvable inside the image. It keeps
// no file contents; ReadFiles hands them to a VisitFunc while merging, and
// Contents reads chosen files again from the layers that supplied them.
type Files struct {
	fs     *imageFS
	layers []v1.Layer // bottom first, as img.Layers returns them

	once     sync.Once
	children map[string][]string
}

// ReadFiles merges img's layers from the top down with the same rules as
// Inspect (OCI whiteouts and opaque directories) and calls visit, when not
// nil, with every regular file of the result. Hidden files are not visited.
func ReadFiles(ctx context.Context, img v1.Image, visit VisitFunc) (*Files, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	f := &Files{fs: &imageFS{entries: map[string]*fsEntry{}}, layers: layers}
	whiteouts := map[string]bool{}
	opaque := map[string]bool{}
	for li := len(layers) - 1; li >= 0; li-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cur := len(layers) - 1 - li
		var onFile func(string, int64, io.Reader, *fsEntry) error
		if visit != nil {
			onFile = func(p string, size int64, r io.Reader, _ *fsEntry) error {
				if err := visit(p, size, r); err != nil {
					return fmt.Errorf("reading %q: %w", p, err)
				}
				return nil
			}
		}
		wh, opq, err := f.fs.addLayer(layers[li], cur, whiteouts, opaque, onFile)
		if err != nil {
			d, _ := layers[li].Digest()
			return nil, fmt.Errorf("reading layer %s: %w", d, err)
		}
		for _, p := range wh {
			whiteouts[p] = true
		}
		for _, p := range opq {
			opaque[p] = true
		}
	}
	return f, nil
}

// Lstat describes p without following a symlink in its last element;
// symlinks in its directories are followed. ok is false when p is absent.
func (f *Files) Lstat(p string) (FileInfo, bool, error) {
	p = cleanTarPath(p)
	if p == "/" {
		return FileInfo{Type: tar.TypeDir}, true, nil
	}
	dir, _, err := f.resolve(path.Dir(p))
	if err != nil {
		return FileInfo{}, false, err
	}
	full := path.Join(dir, path.Base(p))
	if e, ok := f.fs.entries[full]; ok {
		return FileInfo{Type: e.typeflag, Linkname: e.linkname}, true, nil
	}
	if len(f.dirChildren()[full]) > 0 {
		return FileInfo{Type: tar.TypeDir}, true, nil
	}
	return FileInfo{}, false, nil
}

// Resolve follows symlinks in every component of p within the image (a
// link never climbs above "/") and returns the path it lands on; ok is
// false when that path does not exist.
func (f *Files) Resolve(p string) (string, bool, error) {
	real, e, err := f.resolve(p)
	if err != nil {
		return "", false, err
	}
	if e == nil && len(f.dirChildren()[real]) == 0 && real != "/" {
		return real, false, nil
	}
	return real, true, nil
}

// resolve is imageFS.resolve, which stops early at a symlink to a
// directory the layers only imply; it carries on from there.
func (f *Files) resolve(p string) (string, *fsEntry, error) {
	real, e, err := f.fs.resolve(p)
	for i := 0; err == nil && e == nil && real != p && i < maxSymlinkHops; i++ {
		p = real
		real, e, err = f.fs.resolve(p)
	}
	return real, e, err
}

// ReadDir returns the sorted names directly inside directory dir, after
// resolving dir's symlinks.
func (f *Files) ReadDir(dir string) []string {
	real, e, err := f.resolve(dir)
	if err != nil || (e != nil && !e.isDir()) {
		return nil
	}
	return f.dirChildren()[real]
}

// dirChildren indexes the entries by parent directory, once.
func (f *Files) dirChildren() map[string][]string {
	f.once.Do(func() {
		f.children = map[string][]string{}
		seen := map[string]bool{}
		for p := range f.fs.entries {
			for c := p; c != "/"; c = path.Dir(c) {
				if seen[c] {
					break
				}
				seen[c] = true
				parent := path.Dir(c)
				f.children[parent] = append(f.children[parent], path.Base(c))
			}
		}
		for _, names := range f.children {
			sort.Strings(names)
		}
	})
	return f.children
}

// Contents reads the regular files at paths (symlinks and hard links
// followed) again from the layers that supplied them, one pass per layer
// involved. A file larger than limit bytes is an error; so is a path that
// is not a regular file. The result is keyed by the paths as given.
func (f *Files) Contents(ctx context.Context, paths []string, limit int64) (map[string][]byte, error) {
	want := map[int]map[string][]string{} // layer → real path → requested paths
	for _, p := range paths {
		real, e, err := f.resolve(p)
		if err != nil {
			return nil, err
		}
		if e != nil && e.typeflag == tar.TypeLink {
			real, e = e.linkname, f.fs.entries[e.linkname]
		}
		if e == nil || e.typeflag != tar.TypeReg {
			return nil, fmt.Errorf("reading %q: not a regular file in the image", p)
		}
		if want[e.layer] == nil {
			want[e.layer] = map[string][]string{}
		}
		want[e.layer][real] = append(want[e.layer][real], p)
	}
	out := map[string][]byte{}
	for cur, files := range want {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l := f.layers[len(f.layers)-1-cur]
		if err := readFromLayer(l, files, limit, out); err != nil {
			d, _ := l.Digest()
			return nil, fmt.Errorf("reading layer %s: %w", d, err)
		}
	}
	return out, nil
}

func readFromLayer(l v1.Layer, files map[string][]string, limit int64, out map[string][]byte) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	left := len(files)
	found := map[string][]byte{}
	for left > 0 {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		p := cleanTarPath(hdr.Name)
		if _, ok := files[p]; !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if hdr.Size > limit {
			return fmt.Errorf("file %q is %d bytes, more than the %d allowed", p, hdr.Size, limit)
		}
		b, err := io.ReadAll(io.LimitReader(tr, limit))
		if err != nil {
			return fmt.Errorf("reading %q: %w", p, err)
		}
		if _, seen := found[p]; !seen {
			left--
		}
		found[p] = b
	}
	for real, reqs := range files {
		b, ok := found[real]
		if !ok {
			return fmt.Errorf("reading %q: not in its layer", real)
		}
		for _, p := range reqs {
			out[p] = b
		}
	}
	return nil
}
