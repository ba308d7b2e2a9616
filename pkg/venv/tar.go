package venv

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/canto-build/canto/pkg/wheel"
)

// DefaultMemoryLimit is how much file content a TarDestination keeps in
// memory before spilling the rest to a temporary file (64 MiB).
const DefaultMemoryLimit int64 = 64 << 20

// TarOptions fixes everything about a layer that is not its content.
type TarOptions struct {
	// ModTime is every entry's modification time, truncated to seconds;
	// the zero value means the Unix epoch. See [ModTimeFromEnv].
	ModTime time.Time
	// UID, GID, Uname and Gname are every entry's owner (default 0, 0 and
	// empty names).
	UID, GID     int
	Uname, Gname string
	// AllowOverwrite lets a later WriteFile replace an earlier file at the
	// same path, as pip does when two projects ship the same file. By
	// default that is an error.
	AllowOverwrite bool
	// MemoryLimit is how much file content is buffered in memory before
	// spilling to a temporary file in TempDir (default DefaultMemoryLimit,
	// and os.TempDir()).
	MemoryLimit int64
	TempDir     string
}

// ModTimeFromEnv reads SOURCE_DATE_EPOCH through getenv: unset or empty
// gives the Unix epoch.
// https://reproducible-builds.org/specs/source-date-epoch/
func ModTimeFromEnv(getenv func(string) string) (time.Time, error) {
	v := getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("parsing SOURCE_DATE_EPOCH %q: not a non-negative integer of seconds\nhint: set it to a Unix timestamp such as $(git log -1 --format=%%ct)", v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// TarDestination is a [wheel.Destination] that writes a deterministic tar
// stream: entries sorted by path, every parent directory written once
// before its contents, fixed owner and modification time, modes normalised
// to 0755 for directories and for files with any execute bit, 0644 for
// other files, 0777 for symlinks. Headers are USTAR, with PAX records only
// for what USTAR cannot hold (long or non-ASCII names), never GNU. Paths
// are written relative to the root ("opt/venv/bin/python"), directories
// with a trailing slash.
//
// Nothing is written until Close, which sorts the buffered entries by path
// component (a directory, then its contents, in byte order of names); file
// content beyond TarOptions.MemoryLimit is spilled to a temporary file.
// TarDestination is safe for concurrent use.
type TarDestination struct {
	w    io.Writer
	opts TarOptions

	mu      sync.Mutex
	entries map[string]*tarEntry
	inMem   int64
	spill   *os.File
	spillAt int64
	closed  bool
	err     error // sticky: a failed write poisons the layer
}

type tarEntry struct {
	typ     byte
	exec    bool
	target  string
	data    []byte
	size    int64
	off     int64 // offset in the spill file when spilled
	spilled bool
}

var _ wheel.Destination = (*TarDestination)(nil)

// NewTarDestination returns a TarDestination that writes to w on Close.
func NewTarDestination(w io.Writer, opts TarOptions) *TarDestination {
	if opts.ModTime.IsZero() {
		opts.ModTime = time.Unix(0, 0)
	}
	opts.ModTime = opts.ModTime.UTC().Truncate(time.Second)
	if opts.MemoryLimit <= 0 {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	return &TarDestination{w: w, opts: opts, entries: map[string]*tarEntry{}}
}

func checkEntryPath(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("path %q is not a clean absolute path below /", p)
	}
	if strings.ContainsRune(p, 0) {
		return fmt.Errorf("path %q contains a NUL byte", p)
	}
	return nil
}

// check reports whether an entry of type typ may be recorded at p. The
// caller holds t.mu.
func (t *TarDestination) check(p string, typ byte) error {
	if t.closed {
		return fmt.Errorf("adding %q: tar destination is closed", p)
	}
	if t.err != nil {
		return t.err
	}
	if err := checkEntryPath(p); err != nil {
		return err
	}
	prev, ok := t.entries[p]
	switch {
	case !ok, prev.typ == tar.TypeDir && typ == tar.TypeDir:
		return nil
	case t.opts.AllowOverwrite && prev.typ == tar.TypeReg && typ == tar.TypeReg:
		return nil
	}
	return fmt.Errorf("%q is written twice\nhint: two projects ship the same file; set TarOptions.AllowOverwrite to let the later one win, as pip does", p)
}

// WriteFile buffers a regular file. It reads r to EOF, so that a verifying
// reader can report a mismatch, and fails when r yields other than size
// bytes. Any execute bit in mode makes the file 0755, else it is 0644.
func (t *TarDestination) WriteFile(p string, mode fs.FileMode, size int64, r io.Reader) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.check(p, tar.TypeReg); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("negative size %d for %q", size, p)
	}
	e := &tarEntry{typ: tar.TypeReg, exec: mode&0o111 != 0, size: size}
	if err := t.readContent(e, r); err != nil {
		return err
	}
	t.entries[p] = e
	return nil
}

