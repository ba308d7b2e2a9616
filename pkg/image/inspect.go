package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BaseInfo is what canto needs to know about a base image to install Python
// packages onto it without running it.
type BaseInfo struct {
	// OS, Arch and Variant come from the image config.
	OS, Arch, Variant string
	// Python is the interpreter that "python3" runs in the image.
	Python *Python
	// Libc is the C library the image's binaries link against.
	Libc Libc
	// Env, User and WorkingDir come from the image config.
	Env        []string
	User       string
	WorkingDir string
}

// Python describes a CPython installation found in an image.
type Python struct {
	// Path is the interpreter after resolving symlinks, such as
	// /usr/local/bin/python3.11.
	Path string
	// Version is "MAJOR.MINOR", such as "3.11".
	Version string
	// FullVersion is "MAJOR.MINOR.MICRO" when the image says (the
	// PYTHON_VERSION variable of the official images, or the dpkg or apk
	// package database); empty otherwise.
	FullVersion string
	// Prefix is the installation prefix, /usr or /usr/local.
	Prefix string
	// StdlibDir is the standard library, relative to Prefix: lib/python3.11.
	StdlibDir string
}

// LibcFamily names a C library implementation.
type LibcFamily string

// The C libraries canto recognises.
const (
	LibcUnknown LibcFamily = ""
	LibcGlibc   LibcFamily = "glibc"
	LibcMusl    LibcFamily = "musl"
)

// Libc describes the C library of an image.
type Libc struct {
	// Family is glibc, musl or LibcUnknown (for instance a static image).
	Family LibcFamily
	// Version is "MAJOR.MINOR" for glibc ("2.36") and the upstream version for
	// musl ("1.2.4"); empty when the image does not say.
	Version string
}

// NoPythonError says an image has no Python 3 interpreter where "python3"
// would find one.
type NoPythonError struct {
	// Searched are the directories looked in, in PATH order.
	Searched []string
}

func (e *NoPythonError) Error() string {
	return fmt.Sprintf("no python3 interpreter in the image (searched %s)\nhint: use a base image that ships CPython 3, such as python:3.12-slim or gcr.io/distroless/python3-debian12",
		strings.Join(e.Searched, ", "))
}

// defaultPath is the PATH assumed when the image config sets none, as
// Docker's default.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const (
	dpkgStatus    = "/var/lib/dpkg/status"
	dpkgStatusDir = "/var/lib/dpkg/status.d/"
)

var apkInstalled = []string{"/lib/apk/db/installed", "/usr/lib/apk/db/installed"}

func captureMetadata(p string) bool {
	switch {
	case p == dpkgStatus, slices.Contains(apkInstalled, p):
		return true
	case strings.HasPrefix(p, dpkgStatusDir):
		return !strings.HasSuffix(p, ".md5sums")
	case path.Base(p) == "libc.so.6" && isLibDir(path.Dir(p)):
		// For its version banner, when no package database names it.
		return true
	}
	return false
}

// Inspect reads what canto needs to know about img from its config and its
// layers' file listings, without running it or unpacking it to disk. An
// image without Python 3 gives a *NoPythonError.
func Inspect(ctx context.Context, img v1.Image) (*BaseInfo, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("inspecting image: reading config: %w", err)
	}
	fsys, err := readImageFS(ctx, img, captureMetadata)
	if err != nil {
		return nil, fmt.Errorf("inspecting image: %w", err)
	}
	info := &BaseInfo{
		OS:         cfg.OS,
		Arch:       cfg.Architecture,
		Variant:    cfg.Variant,
		Env:        slices.Clone(cfg.Config.Env),
		User:       cfg.Config.User,
		WorkingDir: cfg.Config.WorkingDir,
	}
	dpkg := fsys.dpkgPackages()
	apk := fsys.apkPackages()
	info.Libc = fsys.libc(dpkg, apk)
	py, err := fsys.python(cfg.Config.Env)
	if err != nil {
		return nil, fmt.Errorf("inspecting image: %w", err)
	}
	py.FullVersion = pythonFullVersion(py, cfg.Config.Env, dpkg, apk)
	info.Python = py
	return info, nil
}

