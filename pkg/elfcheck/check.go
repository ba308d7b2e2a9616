package elfcheck

import (
	"context"
	"debug/elf"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"github.com/canto-build/canto/pkg/pyname"
)

// DefaultRoot is the directory Check scans by default: canto's venv.
const DefaultRoot = "/opt/venv"

// Report is the outcome of Check.
type Report struct {
	// Missing are the libraries that some scanned file needs and the
	// filesystem lacks, sorted by library.
	Missing []Missing
	// Checked counts the ELF files scanned under the roots; Libraries the
	// distinct libraries they load, directly or not.
	Checked, Libraries int
	// Skipped are ELF files under the roots built for another machine
	// than the one asked for (WithArch), which were not checked.
	Skipped []string
}

// OK reports whether nothing is missing.
func (r *Report) OK() bool { return len(r.Missing) == 0 }

// Missing is one library that cannot be found.
type Missing struct {
	// Library is the name in DT_NEEDED, a soname such as libpcre.so.3.
	Library string
	// Class and Machine are those of the objects that need it, which the
	// library must match.
	Class   elf.Class
	Machine elf.Machine
	// NeededBy are the scanned files that need it, sorted by path.
	NeededBy []Needer
	// Provider is where a builder image has it (see FindProviders); nil
	// when no builder was searched.
	Provider *Provider
}

// Needer is a scanned file that needs a missing library.
type Needer struct {
	Path string
	// Package is the Python distribution that installed Path, as
	// "name version" from its .dist-info/RECORD; empty when none did.
	Package string
	// Via is the library, found in the filesystem, that needs the missing
	// one on Path's behalf; empty when Path needs it itself.
	Via string
}

// Option configures Check.
type Option func(*options)

type options struct {
	roots []string
	env   []string
	arch  string
	log   *slog.Logger
}

// WithRoots sets the directories (or files) whose ELF files are checked
// (default DefaultRoot).
func WithRoots(roots ...string) Option { return func(o *options) { o.roots = roots } }

// WithAll checks every ELF file of the filesystem, as WithRoots("/").
func WithAll() Option { return WithRoots("/") }

// WithEnv sets the environment the programs run with, such as the image
// config's Env; its LD_LIBRARY_PATH is searched (default: none).
func WithEnv(env []string) Option { return func(o *options) { o.env = env } }

// WithArch checks only ELF files for the GOARCH-style architecture arch
// ("amd64", "arm64"...), listing others in Report.Skipped (default: check
// every file for its own machine).
func WithArch(arch string) Option { return func(o *options) { o.arch = arch } }

// WithLogger sets a logger for what is checked (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// archMachine maps GOARCH names to ELF class and machine.
var archMachine = map[string]struct {
	class   elf.Class
	machine elf.Machine
}{
	"amd64":   {elf.ELFCLASS64, elf.EM_X86_64},
	"386":     {elf.ELFCLASS32, elf.EM_386},
	"arm64":   {elf.ELFCLASS64, elf.EM_AARCH64},
	"arm":     {elf.ELFCLASS32, elf.EM_ARM},
	"ppc64le": {elf.ELFCLASS64, elf.EM_PPC64},
	"s390x":   {elf.ELFCLASS64, elf.EM_S390},
	"riscv64": {elf.ELFCLASS64, elf.EM_RISCV},
}

