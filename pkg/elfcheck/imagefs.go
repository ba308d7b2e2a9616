package elfcheck

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/canto-build/canto/pkg/image"
)

const (
	// maxSmallFile bounds the configuration and database files kept while
	// reading an image (ld.so.conf, RECORD, dpkg lists and status).
	maxSmallFile = 32 << 20
	// maxInMemoryELF is the largest ELF file parsed in memory; bigger ones
	// go through a temporary file.
	maxInMemoryELF = 64 << 20
	// maxReadFile bounds a file read lazily from the layers (a library
	// Vendor copies).
	maxReadFile = 1 << 30
)

// ImageFS is the merged filesystem of an image, read in one pass over its
// layers: it keeps the paths, the ELF facts of every ELF file and the
// contents of the few small files the check reads (ld.so.conf, wheel
// RECORD files, dpkg's lists and status). Other contents are read again
// from their layer on demand.
type ImageFS struct {
	files   *image.Files
	objects map[string]*Object
	bad     map[string]error
	small   map[string][]byte
	// Env and Arch are the image config's environment and architecture.
	Env  []string
	Arch string

	mu     sync.Mutex
	loaded map[string][]byte
}

var _ FS = (*ImageFS)(nil)

// keepSmall says which files an ImageFS keeps the contents of.
func keepSmall(p string) bool {
	switch {
	case p == "/etc/ld.so.conf", strings.HasPrefix(p, "/etc/ld.so.conf.d/"),
		strings.HasPrefix(p, "/etc/ld-musl-") && strings.HasSuffix(p, ".path"),
		strings.HasSuffix(p, ".dist-info/RECORD"),
		p == "/var/lib/dpkg/status",
		strings.HasPrefix(p, "/var/lib/dpkg/info/") && strings.HasSuffix(p, ".list"):
		return true
	}
	return false
}

