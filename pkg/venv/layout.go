package venv

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/canto-build/canto/pkg/wheel"
)

// Layout describes a virtual environment for a target interpreter, with
// every path as it is at runtime in the image.
type Layout struct {
	// Prefix is the venv's root, e.g. /opt/venv.
	Prefix string
	// PythonVersion is the interpreter's major.minor version, e.g. "3.11".
	PythonVersion string
	// Interpreter is the base interpreter in the image, e.g.
	// /usr/local/bin/python3.11 (official python images) or
	// /usr/bin/python3.11 (Debian).
	Interpreter string
	// Implementation is "cpython", the only one supported; "" means cpython.
	Implementation string
}

var pythonVersionRE = regexp.MustCompile(`^3\.[0-9]{1,2}$`)

// Validate checks that the paths are clean and absolute and the version is
// a major.minor CPython 3 version.
func (l Layout) Validate() error {
	if err := checkAbs("prefix", l.Prefix); err != nil {
		return err
	}
	if l.Prefix == "/" {
		return fmt.Errorf("venv prefix is \"/\"\nhint: use a directory of its own, such as /opt/venv")
	}
	if err := checkAbs("interpreter", l.Interpreter); err != nil {
		return err
	}
	if strings.HasPrefix(l.Interpreter+"/", l.Prefix+"/") {
		return fmt.Errorf("venv interpreter %q is inside the venv prefix %q\nhint: name the base interpreter of the image, e.g. /usr/local/bin/python3.11", l.Interpreter, l.Prefix)
	}
	if !pythonVersionRE.MatchString(l.PythonVersion) {
		return fmt.Errorf("venv python version %q is not major.minor, e.g. 3.11", l.PythonVersion)
	}
	if l.Implementation != "" && l.Implementation != "cpython" {
		return fmt.Errorf("venv implementation %q is not supported\nhint: only cpython is supported", l.Implementation)
	}
	return nil
}

func checkAbs(what, p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return fmt.Errorf("venv %s %q is not a clean absolute path", what, p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("venv %s %q contains a control character", what, p)
		}
	}
	return nil
}

// SitePackages is <prefix>/lib/pythonX.Y/site-packages.
func (l Layout) SitePackages() string {
	return path.Join(l.Prefix, "lib", "python"+l.PythonVersion, "site-packages")
}

// Scheme is the install scheme of the venv, as sysconfig's "venv" scheme
// gives it on POSIX: purelib and platlib are site-packages, scripts go to
// bin, headers to include/site/pythonX.Y/<project>, data to the prefix; the
// interpreter in shebangs is <prefix>/bin/python.
func (l Layout) Scheme() wheel.Scheme {
	sp := l.SitePackages()
	return wheel.Scheme{
		Purelib:     sp,
		Platlib:     sp,
		Headers:     path.Join(l.Prefix, "include", "site", "python"+l.PythonVersion),
		Scripts:     path.Join(l.Prefix, "bin"),
		Data:        l.Prefix,
		Interpreter: path.Join(l.Prefix, "bin", "python"),
	}
}

// Entry is one file, directory or symlink of a venv skeleton.
type Entry struct {
	// Path is absolute, as at runtime.
	Path string
	// Mode holds the type (fs.ModeDir, fs.ModeSymlink or none for a
	// regular file) and permissions.
	Mode fs.FileMode
	// Target is a symlink's target.
	Target string
	// Data is a regular file's content.
	Data []byte
}

type skeletonOptions struct {
	fullVersion  string
	lib64        bool
	commandLines bool
}

// SkeletonOption changes what [Layout.Skeleton] writes.
type SkeletonOption func(*skeletonOptions)

// WithFullVersion sets pyvenv.cfg's version line to the interpreter's full
// version, e.g. "3.11.9" (default: the layout's major.minor version). It
// must start with the layout's PythonVersion.
func WithFullVersion(v string) SkeletonOption {
	return func(o *skeletonOptions) { o.fullVersion = v }
}

// WithLib64 says whether to add the lib64 -> lib symlink venv makes on
// 64-bit Linux (default true; pass false for 32-bit targets).
func WithLib64(on bool) SkeletonOption {
	return func(o *skeletonOptions) { o.lib64 = on }
}

// WithCommandLines adds pyvenv.cfg's "executable" and "command" lines, as
// `python -m venv` writes them since Python 3.11 (default off: they are
// informational).
func WithCommandLines() SkeletonOption {
	return func(o *skeletonOptions) { o.commandLines = true }
}

// Skeleton returns the venv's own files, sorted by path, as
// `python -m venv --without-pip <prefix>` makes them with symlinks:
// the prefix, bin, include and lib/pythonX.Y/site-packages directories;
// pyvenv.cfg ("home" is the interpreter's directory, system site-packages
// excluded); bin/python -> the interpreter, bin/python3 -> python and
// bin/pythonX.Y -> python; and lib64 -> lib on 64-bit targets. Activation
// scripts are not written.
func (l Layout) Skeleton(opts ...SkeletonOption) ([]Entry, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	o := skeletonOptions{fullVersion: l.PythonVersion, lib64: true}
	for _, opt := range opts {
		opt(&o)
	}
	if o.fullVersion != l.PythonVersion && !strings.HasPrefix(o.fullVersion, l.PythonVersion+".") {
		return nil, fmt.Errorf("full version %q is not a %s version", o.fullVersion, l.PythonVersion)
	}
	if strings.ContainsAny(o.fullVersion, "\n\r") {
		return nil, fmt.Errorf("full version %q contains a line break", o.fullVersion)
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "home = %s\n", path.Dir(l.Interpreter))
	cfg.WriteString("include-system-site-packages = false\n")
	fmt.Fprintf(&cfg, "version = %s\n", o.fullVersion)
	if o.commandLines {
		fmt.Fprintf(&cfg, "executable = %s\n", l.Interpreter)
		fmt.Fprintf(&cfg, "command = %s -m venv %s\n", l.Interpreter, l.Prefix)
	}
	p := func(elem ...string) string { return path.Join(append([]string{l.Prefix}, elem...)...) }
	dir := func(p string) Entry { return Entry{Path: p, Mode: fs.ModeDir | 0o755} }
	link := func(p, target string) Entry { return Entry{Path: p, Mode: fs.ModeSymlink | 0o777, Target: target} }
	py := "python" + l.PythonVersion
	entries := []Entry{
		dir(l.Prefix),
		dir(p("bin")),
		link(p("bin", "python"), l.Interpreter),
		link(p("bin", "python3"), "python"),
		link(p("bin", py), "python"),
		dir(p("include")),
		dir(p("lib")),
		dir(p("lib", py)),
		dir(p("lib", py, "site-packages")),
	}
	if o.lib64 {
		entries = append(entries, link(p("lib64"), "lib"))
	}
	entries = append(entries, Entry{Path: p("pyvenv.cfg"), Mode: 0o644, Data: []byte(cfg.String())})
	return entries, nil
}
