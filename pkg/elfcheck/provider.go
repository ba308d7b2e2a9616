package elfcheck

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"path"
	"strings"
)

// Provider is where a builder image has a library.
type Provider struct {
	// Found is false when the builder lacks the library too.
	Found bool
	// Path is the library as the builder's loader finds it, such as
	// /lib/x86_64-linux-gnu/libpcre.so.3, and Real the file after symlinks.
	Path, Real string
	// Package is the Debian package that installed it (from dpkg's file
	// lists); empty when dpkg does not know the file.
	Package DebianPackage
}

// DebianPackage names an installed Debian package.
type DebianPackage struct {
	Name, Version, Arch string
}

// String is "name version", or "" for the zero value.
func (p DebianPackage) String() string {
	if p.Version == "" {
		return p.Name
	}
	return p.Name + " " + p.Version
}

const (
	dpkgInfoDir = "/var/lib/dpkg/info"
	dpkgStatus  = "/var/lib/dpkg/status"
)

// Dpkg is the part of an image's dpkg database that says which package
// installed a file: /var/lib/dpkg/info/PACKAGE[:ARCH].list and the
// versions in /var/lib/dpkg/status (deb-control(5) paragraphs).
type Dpkg struct {
	owners map[string]DebianPackage // listed paths, directories resolved
	linked map[string]DebianPackage // files that listed symlinks land on
}

// ReadDpkg reads the dpkg database of fsys; an image without one gives an
// empty database.
func ReadDpkg(ctx context.Context, fsys FS) (*Dpkg, error) {
	d := &Dpkg{owners: map[string]DebianPackage{}, linked: map[string]DebianPackage{}}
	versions := map[string]DebianPackage{}
	if b, err := fsys.ReadFile(ctx, dpkgStatus); err == nil {
		for _, p := range parseStatus(b) {
			versions[p.Name+":"+p.Arch] = p
			if _, ok := versions[p.Name]; !ok {
				versions[p.Name] = p
			}
		}
	}
	names, err := fsys.ReadDir(dpkgInfoDir)
	if err != nil {
		return d, nil //nolint:nilerr // no dpkg: nobody owns anything
	}
	for _, n := range names {
		base, ok := strings.CutSuffix(n, ".list")
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name, arch, _ := strings.Cut(base, ":")
		pkg := DebianPackage{Name: name, Arch: arch}
		if v, ok := versions[base]; ok {
			pkg = v
		} else if v, ok := versions[name]; ok {
			pkg.Version = v.Version
			if pkg.Arch == "" {
				pkg.Arch = v.Arch
			}
		}
		b, err := fsys.ReadFile(ctx, path.Join(dpkgInfoDir, n))
		if err != nil {
			return nil, fmt.Errorf("reading the dpkg list of %s: %w", base, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			p := strings.TrimSpace(sc.Text())
			if !path.IsAbs(p) || p == "/" {
				continue
			}
			// A package owns the path it lists, with the directories
			// resolved (a symlink itself); the file a listed symlink
			// lands on is its only when no package lists that file
			// (libpcre3-dev's libpcre.so must not claim libpcre3's
			// libpcre.so.3.13.3).
			dir, err := fsys.Resolve(path.Dir(p))
			if err != nil {
				continue
			}
			q := path.Join(dir, path.Base(p))
			e, err := fsys.Lstat(q)
			if err != nil || e.Kind == KindDir {
				continue
			}
			if _, taken := d.owners[q]; !taken {
				d.owners[q] = pkg
			}
			if e.Kind == KindSymlink {
				if real, err := fsys.Resolve(q); err == nil {
					if t, err := fsys.Lstat(real); err != nil || t.Kind != KindFile {
						continue
					}
					if _, taken := d.linked[real]; !taken {
						d.linked[real] = pkg
					}
				}
			}
		}
	}
	return d, nil
}

// Owner returns the package that installed the file or symlink at p, a
// path whose directories have their symlinks resolved.
func (d *Dpkg) Owner(p string) (DebianPackage, bool) {
	if pkg, ok := d.owners[p]; ok {
		return pkg, true
	}
	pkg, ok := d.linked[p]
	return pkg, ok
}

// parseStatus reads the Package, Version and Architecture fields of the
// installed packages in a dpkg status file.
func parseStatus(b []byte) []DebianPackage {
	var out []DebianPackage
	var cur DebianPackage
	installed := false
	flush := func() {
		if cur.Name != "" && installed {
			out = append(out, cur)
		}
		cur, installed = DebianPackage{}, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "package":
			cur.Name = v
		case "version":
			cur.Version = v
		case "architecture":
			cur.Arch = v
		case "status":
			installed = strings.HasSuffix(v, " installed")
		}
	}
	flush()
	return out
}

// builderIndex finds libraries in a builder image the way its loader
// would, and knows which Debian package each came from.
type builderIndex struct {
	c    *checker
	dpkg *Dpkg
}

func newBuilderIndex(ctx context.Context, builder FS) (*builderIndex, error) {
	c, err := newChecker(ctx, builder, options{})
	if err != nil {
		return nil, fmt.Errorf("reading the builder: %w", err)
	}
	d, err := ReadDpkg(ctx, builder)
	if err != nil {
		return nil, fmt.Errorf("reading the builder: %w", err)
	}
	return &builderIndex{c: c, dpkg: d}, nil
}

// provider finds lib, for objects of class and machine, in the builder's
// ld.so.conf and default directories.
func (b *builderIndex) provider(lib string, class elf.Class, machine elf.Machine) (Provider, error) {
	obj := &Object{Class: class, Machine: machine, Type: elf.ET_DYN}
	n := &node{path: "/", origin: "/", obj: obj, musl: b.c.isMusl(obj)}
	f, ok, err := b.c.find(lib, n)
	if err != nil || !ok {
		return Provider{}, err
	}
	p := Provider{Found: true, Path: f.path, Real: f.real}
	p.Package, _ = b.dpkg.Owner(f.real)
	return p, nil
}

// FindProviders looks each missing library up in the builder image's
// filesystem, as that image's loader would find it, and sets its Provider.
func (r *Report) FindProviders(ctx context.Context, builder FS) error {
	if len(r.Missing) == 0 {
		return nil
	}
	idx, err := newBuilderIndex(ctx, builder)
	if err != nil {
		return err
	}
	for i := range r.Missing {
		m := &r.Missing[i]
		p, err := idx.provider(m.Library, m.Class, m.Machine)
		if err != nil {
			return fmt.Errorf("looking up %s in the builder: %w", m.Library, err)
		}
		m.Provider = &p
	}
	return nil
}
