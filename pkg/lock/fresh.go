package lock

import (
	"strconv"
	"strings"

	"github.com/canto-build/canto/pkg/pyproject"
)

// CheckFresh reports whether l was locked from p's current dependency
// declarations, returning a *StaleError when it was not.
//
// The lock is fresh when its content-hash equals p's hash under one of:
//   - the scheme of the Poetry release that wrote it (from the header
//     comment; without one, every scheme of the releases that write its
//     lock-version), which is what that release's "poetry check --lock"
//     accepts;
//   - the current scheme, pyproject.HashPoetry23, and, for locks written
//     before Poetry 2.3, pyproject.HashPoetry20, which is what Poetry 2.3+
//     accepts (Locker.is_fresh).
func CheckFresh(l *Lock, p *pyproject.Project) error {
	gen := generatorSchemes(l)
	candidates := append([]pyproject.HashScheme{pyproject.HashPoetry23}, gen...)
	if !generatedSince(l.GeneratedBy, 2, 3) {
		candidates = append(candidates, pyproject.HashPoetry20)
	}
	if l.ContentHash != "" {
		for _, s := range candidates {
			if p.ContentHashFor(s) == l.ContentHash {
				return nil
			}
		}
	}
	return &StaleError{File: l.File, LockHash: l.ContentHash, ProjectHash: p.ContentHashFor(gen[0]), Project: p.File}
}

// generatorSchemes returns the content-hash schemes of the Poetry release
// that wrote l, most likely first.
func generatorSchemes(l *Lock) []pyproject.HashScheme {
	if major, minor, ok := majorMinor(l.GeneratedBy); ok {
		switch {
		case major < 1 || (major == 1 && minor < 2):
			return []pyproject.HashScheme{pyproject.HashPoetry10}
		case major == 1:
			return []pyproject.HashScheme{pyproject.HashPoetry12}
		case major == 2 && minor < 3:
			return []pyproject.HashScheme{pyproject.HashPoetry20}
		default:
			return []pyproject.HashScheme{pyproject.HashPoetry23}
		}
	}
	switch l.Version {
	case "1.0", "1.1": // Poetry 1.0-1.2
		return []pyproject.HashScheme{pyproject.HashPoetry12, pyproject.HashPoetry10}
	case "1.2", "2.0": // Poetry 1.3-1.8
		return []pyproject.HashScheme{pyproject.HashPoetry12}
	default: // 2.1: Poetry 2.x
		return []pyproject.HashScheme{pyproject.HashPoetry23, pyproject.HashPoetry20}
	}
}

// generatedSince reports whether the Poetry version v is at least
// major.minor; false when v is unknown.
func generatedSince(v string, major, minor int) bool {
	ma, mi, ok := majorMinor(v)
	return ok && (ma > major || (ma == major && mi >= minor))
}

// majorMinor reads the leading "X.Y" of a Poetry release version such as
// "1.8.3" or "2.0.0b1".
func majorMinor(v string) (major, minor int, ok bool) {
	a, rest, found := strings.Cut(v, ".")
	if !found {
		return 0, 0, false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	ma, err1 := strconv.Atoi(a)
	mi, err2 := strconv.Atoi(rest[:n])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return ma, mi, true
}
