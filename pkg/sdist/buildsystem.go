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
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: line %d, column %d: %s", row, col, de.Error())
		}
		return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: %w", err)
	}
	raw, ok := doc["build-system"]
	if !ok {
		return cloneBS(LegacyBuildSystem), nil
	}
	table, ok := raw.(map[string]any)
	if !ok {
		return BuildSystem{}, errors.New("parsing pyproject.toml: build-system is not a table")
	}
	// PEP 518: "If the table is specified but is missing required fields
	// then the tool should consider it an error."
	if _, ok := table["requires"]; !ok {
		return BuildSystem{}, errors.New("parsing pyproject.toml: [build-system] has no \"requires\" key\nhint: PEP 518 requires it, e.g. requires = [\"setuptools>=61\"]")
	}
	requires, err := stringList(table, "requires")
	if err != nil {
		return BuildSystem{}, err
	}
	backendPath, err := stringList(table, "backend-path")
	if err != nil {
		return BuildSystem{}, err
	}
	out := BuildSystem{Requires: requires, BackendPath: backendPath}
	switch backend := table["build-backend"].(type) {
	case nil:
		// PEP 517: a missing build-backend means the legacy setup.py path.
		out.Backend = LegacyBuildSystem.Backend
	case string:
		out.Backend = backend
		if !validBackend(out.Backend) {
			return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: build-backend %q is not \"module.path\" or \"module.path:object.path\"", out.Backend)
		}
	default:
		return BuildSystem{}, errors.New("parsing pyproject.toml: [build-system] build-backend is not a string")
	}
	for _, p := range out.BackendPath {
		if p == "" || p[0] == '/' || containsDotDot(p) {
			return BuildSystem{}, fmt.Errorf("parsing pyproject.toml: backend-path entry %q is not a path inside the source tree", p)
		}
	}
	return out, nil
}

// stringList reads an optional array of strings from table.
func stringList(table map[string]any, key string) ([]string, error) {
	raw, ok := table[key]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("parsing pyproject.toml: [build-system] %s is not an array of strings", key)
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("parsing pyproject.toml: [build-system] %s is not an array of strings", key)
		}
		out = append(out, s)
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
