package sdist

import (
	"archive/tar"
	"archive/zip"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Default limits of sdist extraction; WithLimits changes them.
const (
	DefaultMaxSdistSize    int64 = 1 << 30 // total uncompressed bytes
	DefaultMaxSdistMembers       = 100_000
)

// LimitError reports an sdist that exceeds an extraction limit, most likely
// a damaged or hostile archive.
type LimitError struct {
	Sdist string
	What  string // "size" or "members"
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("sdist %q exceeds the %s limit of %d", e.Sdist, e.What, e.Limit)
}

// extract unpacks the sdist at file into dir (which exists and is empty)
// and returns the name of its single top-level directory. Entry names with
// "..", absolute names and backslashes are refused, symbolic links must
// stay inside the tree, hard links must name a file in it, and other
// special files are skipped; everything is written through an os.Root, so
// nothing lands outside dir.
func extract(file, name, dir string, maxSize int64, maxMembers int) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer func() { _ = root.Close() }()
	x := &extractor{root: root, sdist: name, maxSize: maxSize, maxMembers: maxMembers, tops: map[string]bool{}}
	switch {
	case strings.HasSuffix(name, ".zip"):
		fi, err := f.Stat()
		if err != nil {
			return "", err
		}
		err = x.zip(f, fi.Size())
		if err != nil {
			return "", err
		}
	case strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		zr, err := gzip.NewReader(f)
		if err != nil {
			return "", fmt.Errorf("reading %q: %w", name, err)
		}
		if err := x.tar(zr); err != nil {
			return "", err
		}
	case strings.HasSuffix(name, ".tar.bz2"):
		if err := x.tar(bzip2.NewReader(f)); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("reading %q: not a .tar.gz, .zip, .tgz or .tar.bz2 sdist", name)
	}
	if len(x.tops) != 1 {
		return "", fmt.Errorf("reading %q: an sdist holds one top-level directory, this one has %d", name, len(x.tops))
	}
	for top, isDir := range x.tops {
		if !isDir {
			return "", fmt.Errorf("reading %q: top-level entry %q is not a directory", name, top)
		}
		return top, nil
	}
	panic("unreachable")
}

type extractor struct {
	root       *os.Root
	sdist      string
	maxSize    int64
	maxMembers int
	size       int64
	members    int
	tops       map[string]bool // top-level name → is a directory
}

// check validates one member name, counts it and returns it cleaned.
func (x *extractor) check(name string, isDir bool) (string, error) {
	x.members++
	if x.members > x.maxMembers {
		return "", &LimitError{Sdist: x.sdist, What: "members", Limit: int64(x.maxMembers)}
	}
	clean, err := x.checkName(name)
	if err != nil || clean == "" {
		return clean, err
	}
	top, rest, _ := strings.Cut(clean, "/")
	if rest != "" || isDir {
		x.tops[top] = true
	} else if _, ok := x.tops[top]; !ok {
		x.tops[top] = false
	}
	return clean, nil
}

// checkLinkTarget validates the target of a hard link.
func (x *extractor) checkLinkTarget(name string) (string, error) {
	clean, err := x.checkName(name)
	if err == nil && clean == "" {
		err = fmt.Errorf("reading %q: hard link to the root", x.sdist)
	}
	return clean, err
}

// checkName refuses unsafe names and returns the clean relative form, ""
// for the archive's root.
func (x *extractor) checkName(name string) (string, error) {
	switch {
	case strings.Contains(name, "\\"):
		return "", fmt.Errorf("reading %q: member %q has a backslash in its name", x.sdist, name)
	case strings.HasPrefix(name, "/"):
		return "", fmt.Errorf("reading %q: member %q has an absolute name", x.sdist, name)
	case containsDotDot(name):
		return "", fmt.Errorf("reading %q: member %q climbs out with \"..\"", x.sdist, name)
	case strings.ContainsRune(name, 0):
		return "", fmt.Errorf("reading %q: member %q has a NUL byte in its name", x.sdist, name)
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

func (x *extractor) grow(n int64) error {
	x.size += n
	if n < 0 || x.size > x.maxSize {
		return &LimitError{Sdist: x.sdist, What: "size", Limit: x.maxSize}
	}
	return nil
}

func (x *extractor) mkdirs(name string) error {
	if d := path.Dir(name); d != "." {
		return x.root.MkdirAll(d, 0o755)
	}
	return nil
}

func (x *extractor) writeFile(name string, mode fs.FileMode, r io.Reader, size int64) error {
	if err := x.grow(size); err != nil {
		return err
	}
	if err := x.mkdirs(name); err != nil {
		return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
	}
	perm := fs.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	_ = x.root.Remove(name)
	f, err := x.root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
	}
	n, err := io.Copy(f, io.LimitReader(r, size+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("member size %d does not match its header's %d", n, size)
	}
	if err != nil {
		return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
	}
	return nil
}

// symlink creates a link whose target must resolve inside the tree.
func (x *extractor) symlink(name, target string) error {
	resolved := path.Join(path.Dir(name), target)
	if target == "" || strings.HasPrefix(target, "/") || strings.Contains(target, "\\") || resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fmt.Errorf("reading %q: symbolic link %q points outside the sdist (%q)", x.sdist, name, target)
	}
	if err := x.mkdirs(name); err != nil {
		return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
	}
	_ = x.root.Remove(name)
	if err := x.root.Symlink(target, name); err != nil {
		return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
	}
	return nil
}

func (x *extractor) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %q: %w", x.sdist, err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue // git archive's pax_global_header holds only metadata
		}
		name, err := x.check(hdr.Name, hdr.Typeflag == tar.TypeDir)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := x.root.MkdirAll(name, 0o755); err != nil {
				return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
			}
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old sdists still use TypeRegA
			if err := x.writeFile(name, fs.FileMode(hdr.Mode), tr, hdr.Size); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := x.symlink(name, hdr.Linkname); err != nil {
				return err
			}
		case tar.TypeLink:
			target, err := x.checkLinkTarget(hdr.Linkname)
			if err != nil {
				return err
			}
			if err := x.mkdirs(name); err != nil {
				return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
			}
			if err := x.root.Link(target, name); err != nil {
				return fmt.Errorf("reading %q: hard link %q: %w", x.sdist, name, err)
			}
		default:
			// Devices, FIFOs and the like have no place in a source tree.
		}
	}
}

func (x *extractor) zip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("reading %q: %w", x.sdist, err)
	}
	for _, zf := range zr.File {
		name, err := x.check(zf.Name, zf.Mode().IsDir())
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		mode := zf.Mode()
		switch {
		case mode.IsDir():
			if err := x.root.MkdirAll(name, 0o755); err != nil {
				return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
			}
		case mode.IsRegular():
			if zf.UncompressedSize64 > uint64(x.maxSize) {
				return &LimitError{Sdist: x.sdist, What: "size", Limit: x.maxSize}
			}
			rc, err := zf.Open()
			if err != nil {
				return fmt.Errorf("reading %q: member %q: %w", x.sdist, name, err)
			}
			err = x.writeFile(name, mode, rc, int64(zf.UncompressedSize64))
			_ = rc.Close()
			if err != nil {
				return err
			}
		default:
			// Symbolic links and special files in zip sdists are not
			// supported by setuptools either; skip them.
		}
	}
	return nil
}
