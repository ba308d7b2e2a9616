package sandbox

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/canto-build/canto/internal/tmpdir"
)

// DefaultMaxRootFSSize is the largest total size of regular files
// UnpackRootFS writes unless WithMaxSize changes it.
const DefaultMaxRootFSSize int64 = 16 << 30

// UnpackOption changes how UnpackRootFS unpacks.
type UnpackOption func(*unpackOptions)

type unpackOptions struct {
	maxSize int64
}

// WithMaxSize sets the largest total size, in bytes, of the regular files
// in the unpacked root filesystem (default DefaultMaxRootFSSize).
func WithMaxSize(n int64) UnpackOption {
	return func(o *unpackOptions) { o.maxSize = n }
}

// UnpackRootFS writes the flattened filesystem of img (its layers applied in
// order, whiteouts honoured) into dir, which must be empty or missing.
//
// It is safe against hostile layers: names with ".." are refused, absolute
// names are taken relative to dir, and every parent directory is resolved
// inside dir, symbolic links included (an absolute or climbing link target
// is interpreted as if dir were "/"), so nothing is written outside dir.
// Symbolic links are written as they are; hard links must name a file
// inside dir. Device nodes and FIFOs are skipped. Permission bits, setuid
// and setgid included, are kept, as are modification times; owners are kept
// only when running as root.
func UnpackRootFS(ctx context.Context, img v1.Image, dir string, opts ...UnpackOption) error {
	o := unpackOptions{maxSize: DefaultMaxRootFSSize}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unpacking root filesystem: %w", err)
	}
	if ents, err := os.ReadDir(dir); err != nil {
		return fmt.Errorf("unpacking root filesystem: %w", err)
	} else if len(ents) > 0 {
		return fmt.Errorf("unpacking root filesystem into %q: directory is not empty", dir)
	}
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	if err := unpackTar(ctx, rc, dir, o); err != nil {
		return fmt.Errorf("unpacking root filesystem into %q: %w", dir, err)
	}
	return nil
}

// unpackTar writes a flattened filesystem tar stream into root.
func unpackTar(ctx context.Context, r io.Reader, root string, o unpackOptions) error {
	tr := tar.NewReader(r)
	var total int64
	type dirMeta struct {
		rel   string
		mode  fs.FileMode
		mtime time.Time
	}
	var dirs []dirMeta
	asRoot := os.Geteuid() == 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading layer tar: %w", err)
		}
		rel, err := cleanName(hdr.Name)
		if err != nil {
			return err
		}
		if rel == "." {
			continue
		}
		if strings.HasPrefix(path.Base(rel), ".wh.") {
			continue // whiteouts are applied by the flattening; never write them
		}
		parent, err := resolveInRoot(root, path.Dir(rel), true)
		if err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
		dst := filepath.Join(parent, path.Base(rel))
		mode := fs.FileMode(hdr.Mode) & (fs.ModePerm)
		if hdr.Mode&0o4000 != 0 {
			mode |= fs.ModeSetuid
		}
		if hdr.Mode&0o2000 != 0 {
			mode |= fs.ModeSetgid
		}
		if hdr.Mode&0o1000 != 0 {
			mode |= fs.ModeSticky
		}
		if hdr.Typeflag == tar.TypeDir {
			if fi, err := os.Lstat(dst); err == nil && fi.IsDir() {
				// made earlier as a parent
			} else {
				if err := replace(dst); err != nil {
					return err
				}
				if err := os.Mkdir(dst, 0o700); err != nil {
					return err
				}
			}
			dirs = append(dirs, dirMeta{rel: dst, mode: mode, mtime: hdr.ModTime})
			if asRoot {
				if err := os.Lchown(dst, hdr.Uid, hdr.Gid); err != nil {
					return err
				}
			}
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old layers still use TypeRegA
			total += hdr.Size
			if hdr.Size < 0 || total > o.maxSize {
				return fmt.Errorf("entry %q: the root filesystem exceeds the limit of %d bytes", hdr.Name, o.maxSize)
			}
			if err := replace(dst); err != nil {
				return err
			}
			if err := writeFile(dst, tr, hdr.Size); err != nil {
				return fmt.Errorf("entry %q: %w", hdr.Name, err)
			}
		case tar.TypeSymlink:
			if err := replace(dst); err != nil {
				return err
			}
			if err := os.Symlink(hdr.Linkname, dst); err != nil {
				return err
			}
		case tar.TypeLink:
			lrel, err := cleanName(hdr.Linkname)
			if err != nil {
				return fmt.Errorf("hard link %q: %w", hdr.Name, err)
			}
			lparent, err := resolveInRoot(root, path.Dir(lrel), false)
			if err != nil {
				return fmt.Errorf("hard link %q to %q: %w", hdr.Name, hdr.Linkname, err)
			}
			src := filepath.Join(lparent, path.Base(lrel))
			fi, err := os.Lstat(src)
			if err != nil {
				return fmt.Errorf("hard link %q to %q: %w", hdr.Name, hdr.Linkname, err)
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("hard link %q to %q: target is not a regular file", hdr.Name, hdr.Linkname)
			}
			if err := replace(dst); err != nil {
				return err
			}
			if err := os.Link(src, dst); err != nil {
				return err
			}
			continue
		default:
			continue // device nodes, FIFOs and the like have no place in a build root
		}
		if asRoot {
			if err := os.Lchown(dst, hdr.Uid, hdr.Gid); err != nil {
				return err
			}
		}
		if hdr.Typeflag != tar.TypeSymlink {
			if err := os.Chmod(dst, mode); err != nil {
				return err
			}
			if err := os.Chtimes(dst, hdr.ModTime, hdr.ModTime); err != nil {
				return err
			}
		}
	}
	// Directories last and deepest first: their modes may forbid writing
	// and entries written into them change their times.
	slices.SortFunc(dirs, func(a, b dirMeta) int { return strings.Compare(b.rel, a.rel) })
	for _, d := range dirs {
		if err := os.Chmod(d.rel, d.mode); err != nil {
			return err
		}
		if err := os.Chtimes(d.rel, d.mtime, d.mtime); err != nil {
			return err
		}
	}
	return nil
}

