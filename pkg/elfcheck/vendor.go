package elfcheck

import (
	"archive/tar"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

// VendorOption configures Vendor.
type VendorOption func(*vendorOptions)

type vendorOptions struct {
	modTime  time.Time
	uid, gid int
	env      []string
}

// VendorModTime sets the modification time of every tar entry (default
// the Unix epoch; pass SOURCE_DATE_EPOCH).
func VendorModTime(t time.Time) VendorOption { return func(o *vendorOptions) { o.modTime = t } }

// VendorOwner sets the numeric owner of every tar entry (default 0:0).
func VendorOwner(uid, gid int) VendorOption {
	return func(o *vendorOptions) { o.uid, o.gid = uid, gid }
}

// VendorEnv sets the final image's environment, whose LD_LIBRARY_PATH the
// check of the copied libraries searches (default: none).
func VendorEnv(env []string) VendorOption { return func(o *vendorOptions) { o.env = env } }

// Vendored is a layer of libraries copied from a builder image.
type Vendored struct {
	// Files are the entries of the layer (symlinks and files, no
	// directories), sorted by path.
	Files []VendoredFile
	// Libraries are the sonames the layer provides, sorted: the missing
	// ones and those they need in turn.
	Libraries []string
	// Packages are the Debian packages the files came from, sorted by name.
	Packages []DebianPackage

	fs MapFS
	o  vendorOptions
}

// VendoredFile is one entry of a Vendored layer.
type VendoredFile struct {
	// Path is where it goes in the image; Link a symlink's target, empty
	// for a regular file, whose length is Size.
	Path, Link string
	Size       int64
	// From is the path in the builder it was copied from.
	From string
	// Package is the Debian package that installed From, if dpkg knows.
	Package DebianPackage
}

// NotInBuilderError says the builder image lacks libraries too.
type NotInBuilderError struct {
	Libraries []string
}

func (e *NotInBuilderError) Error() string {
	return fmt.Sprintf("the builder image lacks %s too\nhint: use a builder image with these libraries installed, or a base image that has them",
		strings.Join(e.Libraries, ", "))
}

// maxVendorRounds bounds the rounds of copying what copied libraries need.
const maxVendorRounds = 16

// Vendor copies the missing libraries from the builder filesystem into a
// layer for the final one: each library with its symlink chain (such as
// libpcre.so.3 -> libpcre.so.3.13.3), then, transitively, what those
// libraries need that final lacks. Files keep the builder's directory when
// it is a default library directory of final (so that ld.so finds them
// without an ld.so.cache entry) and go to final's first default directory
// otherwise. Libraries the builder lacks too give a *NotInBuilderError.
func Vendor(ctx context.Context, final, builder FS, missing []Missing, opts ...VendorOption) (*Vendored, error) {
	o := vendorOptions{modTime: time.Unix(0, 0).UTC()}
	for _, opt := range opts {
		opt(&o)
	}
	idx, err := newBuilderIndex(ctx, builder)
	if err != nil {
		return nil, err
	}
	v := &Vendored{fs: MapFS{}, o: o}
	type want struct {
		lib     string
		class   elf.Class
		machine elf.Machine
	}
	var queue []want
	for _, m := range missing {
		queue = append(queue, want{m.Library, m.Class, m.Machine})
	}
	done := map[want]bool{}
	libs := map[string]bool{}
	var lacking []string
	for round := 0; len(queue) > 0; round++ {
		if round == maxVendorRounds {
			return nil, fmt.Errorf("vendoring libraries: still missing libraries after %d rounds", maxVendorRounds)
		}
		var copies []VendoredFile
		for _, w := range queue {
			if done[w] {
				continue
			}
			done[w] = true
			p, err := idx.provider(w.lib, w.class, w.machine)
			if err != nil {
				return nil, fmt.Errorf("looking up %s in the builder: %w", w.lib, err)
			}
			if !p.Found {
				lacking = append(lacking, w.lib)
				continue
			}
			libs[w.lib] = true
			steps, err := v.plan(final, builder, p.Path, w.class, w.machine)
			if err != nil {
				return nil, fmt.Errorf("vendoring %s: %w", w.lib, err)
			}
			for _, s := range steps {
				s.Package, _ = idx.dpkg.Owner(s.From)
				copies = append(copies, s)
			}
		}
		var added []string
		var from []string
		for _, c := range copies {
			if c.Link == "" {
				from = append(from, c.From)
			}
		}
		if pl, ok := builder.(preloader); ok && len(from) > 0 {
			if err := pl.Preload(ctx, from); err != nil {
				return nil, fmt.Errorf("reading libraries from the builder: %w", err)
			}
		}
		for _, c := range copies {
			if _, ok := v.fs[c.Path]; ok {
				continue // two libraries of this round share it
			}
			if c.Link != "" {
				v.fs[c.Path] = Symlink(c.Link)
			} else {
				b, err := builder.ReadFile(ctx, c.From)
				if err != nil {
					return nil, fmt.Errorf("reading %s from the builder: %w", c.From, err)
				}
				c.Size = int64(len(b))
				v.fs[c.Path] = File(b)
				added = append(added, c.Path)
			}
			v.Files = append(v.Files, c)
		}
		queue = nil
		if len(added) == 0 {
			break
		}
		rep, err := Check(ctx, Overlay(final, v.fs), WithRoots(added...), WithEnv(o.env))
		if err != nil {
			return nil, fmt.Errorf("checking the copied libraries: %w", err)
		}
		for _, m := range rep.Missing {
			queue = append(queue, want{m.Library, m.Class, m.Machine})
		}
	}
	if len(lacking) > 0 {
		sort.Strings(lacking)
		return nil, &NotInBuilderError{Libraries: slices.Compact(lacking)}
	}
	sort.Slice(v.Files, func(i, j int) bool { return v.Files[i].Path < v.Files[j].Path })
	for l := range libs {
		v.Libraries = append(v.Libraries, l)
	}
	sort.Strings(v.Libraries)
	seen := map[DebianPackage]bool{}
	for _, f := range v.Files {
		if f.Package.Name != "" && !seen[f.Package] {
			seen[f.Package] = true
			v.Packages = append(v.Packages, f.Package)
		}
	}
	sort.Slice(v.Packages, func(i, j int) bool { return v.Packages[i].Name < v.Packages[j].Name })
	return v, nil
}

// plan lists the entries that bring the library at p (a path in the
// builder) into final: its symlink chain, then the file.
func (v *Vendored) plan(final, builder FS, p string, class elf.Class, machine elf.Machine) ([]VendoredFile, error) {
	dir, err := builder.Resolve(path.Dir(p))
	if err != nil {
		return nil, err
	}
	dest := destination(final, dir, class, machine)
	var steps []VendoredFile
	cur := path.Join(dir, path.Base(p))
	for hops := 0; ; hops++ {
		if hops > maxSymlinkHops {
			return nil, fmt.Errorf("resolving %q: too many levels of symbolic links", p)
		}
		e, err := builder.Lstat(cur)
		if err != nil {
			return nil, err
		}
		name := path.Join(dest, path.Base(cur))
		switch e.Kind {
		case KindSymlink:
			next := e.Link
			if !path.IsAbs(next) {
				next = path.Join(path.Dir(cur), next)
			}
			ndir, err := builder.Resolve(path.Dir(next))
			if err != nil {
				return nil, err
			}
			next = path.Join(ndir, path.Base(next))
			if path.Base(next) != path.Base(cur) {
				// Every step lands in one directory: link by name.
				steps = append(steps, VendoredFile{Path: name, Link: path.Base(next), From: cur})
			}
			cur = next
			continue
		case KindFile:
		default:
			return nil, fmt.Errorf("%s in the builder is not a file", cur)
		}
		steps = append(steps, VendoredFile{Path: name, From: cur})
		break
	}
	var out []VendoredFile
	for _, s := range steps {
		if _, ok := v.fs[s.Path]; ok {
			continue // an earlier library brought it
		}
		if e, err := final.Lstat(s.Path); err == nil && e.Kind != KindSymlink {
			return nil, fmt.Errorf("the image already has %s, which is not the library the builder has\nhint: use a base image that has the library, or remove the file", s.Path)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// destination is the directory of final where a library the builder has
// in dir goes: dir itself if final's loader searches it by default, else
// final's first default directory that exists.
func destination(final FS, dir string, class elf.Class, machine elf.Machine) string {
	var defaults []string
	for _, d := range defaultDirs(class, machine) {
		r, err := final.Resolve(d)
		if err != nil {
			continue
		}
		if e, err := final.Lstat(r); err == nil && e.Kind == KindDir {
			defaults = append(defaults, r)
		}
	}
	r, err := final.Resolve(dir)
	switch {
	case err == nil && slices.Contains(defaults, r):
		return r
	case errors.Is(err, fs.ErrNotExist) && slices.Contains(defaultDirs(class, machine), dir):
		return r // a default directory final lacks: create it
	case len(defaults) > 0:
		return defaults[0]
	}
	if r == "" {
		return dir
	}
	return r
}

// FS returns the layer's files, for Overlay.
func (v *Vendored) FS() MapFS { return v.fs }

// WriteTar writes the layer as a deterministic tar: parent directories
// first, entries in path order, fixed owner and time, no user names.
func (v *Vendored) WriteTar(w io.Writer) error {
	entries := map[string]*MapFile{}
	for p, f := range v.fs {
		entries[p] = f
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if _, ok := entries[d]; !ok {
				entries[d] = Dir()
			}
		}
	}
	names := make([]string, 0, len(entries))
	for p := range entries {
		names = append(names, p)
	}
	slices.SortFunc(names, func(a, b string) int {
		return slices.Compare(strings.Split(a, "/"), strings.Split(b, "/"))
	})
	tw := tar.NewWriter(w)
	for _, p := range names {
		f := entries[p]
		h := &tar.Header{
			Name:    strings.TrimPrefix(p, "/"),
			ModTime: v.o.modTime,
			Uid:     v.o.uid,
			Gid:     v.o.gid,
			Format:  tar.FormatPAX,
		}
		switch f.Kind {
		case KindDir:
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
			h.Name += "/"
		case KindSymlink:
			h.Typeflag, h.Mode, h.Linkname = tar.TypeSymlink, 0o777, f.Link
		default:
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, int64(len(f.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing header of %q: %w", p, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return fmt.Errorf("writing %q: %w", p, err)
			}
		}
	}
	return tw.Close()
}
