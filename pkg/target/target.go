package target

import (
	"fmt"
	"strconv"
	"strings"
)

// Libc families.
const (
	Glibc = "glibc"
	Musl  = "musl"
)

// Target is the system a build produces an image for. Use Parse to build
// one; the methods assume the values Parse allows.
type Target struct {
	// OS is the OCI platform OS; always "linux".
	OS string
	// Arch is the OCI architecture: amd64, arm64, arm, 386, ppc64le, s390x or
	// riscv64.
	Arch string
	// Variant is the OCI variant: "v6" or "v7" for arm, an optional
	// "v2".."v4" for amd64, otherwise "".
	Variant string
	// Python is the CPython version of the interpreter in the image.
	Python PyVersion
	// Implementation is the PEP 425 abbreviated implementation; always "cp".
	Implementation string
	// Libc is the C library the interpreter is linked against.
	Libc Libc
}

// PyVersion is a Python version: major.minor with an optional patch.
type PyVersion struct {
	Major, Minor int
	// Patch is meaningful only when HasPatch is set.
	Patch    int
	HasPatch bool
}

// String returns "3.11" or "3.11.4", as the version was given.
func (v PyVersion) String() string {
	if v.HasPatch {
		return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// Full returns major.minor.patch, with patch 0 when it is unknown.
func (v PyVersion) Full() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// nodot is major and minor without a dot, as in tags: "311".
func (v PyVersion) nodot() string { return fmt.Sprintf("%d%d", v.Major, v.Minor) }

// Libc is a C library family and its major.minor version.
type Libc struct {
	Family       string // Glibc or Musl
	Major, Minor int
}

// String returns "glibc-2.36" or "musl-1.2".
func (l Libc) String() string { return fmt.Sprintf("%s-%d.%d", l.Family, l.Major, l.Minor) }

// Platform returns the OCI platform string: "linux/amd64", "linux/arm/v7".
func (t Target) Platform() string {
	s := t.OS + "/" + t.Arch
	if t.Variant != "" {
		s += "/" + t.Variant
	}
	return s
}

// String returns e.g. "linux/amd64 python3.11 glibc-2.36".
func (t Target) String() string {
	return t.Platform() + " python" + t.Python.String() + " " + t.Libc.String()
}

// minPython is the oldest CPython a target may name.
var minPython = PyVersion{Major: 3, Minor: 6}

// Bounds on the numbers of a target. The supported tag list grows with
// the Python minor version and with the C library's version (one
// manylinux or musllinux tag per older release), so a target such as
// Python 3.1151 on musl 1.6660 would take seconds and gigabytes to list.
// These leave decades of room.
const (
	maxPythonMinor = 99
	maxLibcMajor   = 9
	maxLibcMinor   = 199
)

// Parse builds a Target from an OCI platform ("linux/amd64",
// "linux/arm64", "linux/arm/v7"), a CPython version ("3.11" or "3.12.1")
// and a C library ("glibc-2.36", "musl-1.2"; a patch level such as
// "musl-1.2.4" is accepted and dropped, since tags use only major.minor).
// Errors name the input at fault and carry a hint line.
func Parse(platform, python, libc string) (Target, error) {
	t := Target{Implementation: "cp"}
	var err error
	if t.OS, t.Arch, t.Variant, err = parsePlatform(platform); err != nil {
		return Target{}, err
	}
	if t.Python, err = parsePython(python); err != nil {
		return Target{}, err
	}
	if t.Libc, err = parseLibc(libc); err != nil {
		return Target{}, err
	}
	return t, nil
}

const platformHint = "hint: use linux/amd64, linux/arm64, linux/arm/v7, linux/arm/v6, linux/386, linux/ppc64le, linux/s390x or linux/riscv64"

func parsePlatform(s string) (os, arch, variant string, err error) {
	fail := func(format string, args ...any) (string, string, string, error) {
		return "", "", "", fmt.Errorf("parsing platform %q: %s\n%s", s, fmt.Sprintf(format, args...), platformHint)
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return fail("want os/arch[/variant]")
	}
	os, arch = parts[0], parts[1]
	if len(parts) == 3 {
		variant = parts[2]
	}
	if os != "linux" {
		return fail("canto builds Linux images, not %q", os)
	}
	switch arch {
	case "amd64":
		switch variant {
		case "", "v1", "v2", "v3", "v4":
		default:
			return fail("unknown amd64 variant %q", variant)
		}
	case "arm64":
		// As containerd does, arm64/v8 is plain arm64.
		switch variant {
		case "", "v8":
			variant = ""
		default:
			return fail("unknown arm64 variant %q", variant)
		}
	case "arm":
		switch variant {
		case "", "v7":
			variant = "v7"
		case "v6":
		default:
			return fail("unknown arm variant %q", variant)
		}
	case "386", "ppc64le", "s390x", "riscv64":
		if variant != "" {
			return fail("architecture %s has no variants, got %q", arch, variant)
		}
	default:
		return fail("unsupported architecture %q", arch)
	}
	return os, arch, variant, nil
}

func parsePython(s string) (PyVersion, error) {
	fail := func(format string, args ...any) (PyVersion, error) {
		return PyVersion{}, fmt.Errorf("parsing Python version %q: %s\nhint: give the CPython version of the image's interpreter, such as 3.12 or 3.12.4",
			s, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return fail("want major.minor or major.minor.patch")
	}
	var n [3]int
	for i, p := range parts {
		v, ok := atoi(p)
		if !ok {
			return fail("%q is not a number", p)
		}
		n[i] = v
	}
	v := PyVersion{Major: n[0], Minor: n[1], Patch: n[2], HasPatch: len(parts) == 3}
	if v.Major != 3 || v.Minor < minPython.Minor {
		return fail("canto supports CPython %s and later", minPython)
	}
	if v.Minor > maxPythonMinor {
		return fail("minor version %d is beyond any CPython (at most %d)", v.Minor, maxPythonMinor)
	}
	return v, nil
}

func parseLibc(s string) (Libc, error) {
	fail := func(format string, args ...any) (Libc, error) {
		return Libc{}, fmt.Errorf("parsing libc %q: %s\nhint: name the base image's C library and version, such as glibc-2.36 (Debian 12) or musl-1.2 (Alpine)",
			s, fmt.Sprintf(format, args...))
	}
	family, version, ok := strings.Cut(s, "-")
	if !ok {
		return fail("want family-major.minor")
	}
	if family != Glibc && family != Musl {
		return fail("unknown family %q (want glibc or musl)", family)
	}
	parts := strings.Split(version, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return fail("want major.minor version, got %q", version)
	}
	var n [3]int
	for i, p := range parts {
		v, ok := atoi(p)
		if !ok {
			return fail("%q is not a number", p)
		}
		n[i] = v
	}
	l := Libc{Family: family, Major: n[0], Minor: n[1]}
	if l.Major < 1 {
		return fail("major version must be at least 1")
	}
	if l.Major > maxLibcMajor || l.Minor > maxLibcMinor {
		return fail("version %d.%d is beyond any release (at most %d.%d)", l.Major, l.Minor, maxLibcMajor, maxLibcMinor)
	}
	return l, nil
}

// atoi accepts only plain decimal numbers without sign or leading zeros,
// small enough that no tag arithmetic overflows.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 4 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// machine is the platform_machine (uname -m) of a CPython on t, which is
// also the architecture part of its Linux platform tags.
func (t Target) machine() string {
	switch t.Arch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "arm":
		if t.Variant == "v6" {
			return "armv6l"
		}
		return "armv7l"
	case "386":
		return "i686"
	default: // ppc64le, s390x, riscv64
		return t.Arch
	}
}

// MarkerEnv returns the PEP 508 environment markers of CPython on t
// (https://packaging.python.org/en/latest/specifications/dependency-specifiers/#environment-markers).
// platform_release and platform_version describe the running kernel, which
// an image does not fix, so they are empty. python_full_version and
// implementation_version use patch 0 when the patch is unknown.
//
// platform_machine is what the interpreter reports on native hardware
// (x86_64, aarch64, armv7l, armv6l, i686, ppc64le, s390x, riscv64); a 32-bit
// image run on a 64-bit kernel may report the kernel's machine instead.
func (t Target) MarkerEnv() map[string]string {
	return map[string]string{
		"os_name":                        "posix",
		"sys_platform":                   "linux",
		"platform_machine":               t.machine(),
		"platform_python_implementation": "CPython",
		"platform_release":               "",
		"platform_system":                "Linux",
		"platform_version":               "",
		"python_version":                 fmt.Sprintf("%d.%d", t.Python.Major, t.Python.Minor),
		"python_full_version":            t.Python.Full(),
		"implementation_name":            "cpython",
		"implementation_version":         t.Python.Full(),
	}
}