// cleanName turns a tar entry name into a clean relative path, refusing any
// ".." element and backslashes.
func cleanName(name string) (string, error) {
	if strings.Contains(name, "\\") {
		return "", fmt.Errorf("entry %q: backslash in name", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "", fmt.Errorf("entry %q: name climbs out of the root with \"..\"", name)
		}
	}
	rel := path.Clean("/" + name)[1:]
	if rel == "" {
		rel = "."
	}
	return rel, nil
}

// maxLinkFollows bounds symlink resolution, as the kernel's ELOOP does.
const maxLinkFollows = 40

// resolveInRoot returns the host path of the directory rel inside root,
// following symbolic links as a process chrooted into root would: absolute
// targets start again at root and ".." never goes above it. With create,
// missing directories are made.
func resolveInRoot(root, rel string, create bool) (string, error) {
	var done []string // resolved components, each a real directory
	todo := strings.Split(rel, "/")
	follows := 0
	for len(todo) > 0 {
		el := todo[0]
		todo = todo[1:]
		switch el {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		p := filepath.Join(root, filepath.Join(done...), el)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, os.ErrNotExist) && create:
			if err := os.Mkdir(p, 0o755); err != nil {
				return "", err
			}
			done = append(done, el)
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink != 0:
			follows++
			if follows > maxLinkFollows {
				return "", fmt.Errorf("resolving %q: too many levels of symbolic links", rel)
			}
			target, err := os.Readlink(p)
			if err != nil {
				return "", err
			}
			if strings.HasPrefix(target, "/") {
				done = done[:0]
			}
			todo = append(strings.Split(target, "/"), todo...)
		case fi.IsDir():
			done = append(done, el)
		default:
			return "", fmt.Errorf("resolving %q: %q is not a directory", rel, path.Join(append(done, el)...))
		}
	}
	return filepath.Join(root, filepath.Join(done...)), nil
}

// replace removes whatever is at p (not following a symlink) so that a new
// entry can take its place.
func replace(p string) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return os.RemoveAll(p)
	}
	return os.Remove(p)
}

// writeFile writes exactly size bytes of r to a new file at p.
func writeFile(p string, r io.Reader, size int64) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// RootFS returns a directory holding img's unpacked root filesystem under
// cacheDir/rootfs/<image digest>, unpacking it on first use. Unpacking goes
// to a temporary directory renamed into place, so concurrent callers and
// interrupted runs never see a partial tree; the directory must not be
// changed by its users.
func RootFS(ctx context.Context, cacheDir string, img v1.Image, opts ...UnpackOption) (string, error) {
	digest, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("reading image digest: %w", err)
	}
	base := filepath.Join(cacheDir, "rootfs")
	dir := filepath.Join(base, digest.Algorithm+"-"+digest.Hex)
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("preparing root filesystem cache %q: %w", base, err)
	}
	tmpdir.RemoveStale(base, ".tmp-", time.Now().Add(-staleUnpack))
	tmp, err := os.MkdirTemp(base, ".tmp-"+digest.Hex[:12]+"-")
	if err != nil {
		return "", fmt.Errorf("preparing root filesystem cache %q: %w", base, err)
	}
	if err := UnpackRootFS(ctx, img, tmp, opts...); err != nil {
		_ = tmpdir.RemoveTree(tmp)
		return "", err
	}
	// MkdirTemp made tmp 0700; the root of a filesystem is 0755.
	if err := os.Chmod(tmp, 0o755); err != nil {
		_ = tmpdir.RemoveTree(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = tmpdir.RemoveTree(tmp)
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			return dir, nil // another process won the race
		}
		return "", fmt.Errorf("storing root filesystem %q: %w", dir, err)
	}
	return dir, nil
}

// staleUnpack is how old an unfinished unpacking directory must be before
// another run removes it: what a killed run left behind.
const staleUnpack = time.Hour
