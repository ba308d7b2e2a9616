package sdist

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// BuildSystem is what a source tree says about how to build it: PEP 518's
// [build-system] requires and PEP 517's build-backend and backend-path.
type BuildSystem struct {
	Requires    []string
	Backend     string
	BackendPath []string
}

// LegacyBuildSystem is what a source tree without a pyproject.toml, or
// without a [build-system] table in it, is built with (PEP 517, "Source
// trees": "revert to the legacy behaviour of running setup.py (either
// directly, or by implicitly invoking the setuptools.build_meta:__legacy__
// backend)", with PEP 518's default requirements, as pip does).
var LegacyBuildSystem = BuildSystem{
	Requires: []string{"setuptools>=40.8.0", "wheel"},
	Backend:  "setuptools.build_meta:__legacy__",
}

// ParseBuildSystem reads the [build-system] table of a pyproject.toml.
// data nil means there is no pyproject.toml. It does no I/O.
//
// Specs: https://peps.python.org/pep-0518/#build-system-table and
// https://peps.python.org/pep-0517/#source-trees
func ParseBuildSystem(data []byte) (BuildSystem, error) {
	if data == nil {
		return cloneBS(LegacyBuildSystem), nil
	}
	var doc struct {
		BuildSystem *struct {
			Requires     *[]string `toml:"requires"`
			BuildBackend *string   `toml:"build-backend"`
			BackendPath  []string  `toml:"backend-path"`
		} `toml:"build-system"`
	}
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: line %d, column %d: %s", row, col, de.Error())
		}
		return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: %w", err)
	}
	bs := doc.BuildSystem
	if bs == nil {
		return cloneBS(LegacyBuildSystem), nil
	}
	// PEP 518: "If the table is specified but is missing required fields
	// then the tool should consider it an error."
	if bs.Requires == nil {
		return BuildSystem{}, errors.New("parsing pyproject.toml: [build-system] has no \"requires\" key\nhint: PEP 518 requires it, e.g. requires = [\"setuptools>=61\"]")
	}
	out := BuildSystem{Requires: append([]string{}, *bs.Requires...), BackendPath: bs.BackendPath}
	if bs.BuildBackend == nil {
		// PEP 517: a missing build-backend means the legacy setup.py path.
		out.Backend = LegacyBuildSystem.Backend
	} else {
		out.Backend = *bs.BuildBackend
		if !validBackend(out.Backend) {
			return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: build-backend %q is not \"module.path\" or \"module.path:object.path\"", out.Backend)
		}
	}
	for _, p := range out.BackendPath {
		if p == "" || p[0] == '/' || containsDotDot(p) {
			return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: backend-path entry %q is not a path inside the source tree", p)
		}
	}
	return out, nil
}

func cloneBS(b BuildSystem) BuildSystem {
	b.Requires = append([]string{}, b.Requires...)
	return b
}

// validBackend checks PEP 517's "module.path:object.path" form: dotted
// Python identifiers, the object part optional.
func validBackend(s string) bool {
	mod, obj, hasObj := strings.Cut(s, ":")
	if !dotted(mod) {
		return false
	}
	return !hasObj || dotted(obj)
}

func dotted(s string) bool {
	if s == "" {
		return false
	}
	start := true
	for _, r := range s {
		switch {
		case r == '.':
			if start {
				return false
			}
			start = true
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (!start && r >= '0' && r <= '9'):
			start = false
		default:
			return false
		}
	}
	return !start
}

func containsDotDot(p string) bool {
	return slices.Contains(strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }), "..")
}