var pythonBinary = regexp.MustCompile(`^python(3)\.(\d+)$`)

func envValue(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// python finds the interpreter the command "python3" runs: the first
// python3 on the image's PATH, with symlinks resolved inside the image. With
// no python3 it takes the newest python3.N on the PATH.
func (fsys *imageFS) python(env []string) (*Python, error) {
	pathVar, ok := envValue(env, "PATH")
	if !ok || pathVar == "" {
		pathVar = defaultPath
	}
	var dirs []string
	for _, d := range strings.Split(pathVar, ":") {
		if path.IsAbs(d) && !slices.Contains(dirs, path.Clean(d)) {
			dirs = append(dirs, path.Clean(d))
		}
	}
	for _, d := range dirs {
		if py := fsys.interpreter(path.Join(d, "python3")); py != nil {
			return py, nil
		}
	}
	var best *Python
	bestMinor := -1
	for _, d := range dirs {
		for _, n := range fsys.list(d) {
			m := pythonBinary.FindStringSubmatch(n)
			if m == nil {
				continue
			}
			minor, _ := strconv.Atoi(m[2])
			if minor <= bestMinor {
				continue
			}
			if py := fsys.interpreter(path.Join(d, n)); py != nil {
				best, bestMinor = py, minor
			}
		}
	}
	if best == nil {
		return nil, &NoPythonError{Searched: dirs}
	}
	return best, nil
}

// interpreter describes the Python at p, or returns nil if p is not a file
// named python3.N after resolving symlinks.
func (fsys *imageFS) interpreter(p string) *Python {
	real, e, err := fsys.resolve(p)
	if err != nil || e == nil || (e.typeflag != tar.TypeReg && e.typeflag != tar.TypeLink) {
		return nil
	}
	m := pythonBinary.FindStringSubmatch(path.Base(real))
	if m == nil {
		return nil
	}
	version := "3." + m[2]
	return &Python{
		Path:      real,
		Version:   version,
		Prefix:    path.Dir(path.Dir(real)),
		StdlibDir: "lib/python" + version,
	}
}

// pythonFullVersion finds the micro version from the places images record it.
func pythonFullVersion(py *Python, env []string, dpkg, apk map[string]string) string {
	matches := func(v string) bool { return strings.HasPrefix(v, py.Version+".") }
	if py.Prefix == "/usr/local" {
		if v, ok := envValue(env, "PYTHON_VERSION"); ok && matches(v) {
			return v
		}
		return ""
	}
	for _, pkg := range []string{"python" + py.Version + "-minimal", "libpython" + py.Version + "-minimal", "python" + py.Version} {
		if v, ok := dpkg[pkg]; ok && matches(debianUpstream(v)) {
			return debianUpstream(v)
		}
	}
	if v, ok := apk["python3"]; ok && matches(apkUpstream(v)) {
		return apkUpstream(v)
	}
	return ""
}

var (
	libcVersionedFile = regexp.MustCompile(`^libc-(\d+\.\d+)\.so$`)
	majorMinor        = regexp.MustCompile(`^\d+\.\d+`)
	// glibcBanner is the end of the string glibc prints when run, and
	// carries in its .rodata: "GNU C Library (Debian GLIBC 2.36-9) stable
	// release version 2.36."
	glibcBanner = regexp.MustCompile(`GNU C Library [^\x00]*release version (\d+\.\d+)`)
)

func (fsys *imageFS) libc(dpkg, apk map[string]string) Libc {
	var musl, glibc bool
	glibcVersion := ""
	for p, e := range fsys.entries {
		if e.isDir() || !isLibDir(path.Dir(p)) {
			continue
		}
		base := path.Base(p)
		switch {
		case strings.HasPrefix(base, "ld-musl-"):
			musl = true
		case base == "libc.so.6":
			glibc = true
			if m := glibcBanner.FindSubmatch(e.content); m != nil && glibcVersion == "" {
				glibcVersion = string(m[1])
			}
		default:
			if m := libcVersionedFile.FindStringSubmatch(base); m != nil {
				glibc, glibcVersion = true, m[1]
			}
		}
	}
	// The package database wins over what the files say.
	if v, ok := dpkg["libc6"]; ok {
		glibc = true
		glibcVersion = majorMinor.FindString(debianUpstream(v))
	}
	switch {
	case musl:
		v := ""
		if av, ok := apk["musl"]; ok {
			v = apkUpstream(av)
		}
		return Libc{Family: LibcMusl, Version: v}
	case glibc:
		return Libc{Family: LibcGlibc, Version: glibcVersion}
	}
	return Libc{}
}

// isLibDir reports whether dir is one of the dynamic loader's directories:
// /lib, /lib64, /usr/lib, /usr/lib64 or a multiarch directory below them.
func isLibDir(dir string) bool {
	for _, root := range []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64"} {
		if dir == root {
			return true
		}
		if rest, ok := strings.CutPrefix(dir, root+"/"); ok && !strings.Contains(rest, "/") && strings.Count(rest, "-") >= 2 {
			return true
		}
	}
	return false
}