// Check finds, for every ELF executable and shared object under the roots,
// the libraries it needs, transitively, the way the dynamic loader would
// (ld.so(8), "Rules"; for musl-based images, musl's ldso/dynlink.c):
//
//  1. a name with a slash is a path;
//  2. DT_RPATH of the object, then of the objects that loaded it, unless
//     the object has DT_RUNPATH;
//  3. LD_LIBRARY_PATH (WithEnv);
//  4. DT_RUNPATH of the object;
//  5. the directories of /etc/ld.so.conf (what ld.so.cache holds), unless
//     the object is linked with -z nodefaultlib;
//  6. the default directories: multiarch, lib64, /lib and /usr/lib.
//
// $ORIGIN, $LIB and $PLATFORM are expanded; symlinks resolve inside fsys;
// a candidate of another ELF class or machine is passed over.
func Check(ctx context.Context, fsys FS, opts ...Option) (*Report, error) {
	o := options{roots: []string{DefaultRoot}, log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if len(o.roots) == 0 {
		return nil, errors.New("checking libraries: no roots to scan")
	}
	want, knownArch := archMachine[o.arch]
	if o.arch != "" && !knownArch {
		return nil, fmt.Errorf("checking libraries: unknown architecture %q", o.arch)
	}
	c, err := newChecker(ctx, fsys, o)
	if err != nil {
		return nil, err
	}
	roots, err := c.walk(o.roots)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	type key struct {
		lib     string
		class   elf.Class
		machine elf.Machine
	}
	missing := map[key]map[string]Needer{}
	libs := map[string]bool{}
	for _, r := range roots {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !r.obj.loadable() {
			continue
		}
		if o.arch != "" && (r.obj.Class != want.class || r.obj.Machine != want.machine) {
			rep.Skipped = append(rep.Skipped, r.path)
			continue
		}
		rep.Checked++
		deps, err := c.closure(r)
		if err != nil {
			return nil, err
		}
		for _, l := range deps.found {
			libs[l] = true
		}
		for _, m := range deps.missing {
			k := key{m.lib, r.obj.Class, r.obj.Machine}
			if missing[k] == nil {
				missing[k] = map[string]Needer{}
			}
			if _, seen := missing[k][r.path]; !seen {
				missing[k][r.path] = Needer{Path: r.path, Package: c.owners[r.path], Via: m.via}
			}
		}
	}
	rep.Libraries = len(libs)
	for k, needers := range missing {
		m := Missing{Library: k.lib, Class: k.class, Machine: k.machine}
		for _, n := range needers {
			m.NeededBy = append(m.NeededBy, n)
		}
		sort.Slice(m.NeededBy, func(i, j int) bool { return m.NeededBy[i].Path < m.NeededBy[j].Path })
		rep.Missing = append(rep.Missing, m)
	}
	sort.Slice(rep.Missing, func(i, j int) bool {
		a, b := rep.Missing[i], rep.Missing[j]
		if a.Library != b.Library {
			return a.Library < b.Library
		}
		if a.Machine != b.Machine {
			return a.Machine < b.Machine
		}
		return a.Class < b.Class
	})
	o.log.Debug("library check", "checked", rep.Checked, "libraries", rep.Libraries, "missing", len(rep.Missing))
	return rep, nil
}

// checker holds what one Check learns about a filesystem.
type checker struct {
	ctx      context.Context
	fs       FS
	o        options
	envPath  []string
	conf     []string
	muslPath map[elf.Machine][]string
	objects  map[string]*Object
	found    map[string]foundLib
	owners   map[string]string
}

// foundLib is where a library was found: path is the search directory
// joined with its name (as ld.so names it), real the file after symlinks.
type foundLib struct {
	path, real string
	obj        *Object
}

func newChecker(ctx context.Context, fsys FS, o options) (*checker, error) {
	c := &checker{ctx: ctx, fs: fsys, o: o, muslPath: map[elf.Machine][]string{}, objects: map[string]*Object{}, found: map[string]foundLib{}, owners: map[string]string{}}
	conf, err := readLdSoConf(ctx, fsys)
	if err != nil {
		return nil, err
	}
	c.conf = conf
	for i := len(o.env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(o.env[i], "LD_LIBRARY_PATH="); ok {
			// ld.so(8): separated by colons or semicolons.
			c.envPath = strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ';' })
			break
		}
	}
	return c, nil
}

// object returns the ELF facts of the regular file at real, or nil.
func (c *checker) object(real string) (*Object, error) {
	if obj, ok := c.objects[real]; ok {
		return obj, nil
	}
	var obj *Object
	var err error
	if src, ok := c.fs.(objectSource); ok {
		obj, err = src.Object(c.ctx, real)
	} else {
		var b []byte
		if b, err = c.fs.ReadFile(c.ctx, real); err != nil {
			return nil, fmt.Errorf("reading %q: %w", real, err)
		}
		obj, err = parseObject(b)
	}
	if err != nil {
		// A damaged ELF file is no library and nothing to check, as for
		// ld.so, which passes over it.
		c.o.log.Debug("skipping a damaged ELF file", "path", real, "err", err)
		obj = nil
	}
	c.objects[real] = obj
	return obj, nil
}