// NewImageFS reads img's layers (see image.ReadFiles for the merging
// rules). It costs one pass over the uncompressed layers.
func NewImageFS(ctx context.Context, img v1.Image) (*ImageFS, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	f := &ImageFS{
		objects: map[string]*Object{},
		bad:     map[string]error{},
		small:   map[string][]byte{},
		loaded:  map[string][]byte{},
		Env:     cfg.Config.Env,
		Arch:    cfg.Architecture,
	}
	var buf bytes.Buffer
	files, err := image.ReadFiles(ctx, img, func(p string, size int64, r io.Reader) error {
		delete(f.objects, p) // a later entry of the same path in one layer wins
		delete(f.bad, p)
		if keepSmall(p) {
			if size > maxSmallFile {
				return fmt.Errorf("%d bytes is more than the %d allowed", size, maxSmallFile)
			}
			b, err := io.ReadAll(io.LimitReader(r, maxSmallFile))
			f.small[p] = b
			return err
		}
		if size < 64 {
			return nil
		}
		var magic [4]byte
		if _, err := io.ReadFull(r, magic[:]); err != nil {
			return err
		}
		if !bytes.Equal(magic[:], elfMagic) {
			return nil
		}
		obj, err := parseStream(io.MultiReader(bytes.NewReader(magic[:]), r), size, &buf)
		if err != nil {
			if errors.Is(err, ErrNotELF) {
				return nil
			}
			var pe *parseError
			if errors.As(err, &pe) {
				f.bad[p] = pe.err // reported when the file matters
				return nil
			}
			return err
		}
		f.objects[p] = obj
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading image files: %w", err)
	}
	f.files = files
	return f, nil
}

// parseError is a damaged ELF file, as opposed to a failed read.
type parseError struct{ err error }

func (e *parseError) Error() string { return e.err.Error() }

// parseStream parses an ELF file of size bytes from r, in buf when it is
// small and through a temporary file otherwise.
func parseStream(r io.Reader, size int64, buf *bytes.Buffer) (*Object, error) {
	if size <= maxInMemoryELF {
		buf.Reset()
		if _, err := io.Copy(buf, io.LimitReader(r, size)); err != nil {
			return nil, err
		}
		obj, err := ParseELF(bytes.NewReader(buf.Bytes()))
		if err != nil && !errors.Is(err, ErrNotELF) {
			return nil, &parseError{err}
		}
		return obj, err
	}
	tmp, err := os.CreateTemp("", "canto-elf-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	if _, err := io.Copy(tmp, io.LimitReader(r, size)); err != nil {
		return nil, err
	}
	obj, err := ParseELF(tmp)
	if err != nil && !errors.Is(err, ErrNotELF) {
		return nil, &parseError{err}
	}
	return obj, err
}

func kindOf(t byte) Kind {
	switch t {
	case tar.TypeReg, tar.TypeLink:
		return KindFile
	case tar.TypeDir:
		return KindDir
	case tar.TypeSymlink:
		return KindSymlink
	}
	return KindOther
}

// Lstat implements FS. A hard link is a file.
func (f *ImageFS) Lstat(name string) (Entry, error) {
	fi, ok, err := f.files.Lstat(name)
	if err != nil {
		return Entry{}, err
	}
	if !ok {
		return Entry{}, fmt.Errorf("lstat %q: %w", name, fs.ErrNotExist)
	}
	e := Entry{Kind: kindOf(fi.Type)}
	if fi.Type == tar.TypeSymlink {
		e.Link = fi.Linkname
	}
	return e, nil
}

// Resolve implements FS.
func (f *ImageFS) Resolve(name string) (string, error) {
	real, ok, err := f.files.Resolve(name)
	if err != nil {
		return "", err
	}
	if !ok {
		return real, fmt.Errorf("resolving %q: %w", name, fs.ErrNotExist)
	}
	return real, nil
}

// ReadDir implements FS.
func (f *ImageFS) ReadDir(name string) ([]string, error) {
	e, err := f.Lstat(name)
	if err == nil && e.Kind == KindSymlink {
		real, rerr := f.Resolve(name)
		if rerr != nil {
			return nil, rerr
		}
		e, err = f.Lstat(real)
	}
	if err != nil {
		return nil, err
	}
	if e.Kind != KindDir {
		return nil, fmt.Errorf("reading directory %q: not a directory", name)
	}
	return f.files.ReadDir(name), nil
}

// hardlinkTarget returns the path whose content real has: itself, or the
// source of a hard link.
func (f *ImageFS) hardlinkTarget(real string) string {
	if fi, ok, _ := f.files.Lstat(real); ok && fi.Type == tar.TypeLink {
		return fi.Linkname
	}
	return real
}

// ReadFile implements FS. Files other than the kept ones are read from
// their layer, which takes a pass over it; Preload reads several at once.
func (f *ImageFS) ReadFile(ctx context.Context, name string) ([]byte, error) {
	real, err := f.Resolve(name)
	if err != nil {
		return nil, err
	}
	real = f.hardlinkTarget(real)
	if b, ok := f.small[real]; ok {
		return b, nil
	}
	f.mu.Lock()
	b, ok := f.loaded[real]
	f.mu.Unlock()
	if ok {
		return b, nil
	}
	if err := f.Preload(ctx, []string{real}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loaded[real], nil
}

// Preload reads the regular files names from their layers in one pass per
// layer, for ReadFile to return.
func (f *ImageFS) Preload(ctx context.Context, names []string) error {
	var want []string
	f.mu.Lock()
	for _, n := range names {
		real, err := f.Resolve(n)
		if err != nil {
			f.mu.Unlock()
			return err
		}
		real = f.hardlinkTarget(real)
		if _, ok := f.loaded[real]; !ok {
			if _, ok := f.small[real]; !ok {
				want = append(want, real)
			}
		}
	}
	f.mu.Unlock()
	if len(want) == 0 {
		return nil
	}
	got, err := f.files.Contents(ctx, want, maxReadFile)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, b := range got {
		f.loaded[p] = b
	}
	return nil
}

// Object implements objectSource from the facts read up front.
func (f *ImageFS) Object(_ context.Context, real string) (*Object, error) {
	real = f.hardlinkTarget(path.Clean(real))
	if err, ok := f.bad[real]; ok {
		return nil, fmt.Errorf("reading %q: %w", real, err)
	}
	return f.objects[real], nil
}