// dpkgPackages reads the installed packages and versions from dpkg's status
// file and, for distroless images, the status.d directory.
func (fsys *imageFS) dpkgPackages() map[string]string {
	pkgs := map[string]string{}
	if b, ok := fsys.readFile(dpkgStatus); ok {
		parseDpkgStatus(b, pkgs)
	}
	for p, e := range fsys.entries {
		if strings.HasPrefix(p, dpkgStatusDir) && e.content != nil {
			parseDpkgStatus(e.content, pkgs)
		}
	}
	return pkgs
}

// parseDpkgStatus adds the installed packages of a dpkg status file (deb822
// paragraphs, dpkg(1) "FILES") to pkgs. A paragraph without a Status field,
// as distroless writes them, counts as installed.
func parseDpkgStatus(b []byte, pkgs map[string]string) {
	for _, para := range paragraphs(b) {
		var name, version, status string
		for _, line := range para {
			k, v, ok := strings.Cut(line, ":")
			if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				continue
			}
			switch k {
			case "Package":
				name = strings.TrimSpace(v)
			case "Version":
				version = strings.TrimSpace(v)
			case "Status":
				status = strings.TrimSpace(v)
			}
		}
		if name == "" || version == "" {
			continue
		}
		if status != "" && !strings.HasSuffix(status, " installed") {
			continue
		}
		pkgs[name] = version
	}
}

// apkPackages reads the installed packages from apk's database
// (apk-tools "installed" file: paragraphs of "P:name" and "V:version").
func (fsys *imageFS) apkPackages() map[string]string {
	pkgs := map[string]string{}
	for _, p := range apkInstalled {
		b, ok := fsys.readFile(p)
		if !ok {
			continue
		}
		for _, para := range paragraphs(b) {
			var name, version string
			for _, line := range para {
				if v, ok := strings.CutPrefix(line, "P:"); ok {
					name = v
				} else if v, ok := strings.CutPrefix(line, "V:"); ok {
					version = v
				}
			}
			if name != "" && version != "" {
				pkgs[name] = version
			}
		}
		break
	}
	return pkgs
}

func paragraphs(b []byte) [][]string {
	var out [][]string
	var cur []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), maxCapturedFile)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// debianUpstream strips the epoch and Debian revision from a Debian version
// (deb-version(7): [epoch:]upstream_version[-debian_revision]).
func debianUpstream(v string) string {
	if _, rest, ok := strings.Cut(v, ":"); ok {
		v = rest
	}
	if i := strings.LastIndex(v, "-"); i >= 0 {
		v = v[:i]
	}
	return v
}

// apkUpstream strips the package release ("-rN") from an apk version.
func apkUpstream(v string) string {
	if i := strings.LastIndex(v, "-r"); i >= 0 {
		if _, err := strconv.Atoi(v[i+2:]); err == nil {
			return v[:i]
		}
	}
	return v
}