// readContent copies exactly e.size bytes of r into memory or the spill
// file and then drains r to EOF. Errors reading r are returned as they are;
// errors writing the spill file poison the destination.
func (t *TarDestination) readContent(e *tarEntry, r io.Reader) error {
	if t.inMem+e.size <= t.opts.MemoryLimit {
		e.data = make([]byte, e.size)
		if _, err := io.ReadFull(r, e.data); err != nil {
			return shortRead(err, e.size)
		}
		t.inMem += e.size
	} else {
		if t.spill == nil {
			f, err := os.CreateTemp(t.opts.TempDir, "canto-layer-*")
			if err != nil {
				t.err = fmt.Errorf("creating spill file: %w", err)
				return t.err
			}
			t.spill = f
		}
		buf := make([]byte, 64<<10)
		for left := e.size; left > 0; {
			n, err := io.ReadFull(r, buf[:min(left, int64(len(buf)))])
			if err != nil {
				return shortRead(err, e.size)
			}
			if _, err := t.spill.WriteAt(buf[:n], t.spillAt+e.size-left); err != nil {
				t.err = fmt.Errorf("writing spill file: %w", err)
				return t.err
			}
			left -= int64(n)
		}
		e.off, e.spilled = t.spillAt, true
		t.spillAt += e.size
	}
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return fmt.Errorf("content is longer than the announced %d bytes", e.size)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func shortRead(err error, size int64) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("content is shorter than the announced %d bytes", size)
	}
	return err
}

// Mkdir records a directory (parents of files are added without it).
func (t *TarDestination) Mkdir(p string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.check(p, tar.TypeDir); err != nil {
		return err
	}
	t.entries[p] = &tarEntry{typ: tar.TypeDir}
	return nil
}

// Symlink records a symbolic link at p pointing to target.
func (t *TarDestination) Symlink(p, target string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if target == "" || strings.ContainsRune(target, 0) {
		return fmt.Errorf("symlink %q has an invalid target %q", p, target)
	}
	if err := t.check(p, tar.TypeSymlink); err != nil {
		return err
	}
	t.entries[p] = &tarEntry{typ: tar.TypeSymlink, target: target}
	return nil
}

// Add records one skeleton entry.
func (t *TarDestination) Add(e Entry) error {
	switch e.Mode.Type() {
	case fs.ModeDir:
		return t.Mkdir(e.Path)
	case fs.ModeSymlink:
		return t.Symlink(e.Path, e.Target)
	case 0:
		return t.WriteFile(e.Path, e.Mode, int64(len(e.Data)), bytes.NewReader(e.Data))
	}
	return fmt.Errorf("entry %q has unsupported type %s", e.Path, e.Mode.Type())
}

// Close writes the sorted tar stream and its end-of-archive marker. It does
// not close the underlying writer.
func (t *TarDestination) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("closing tar destination: already closed")
	}
	t.closed = true
	err := t.err
	if err == nil {
		if werr := t.writeTar(); werr != nil {
			err = fmt.Errorf("writing layer tar: %w", werr)
		}
	}
	if t.spill != nil {
		cerr := t.spill.Close()
		if rerr := os.Remove(t.spill.Name()); rerr != nil {
			cerr = errors.Join(cerr, rerr)
		}
		if cerr != nil && err == nil {
			err = fmt.Errorf("removing spill file: %w", cerr)
		}
	}
	return err
}

// comparePaths orders clean absolute paths by their components.
func comparePaths(a, b string) int {
	for {
		ah, at, aMore := strings.Cut(strings.TrimPrefix(a, "/"), "/")
		bh, bt, bMore := strings.Cut(strings.TrimPrefix(b, "/"), "/")
		if c := strings.Compare(ah, bh); c != 0 {
			return c
		}
		switch {
		case !aMore && !bMore:
			return 0
		case !aMore:
			return -1
		case !bMore:
			return 1
		}
		a, b = at, bt
	}
}

func (t *TarDestination) writeTar() error {
	// Add every missing parent directory; refuse a non-directory parent.
	for p := range t.entries {
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			e, ok := t.entries[d]
			if !ok {
				t.entries[d] = &tarEntry{typ: tar.TypeDir}
				continue
			}
			if e.typ != tar.TypeDir {
				return fmt.Errorf("%q is not a directory but %q is inside it", d, p)
			}
		}
	}
	names := make([]string, 0, len(t.entries))
	for p := range t.entries {
		names = append(names, p)
	}
	// Compare component by component: a directory comes right before its
	// contents, which stay together (a depth-first walk in byte order).
	slices.SortFunc(names, comparePaths)

	tw := tar.NewWriter(t.w)
	for _, p := range names {
		e := t.entries[p]
		h := &tar.Header{
			Typeflag: e.typ,
			Name:     strings.TrimPrefix(p, "/"),
			ModTime:  t.opts.ModTime,
			Uid:      t.opts.UID,
			Gid:      t.opts.GID,
			Uname:    t.opts.Uname,
			Gname:    t.opts.Gname,
			Format:   tar.FormatPAX,
		}
		switch e.typ {
		case tar.TypeDir:
			h.Name += "/"
			h.Mode = 0o755
		case tar.TypeSymlink:
			h.Linkname = e.target
			h.Mode = 0o777
		case tar.TypeReg:
			h.Size = e.size
			h.Mode = 0o644
			if e.exec {
				h.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing header of %q: %w", p, err)
		}
		if e.typ != tar.TypeReg {
			continue
		}
		var src io.Reader = bytes.NewReader(e.data)
		if e.spilled {
			src = io.NewSectionReader(t.spill, e.off, e.size)
		}
		if _, err := io.Copy(tw, src); err != nil {
			return fmt.Errorf("writing content of %q: %w", p, err)
		}
	}
	return tw.Close()
}
