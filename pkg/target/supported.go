package target

import (
	"fmt"
	"sync"

	"github.com/canto-build/canto/pkg/tags"
)

// SupportedTags returns the tags a CPython on t accepts, best first, exactly
// as packaging.tags.sys_tags() (pypa/packaging 23.0) yields them there:
//
//  1. cpython_tags: cpXY-cpXY-<platform>, cpXY-abi3-<platform>,
//     cpXY-none-<platform>, then cpXW-abi3-<platform> for each older minor W
//     down to 3.2. (Before 3.8 the ABI is cpXYm.)
//  2. compatible_tags: pyXY-none-<platform>, py3-none-<platform>, pyXW for
//     each older minor down to py30; then cpXY-none-any; then the same py
//     series with platform any.
//
// The platforms, best first, are (PEP 600, PEP 656):
//   - glibc: manylinux_2_N_<arch> from the target's glibc down to 2_5 on
//     x86_64 and i686 and down to 2_17 elsewhere, each legacy alias
//     (manylinux2014 = 2_17, manylinux2010 = 2_12, manylinux1 = 2_5)
//     right after its manylinux_2_N; none on armv6l, as packaging has none.
//   - musl: musllinux_M_N_<arch> from the target's musl down to M_0.
//   - then linux_<arch>.
//
// One deliberate difference from packaging 23.0: riscv64 gets manylinux tags
// (down to 2_17), as newer packaging releases and installers give it.
func (t Target) SupportedTags() []tags.Tag {
	plats := t.platforms()
	py := t.Python
	interp := "cp" + py.nodot()
	abi := interp
	if py.Minor < 8 {
		abi += "m" // pymalloc builds before 3.8
	}
	var out []tags.Tag
	add := func(in, abi string) {
		for _, p := range plats {
			out = append(out, tags.Tag{Interpreter: in, ABI: abi, Platform: p})
		}
	}
	// cpython_tags
	add(interp, abi)
	add(interp, "abi3")
	add(interp, "none")
	for minor := py.Minor - 1; minor > 1; minor-- {
		add(fmt.Sprintf("cp%d%d", py.Major, minor), "abi3")
	}
	// compatible_tags
	pys := []string{"py" + py.nodot(), fmt.Sprint("py", py.Major)}
	for minor := py.Minor - 1; minor >= 0; minor-- {
		pys = append(pys, fmt.Sprintf("py%d%d", py.Major, minor))
	}
	for _, p := range pys {
		add(p, "none")
	}
	out = append(out, tags.Tag{Interpreter: interp, ABI: "none", Platform: "any"})
	for _, p := range pys {
		out = append(out, tags.Tag{Interpreter: p, ABI: "none", Platform: "any"})
	}
	return out
}

// legacyManylinux are the pre-PEP 600 names of three glibc baselines.
var legacyManylinux = map[[2]int]string{
	{2, 17}: "manylinux2014",
	{2, 12}: "manylinux2010",
	{2, 5}:  "manylinux1",
}

// manylinuxArches are the machines packaging considers able to run
// manylinux wheels (plus riscv64, see SupportedTags).
var manylinuxArches = map[string]bool{
	"x86_64": true, "i686": true, "aarch64": true, "armv7l": true,
	"ppc64": true, "ppc64le": true, "s390x": true, "riscv64": true,
}

// glibcFloor is the oldest glibc with manylinux wheels for a machine: 2.5
// on x86, 2.17 elsewhere.
func glibcFloor(machine string) [2]int {
	if machine == "x86_64" || machine == "i686" {
		return [2]int{2, 5}
	}
	return [2]int{2, 17}
}

// lastGlibcMinor stands in for the last minor of an older glibc major, as
// packaging's _LAST_GLIBC_MINOR does.
const lastGlibcMinor = 50

// platforms returns the platform tags of t, best first.
func (t Target) platforms() []string {
	arch := t.machine()
	var out []string
	switch t.Libc.Family {
	case Glibc:
		if !manylinuxArches[arch] {
			break
		}
		floor := glibcFloor(arch)
		maxes := [][2]int{{t.Libc.Major, t.Libc.Minor}}
		for major := t.Libc.Major - 1; major > 1; major-- {
			maxes = append(maxes, [2]int{major, lastGlibcMinor})
		}
		for _, m := range maxes {
			lowest := 0
			if m[0] == floor[0] {
				lowest = floor[1]
			}
			for minor := m[1]; minor >= lowest; minor-- {
				out = append(out, fmt.Sprintf("manylinux_%d_%d_%s", m[0], minor, arch))
				if legacy, ok := legacyManylinux[[2]int{m[0], minor}]; ok {
					out = append(out, legacy+"_"+arch)
				}
			}
		}
	case Musl:
		for minor := t.Libc.Minor; minor >= 0; minor-- {
			out = append(out, fmt.Sprintf("musllinux_%d_%d_%s", t.Libc.Major, minor, arch))
		}
	}
	return append(out, "linux_"+arch)
}

// rankCache holds the tag→rank index of recently used targets; a process
// rarely has more than a handful of targets, and the cache is dropped when
// it reaches rankCacheSize.
var rankCache = struct {
	sync.Mutex
	m map[Target]map[tags.Tag]int
}{m: map[Target]map[tags.Tag]int{}}

const rankCacheSize = 16

func (t Target) ranks() map[tags.Tag]int {
	rankCache.Lock()
	defer rankCache.Unlock()
	if r, ok := rankCache.m[t]; ok {
		return r
	}
	supported := t.SupportedTags()
	r := make(map[tags.Tag]int, len(supported))
	for i, tg := range supported {
		if _, dup := r[tg]; !dup {
			r[tg] = i
		}
	}
	if len(rankCache.m) >= rankCacheSize {
		clear(rankCache.m)
	}
	rankCache.m[t] = r
	return r
}

// Rank returns the position of tag in SupportedTags (0 is the most
// preferred) and whether t supports it at all. Tags compare as parsed, that
// is in lower case.
func (t Target) Rank(tag tags.Tag) (int, bool) {
	r, ok := t.ranks()[tag]
	return r, ok
}