// node is an object in a load chain.
type node struct {
	path, origin string
	obj          *Object
	parent       *node
	musl         bool
}

// walk lists the ELF files under roots, in path order, and reads the
// RECORD files of the distributions it meets.
func (c *checker) walk(roots []string) ([]*node, error) {
	var out []*node
	seen := map[string]bool{}
	var visit func(p string, depth int) error
	visit = func(p string, depth int) error {
		if depth > 64 {
			return nil
		}
		if err := c.ctx.Err(); err != nil {
			return err
		}
		e, err := c.fs.Lstat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		switch e.Kind {
		case KindDir:
			names, err := c.fs.ReadDir(p)
			if err != nil {
				return err
			}
			if strings.HasSuffix(p, ".dist-info") {
				if err := c.readRecord(p); err != nil {
					return err
				}
			}
			for _, n := range names {
				if err := visit(path.Join(p, n), depth+1); err != nil {
					return err
				}
			}
		case KindFile:
			if seen[p] {
				return nil
			}
			seen[p] = true
			obj, err := c.object(p)
			if err != nil {
				return err
			}
			if obj != nil {
				origin, _ := c.fs.Resolve(path.Dir(p))
				out = append(out, &node{path: p, origin: origin, obj: obj, musl: c.isMusl(obj)})
			}
		}
		return nil
	}
	for _, r := range roots {
		real, err := c.fs.Resolve(r)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		if err := visit(real, 0); err != nil {
			return nil, fmt.Errorf("scanning %s: %w", r, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

// readRecord maps the files a wheel installed (its .dist-info/RECORD,
// PEP 376 and the "Recording installed packages" specification) to the
// distribution's "name version".
func (c *checker) readRecord(distInfo string) error {
	b, err := c.fs.ReadFile(c.ctx, path.Join(distInfo, "RECORD"))
	if err != nil {
		return nil //nolint:nilerr // a dist-info without RECORD owns nothing
	}
	base := strings.TrimSuffix(path.Base(distInfo), ".dist-info")
	name, version, _ := strings.Cut(base, "-")
	dist := pyname.Normalize(name)
	if version != "" {
		dist += " " + version
	}
	site := path.Dir(distInfo)
	r := csv.NewReader(strings.NewReader(string(b)))
	r.FieldsPerRecord = -1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil //nolint:nilerr // a damaged RECORD owns what it listed so far
		}
		if len(rec) == 0 || rec[0] == "" {
			continue
		}
		p := rec[0]
		if !path.IsAbs(p) {
			p = path.Join(site, p)
		}
		c.owners[path.Clean(p)] = dist
	}
}

// isMusl reports whether a root object runs under musl: its interpreter
// says so, or, for a shared object, the filesystem has musl's loader.
func (c *checker) isMusl(obj *Object) bool {
	if obj.Interp != "" {
		return obj.musl()
	}
	_, err := c.fs.Resolve("/lib/ld-musl-" + muslArch(obj.Machine) + ".so.1")
	return err == nil
}

// deps is what one root loads.
type deps struct {
	found   []string
	missing []missingDep
}

type missingDep struct{ lib, via string }

// closure walks what root loads, breadth first, as ld.so does.
func (c *checker) closure(root *node) (deps, error) {
	var d deps
	visited := map[string]bool{}
	if real, err := c.fs.Resolve(root.path); err == nil {
		visited[real] = true
	}
	missingSeen := map[string]bool{}
	// ld.so first matches a name against the objects already loaded, by
	// the name they were loaded as and by their DT_SONAME.
	loaded := map[string]bool{}
	if root.obj.Soname != "" {
		loaded[root.obj.Soname] = true
	}
	queue := []*node{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, name := range n.obj.Needed {
			if loaded[name] {
				continue
			}
			f, ok, err := c.find(name, n)
			if err != nil {
				return d, err
			}
			if !ok {
				if !missingSeen[name] {
					missingSeen[name] = true
					via := ""
					if n != root {
						via = n.path
					}
					d.missing = append(d.missing, missingDep{lib: name, via: via})
				}
				continue
			}
			loaded[name] = true
			if f.obj.Soname != "" {
				loaded[f.obj.Soname] = true
			}
			if visited[f.real] {
				continue
			}
			visited[f.real] = true
			d.found = append(d.found, f.real)
			origin, _ := c.fs.Resolve(path.Dir(f.path))
			queue = append(queue, &node{path: f.path, origin: origin, obj: f.obj, parent: n, musl: root.musl})
		}
	}
	return d, nil
}

// searchDirs lists where ld.so looks for the dependencies of n.
func (c *checker) searchDirs(n *node) []string {
	var dirs []string
	add := func(entries []string, origin string) {
		for _, e := range entries {
			dirs = append(dirs, expandTokens(e, origin, n.obj.Class, n.obj.Machine)...)
		}
	}
	rootOrigin := n.origin
	for a := n; a != nil; a = a.parent {
		rootOrigin = a.origin
	}
	if n.musl {
		add(c.envPath, rootOrigin)
		for a := n; a != nil; a = a.parent {
			if a.obj.HasRunPath {
				add(a.obj.RunPath, a.origin)
			} else {
				add(a.obj.RPath, a.origin)
			}
		}
		sys, ok := c.muslPath[n.obj.Machine]
		if !ok {
			sys = readMuslPath(c.ctx, c.fs, n.obj.Machine)
			c.muslPath[n.obj.Machine] = sys
		}
		if sys == nil {
			sys = muslDefaultDirs
		}
		return append(dirs, sys...)
	}
	if !n.obj.HasRunPath {
		for a := n; a != nil; a = a.parent {
			if !a.obj.HasRunPath {
				add(a.obj.RPath, a.origin)
			}
		}
	}
	add(c.envPath, rootOrigin)
	add(n.obj.RunPath, n.origin)
	if !n.obj.NoDefaultLib {
		dirs = append(dirs, c.conf...)
		dirs = append(dirs, defaultDirs(n.obj.Class, n.obj.Machine)...)
	}
	return dirs
}

// find looks name up for n.
func (c *checker) find(name string, n *node) (foundLib, bool, error) {
	var cands []string
	if strings.Contains(name, "/") {
		cands = []string{path.Join("/", name)}
	} else {
		for _, d := range c.searchDirs(n) {
			cands = append(cands, path.Join(d, name))
		}
	}
	key := fmt.Sprintf("%d/%d\x00%s", n.obj.Class, n.obj.Machine, strings.Join(cands, "\x00"))
	if f, ok := c.found[key]; ok {
		return f, f.obj != nil, nil
	}
	for _, cand := range cands {
		f, ok, err := c.candidate(cand, n.obj)
		if err != nil {
			return foundLib{}, false, err
		}
		if ok {
			c.found[key] = f
			return f, true, nil
		}
	}
	c.found[key] = foundLib{}
	return foundLib{}, false, nil
}

// candidate reports whether the file at p is a library ld.so would load
// for obj.
func (c *checker) candidate(p string, obj *Object) (foundLib, bool, error) {
	real, err := c.fs.Resolve(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return foundLib{}, false, nil
		}
		return foundLib{}, false, err
	}
	e, err := c.fs.Lstat(real)
	if err != nil || e.Kind != KindFile {
		return foundLib{}, false, nil //nolint:nilerr // not a file: keep looking
	}
	lib, err := c.object(real)
	if err != nil {
		return foundLib{}, false, err
	}
	if lib == nil || lib.Class != obj.Class || lib.Machine != obj.Machine || lib.Type != elf.ET_DYN {
		return foundLib{}, false, nil
	}
	return foundLib{path: p, real: real, obj: lib}, true, nil
}
