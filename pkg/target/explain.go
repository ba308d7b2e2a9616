package target

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/canto-build/canto/pkg/tags"
)

// MismatchKind says which part of a tag does not fit a target. Kinds are
// ordered from least to most severe.
type MismatchKind int

// The kinds of mismatch, least severe first.
const (
	// LibcTooOld: the wheel needs a newer glibc or musl than the target has
	// (or another musl major).
	LibcTooOld MismatchKind = iota + 1
	// PythonVersion: the wheel is for another Python version.
	PythonVersion
	// ABIFlavour: the wheel needs another CPython ABI (debug,
	// free-threaded, pymalloc) or an interpreter/ABI pairing the target
	// does not accept.
	ABIFlavour
	// LibcFamily: glibc (manylinux) versus musl (musllinux).
	LibcFamily
	// Implementation: the wheel is for PyPy, GraalPy or another non-CPython.
	Implementation
	// Architecture: the wheel is for another CPU architecture.
	Architecture
	// OperatingSystem: the wheel is for macOS, Windows or another non-Linux.
	OperatingSystem
	// InvalidFilename: the filename is not a valid wheel filename.
	InvalidFilename
)

var kindNames = map[MismatchKind]string{
	LibcTooOld: "libc too old", PythonVersion: "Python version", ABIFlavour: "ABI",
	LibcFamily: "libc family", Implementation: "implementation", Architecture: "architecture",
	OperatingSystem: "operating system", InvalidFilename: "invalid filename",
}

func (k MismatchKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "MismatchKind(" + strconv.Itoa(int(k)) + ")"
}

// weight is a kind's contribution to how far a wheel is from fitting.
func (k MismatchKind) weight() int {
	switch k {
	case LibcTooOld:
		return 1
	case PythonVersion, ABIFlavour:
		return 2
	case LibcFamily:
		return 3
	case Implementation:
		return 4
	case Architecture:
		return 5
	case OperatingSystem:
		return 8
	default:
		return 100
	}
}

// Mismatch is one reason a tag does not fit a target.
type Mismatch struct {
	Kind MismatchKind
	// Reason is a short sentence such as "needs glibc 2.38, target has 2.36".
	Reason string
	// Distance is how many minor versions the wheel's Python or libc is away
	// from the target's (0 when not a version mismatch); it orders otherwise
	// equal misses.
	Distance int
}

// closeness orders near misses: the sum of the mismatch weights (so fewer
// and milder mismatches are closer), then the sum of their distances.
type closeness struct{ score, distance int }

func (a closeness) less(b closeness) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.distance < b.distance
}

func closenessOf(ms []Mismatch) closeness {
	var c closeness
	for _, m := range ms {
		c.score += m.Kind.weight()
		c.distance += m.Distance
	}
	return c
}

// verdict is how one wheel relates to a target.
type verdict struct {
	fits       bool
	tag        tags.Tag   // the best tag when fits, else the closest tag
	rank       int        // rank of tag when fits
	mismatches []Mismatch // why tag does not fit
	closeness  closeness
}

// evaluate finds the best supported tag of w or, when none is supported,
// the closest tag and why it misses. Support is decided by the tag list
// alone; the mismatches only explain.
func (t Target) evaluate(w tags.WheelFilename) verdict {
	ranks := t.ranks()
	var best verdict
	found := false
	for _, tg := range w.Tags {
		if r, ok := ranks[tg]; ok && (!best.fits || r < best.rank) {
			best = verdict{fits: true, tag: tg, rank: r}
			found = true
		}
	}
	if found {
		return best
	}
	for i, tg := range w.Tags {
		ms := t.tagMismatches(tg)
		v := verdict{tag: tg, mismatches: ms, closeness: closenessOf(ms)}
		if i == 0 || v.closeness.less(best.closeness) {
			best = v
		}
	}
	return best
}

// tagMismatches explains why tg, which is not among t's supported tags,
// does not fit. It always returns at least one mismatch.
func (t Target) tagMismatches(tg tags.Tag) []Mismatch {
	ms := t.platformMismatches(tg.Platform)
	ms = append(ms, t.interpreterMismatches(tg.Interpreter, tg.ABI)...)
	if len(ms) == 0 {
		ms = append(ms, Mismatch{Kind: ABIFlavour,
			Reason: fmt.Sprintf("tag %s is not among the tags CPython %s on %s accepts", tg, t.Python, t.Platform())})
	}
	return ms
}

