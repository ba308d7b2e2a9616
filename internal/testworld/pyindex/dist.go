package pyindex

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kind tells a wheel from an sdist.
type Kind int

// The kinds of distribution files the index serves.
const (
	Wheel Kind = iota + 1
	Sdist
)

func (k Kind) String() string {
	switch k {
	case Wheel:
		return "wheel"
	case Sdist:
		return "sdist"
	default:
		return "unknown"
	}
}

// Dist is a distribution file name split into its parts.
type Dist struct {
	Filename string
	// Project is the PEP 503 normalised project name.
	Project string
	Version string
	Kind    Kind
}

// ErrNotDist is returned by ParseFilename for files that are not wheels or
// sdists (the index ignores them).
var ErrNotDist = errors.New("not a wheel or sdist")

var nameRun = regexp.MustCompile(`[-_.]+`)

// Normalize returns the PEP 503 normalised form of a project name: runs of
// "-", "_" and "." become one "-", and letters are lower-cased.
// https://peps.python.org/pep-0503/#normalized-names
func Normalize(name string) string {
	return strings.ToLower(nameRun.ReplaceAllString(name, "-"))
}

var validName = regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)

// sdistExts are the archive suffixes of sdists that the index accepts.
var sdistExts = []string{".tar.gz", ".zip"}

// ParseFilename splits a wheel or sdist file name.
//
// Wheels follow the binary distribution format:
// {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl
// (https://packaging.python.org/en/latest/specifications/binary-distribution-format/#file-name-convention).
// Sdists are {name}-{version}.tar.gz (or .zip, as older sdists were); names of
// legacy sdists may contain "-", so the version starts after the last "-"
// (https://packaging.python.org/en/latest/specifications/source-distribution-format/#source-distribution-file-name).
func ParseFilename(filename string) (Dist, error) {
	if strings.ContainsAny(filename, "/\\") || strings.HasPrefix(filename, ".") {
		return Dist{}, fmt.Errorf("parsing %q: %w", filename, ErrNotDist)
	}
	if stem, ok := strings.CutSuffix(filename, ".whl"); ok {
		parts := strings.Split(stem, "-")
		if len(parts) != 5 && len(parts) != 6 {
			return Dist{}, fmt.Errorf("parsing wheel name %q: want 5 or 6 dash-separated parts, got %d", filename, len(parts))
		}
		for _, p := range parts {
			if p == "" {
				return Dist{}, fmt.Errorf("parsing wheel name %q: empty part", filename)
			}
		}
		if !validName.MatchString(parts[0]) {
			return Dist{}, fmt.Errorf("parsing wheel name %q: invalid project name %q", filename, parts[0])
		}
		return Dist{Filename: filename, Project: Normalize(parts[0]), Version: parts[1], Kind: Wheel}, nil
	}
	for _, ext := range sdistExts {
		stem, ok := strings.CutSuffix(filename, ext)
		if !ok {
			continue
		}
		i := strings.LastIndexByte(stem, '-')
		if i <= 0 || i == len(stem)-1 {
			return Dist{}, fmt.Errorf("parsing sdist name %q: want {name}-{version}%s", filename, ext)
		}
		name, version := stem[:i], stem[i+1:]
		if !validName.MatchString(name) {
			return Dist{}, fmt.Errorf("parsing sdist name %q: invalid project name %q", filename, name)
		}
		if version[0] < '0' || version[0] > '9' {
			return Dist{}, fmt.Errorf("parsing sdist name %q: version %q does not start with a digit", filename, version)
		}
		return Dist{Filename: filename, Project: Normalize(name), Version: version, Kind: Sdist}, nil
	}
	return Dist{}, fmt.Errorf("parsing %q: %w", filename, ErrNotDist)
}

// RequiresPython returns the Requires-Python field of core metadata (a
// wheel's METADATA or an sdist's PKG-INFO), or "" when there is none. Only the
// header section is read: it ends at the first empty line, and lines starting
// with whitespace continue the previous field
// (https://packaging.python.org/en/latest/specifications/core-metadata/).
func RequiresPython(metadata []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(metadata))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var value []string
	inField := false
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if inField {
				value = append(value, strings.TrimSpace(line))
			}
			continue
		}
		if inField {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Requires-Python") {
			inField = true
			value = append(value, strings.TrimSpace(v))
		}
	}
	return strings.TrimSpace(strings.Join(value, " "))
}