// nonLinux maps platform tag prefixes to the system they are built for.
var nonLinux = []struct{ prefix, system string }{
	{"macosx_", "macOS"},
	{"win32", "Windows"},
	{"win_", "Windows"},
	{"ios_", "iOS"},
	{"android_", "Android"},
	{"emscripten_", "Emscripten (WebAssembly)"},
	{"pyodide_", "Pyodide (WebAssembly)"},
	{"cygwin", "Cygwin"},
}

func (t Target) platformMismatches(plat string) []Mismatch {
	if plat == "any" {
		return nil
	}
	var ms []Mismatch
	checkArch := func(arch string) {
		if arch != t.machine() {
			ms = append(ms, Mismatch{Kind: Architecture, Reason: fmt.Sprintf("built for %s, target is %s", arch, t.Platform())})
		}
	}
	needLibc := func(family string, major, minor int) {
		if t.Libc.Family != family {
			ms = append(ms, Mismatch{Kind: LibcFamily, Reason: fmt.Sprintf("needs %s, target uses %s", family, t.Libc.Family)})
			return
		}
		tooOld := major > t.Libc.Major || major == t.Libc.Major && minor > t.Libc.Minor
		if family == Musl && major != t.Libc.Major {
			tooOld = true // musllinux promises nothing across majors
		}
		if tooOld {
			d := minor - t.Libc.Minor
			if major != t.Libc.Major || d < 0 {
				d = 100
			}
			ms = append(ms, Mismatch{Kind: LibcTooOld, Distance: d,
				Reason: fmt.Sprintf("needs %s %d.%d, target has %d.%d", family, major, minor, t.Libc.Major, t.Libc.Minor)})
		}
	}
	// manylinux beyond the libc: packaging knows no manylinux for some
	// machines and none older than 2.17 outside x86.
	needManylinux := func(arch string, major, minor int) {
		if len(ms) > 0 || t.Libc.Family != Glibc || arch != t.machine() {
			return
		}
		if !manylinuxArches[arch] {
			ms = append(ms, Mismatch{Kind: Architecture, Reason: fmt.Sprintf("manylinux wheels are not defined for %s", arch)})
			return
		}
		floor := glibcFloor(arch)
		if major < floor[0] || major == floor[0] && minor < floor[1] {
			ms = append(ms, Mismatch{Kind: LibcTooOld, Distance: 100,
				Reason: fmt.Sprintf("manylinux for %s starts at glibc %d.%d, the wheel claims %d.%d", arch, floor[0], floor[1], major, minor)})
		}
	}
	if rest, ok := strings.CutPrefix(plat, "manylinux_"); ok {
		if major, minor, arch, ok := splitPolicy(rest); ok {
			checkArch(arch)
			needLibc(Glibc, major, minor)
			needManylinux(arch, major, minor)
			return ms
		}
	}
	for legacy, v := range legacyManylinux {
		if arch, ok := strings.CutPrefix(plat, v+"_"); ok {
			checkArch(arch)
			needLibc(Glibc, legacy[0], legacy[1])
			needManylinux(arch, legacy[0], legacy[1])
			return ms
		}
	}
	if rest, ok := strings.CutPrefix(plat, "musllinux_"); ok {
		if major, minor, arch, ok := splitPolicy(rest); ok {
			checkArch(arch)
			needLibc(Musl, major, minor)
			return ms
		}
	}
	if arch, ok := strings.CutPrefix(plat, "linux_"); ok {
		checkArch(arch)
		return ms
	}
	for _, n := range nonLinux {
		if strings.HasPrefix(plat, n.prefix) {
			return []Mismatch{{Kind: OperatingSystem, Reason: fmt.Sprintf("built for %s, target is %s", n.system, t.Platform())}}
		}
	}
	return []Mismatch{{Kind: OperatingSystem, Reason: fmt.Sprintf("built for platform %s, target is %s", plat, t.Platform())}}
}

// splitPolicy splits "2_17_x86_64" into 2, 17 and "x86_64".
func splitPolicy(s string) (major, minor int, arch string, ok bool) {
	parts := strings.SplitN(s, "_", 3)
	if len(parts) != 3 || parts[2] == "" {
		return 0, 0, "", false
	}
	major, ok1 := atoi(parts[0])
	minor, ok2 := atoi(parts[1])
	return major, minor, parts[2], ok1 && ok2
}

// implementations names the PEP 425 abbreviations of other Pythons.
var implementations = map[string]string{
	"pp": "PyPy", "ip": "IronPython", "jy": "Jython", "graalpy": "GraalPy",
}

func (t Target) interpreterMismatches(interp, abi string) []Mismatch {
	impl, ver := splitInterpreter(interp)
	switch impl {
	case "cp", "py":
	default:
		name, ok := implementations[impl]
		if !ok {
			name = "interpreter " + interp
		}
		return []Mismatch{{Kind: Implementation, Reason: fmt.Sprintf("needs %s, target is CPython", name)}}
	}
	major, minor, hasMinor := splitNodot(ver)
	tv := t.Python
	var ms []Mismatch
	pyMiss := func(format string, args ...any) {
		d := 100
		if major == tv.Major && hasMinor {
			d = minor - tv.Minor
			if d < 0 {
				d = -d
			}
		}
		ms = append(ms, Mismatch{Kind: PythonVersion, Distance: d, Reason: fmt.Sprintf(format, args...) + ", target is " + tv.String()})
	}
	if impl == "py" {
		switch {
		case ver == "" || abi != "none":
			// Not a form packaging produces; the caller's fallback explains.
		case major != tv.Major:
			pyMiss("needs Python %d", major)
		case hasMinor && minor > tv.Minor:
			pyMiss("needs Python %d.%d or newer", major, minor)
		}
		return ms
	}
	// CPython.
	if !hasMinor {
		return ms // "cp3": not a form packaging produces
	}
	switch abi {
	case "abi3":
		if major != tv.Major || minor > tv.Minor {
			pyMiss("needs CPython %d.%d or newer (abi3)", major, minor)
		}
	case "none":
		if major != tv.Major || minor != tv.Minor {
			pyMiss("needs CPython %d.%d", major, minor)
		}
	default:
		if major != tv.Major || minor != tv.Minor {
			pyMiss("needs CPython %d.%d", major, minor)
		}
		flags, ok := strings.CutPrefix(abi, "cp"+ver)
		switch {
		case !ok:
			ms = append(ms, Mismatch{Kind: ABIFlavour, Reason: fmt.Sprintf("needs ABI %s, target CPython %s uses %s", abi, tv, t.abi())})
		case strings.Contains(flags, "d"):
			ms = append(ms, Mismatch{Kind: ABIFlavour, Reason: fmt.Sprintf("needs a debug build of CPython (ABI %s)", abi)})
		case strings.Contains(flags, "t"):
			ms = append(ms, Mismatch{Kind: ABIFlavour, Reason: fmt.Sprintf("needs a free-threaded build of CPython (ABI %s)", abi)})
		case major == tv.Major && minor == tv.Minor && abi != t.abi():
			ms = append(ms, Mismatch{Kind: ABIFlavour, Reason: fmt.Sprintf("needs ABI %s, target CPython %s uses %s", abi, tv, t.abi())})
		}
	}
	return ms
}

// abi is the ABI tag of CPython on t: cpXY, or cpXYm before 3.8.
func (t Target) abi() string {
	if t.Python.Minor < 8 {
		return "cp" + t.Python.nodot() + "m"
	}
	return "cp" + t.Python.nodot()
}

// splitInterpreter splits "cp311" into "cp" and "311".
func splitInterpreter(s string) (impl, ver string) {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// splitNodot reads a tag's version digits: the first digit is the major
// version and the rest, if any, the minor ("311" is 3.11, "3" is 3).
func splitNodot(s string) (major, minor int, hasMinor bool) {
	if s == "" {
		return -1, 0, false
	}
	major = int(s[0] - '0')
	if len(s) == 1 {
		return major, 0, false
	}
	m, err := strconv.Atoi(s[1:])
	if err != nil || m > 1000 {
		return major, 0, false
	}
	return major, m, true
}

// Explain says in one line how a distribution file relates to t: for a
// wheel that fits, its best tag and rank; for one that does not, why its
// closest tag misses (reasons joined by "; "). Sdists and other names are
// said to be no wheel. It is meant for `canto plan --explain`.
func (t Target) Explain(filename string) string {
	if !strings.HasSuffix(filename, ".whl") {
		if _, _, err := tags.ParseSdistFilename(filename); err == nil {
			return "source distribution, not a wheel"
		}
		return "not a wheel or sdist filename"
	}
	w, err := tags.ParseWheelFilename(filename)
	if err != nil {
		return err.Error()
	}
	v := t.evaluate(w)
	if v.fits {
		return fmt.Sprintf("fits as %s (rank %d of %d, 0 is best)", v.tag, v.rank, len(t.ranks()))
	}
	return joinReasons(v.mismatches)
}

func joinReasons(ms []Mismatch) string {
	rs := make([]string, len(ms))
	for i, m := range ms {
		rs[i] = m.Reason
	}
	return strings.Join(rs, "; ")
}
