package pyproject

import "github.com/canto-build/canto/pkg/pyname"

// Project is the typed view of one pyproject.toml.
type Project struct {
	// File is the name given to Parse, used in error messages.
	File string
	// Name, Version and Description come from [project] when set there,
	// otherwise from [tool.poetry].
	Name        string
	Version     string
	Description string
	// PythonConstraint is the Python requirement Poetry locks against:
	// tool.poetry.dependencies.python when present, otherwise
	// project.requires-python. Raw, unparsed.
	PythonConstraint string
	// RequiresPython is project.requires-python as written.
	RequiresPython string
	// Dynamic lists the [project] fields declared dynamic.
	Dynamic []string
	Readme  Readme
	// Authors are "Name <email>" strings (Poetry's form; PEP 621 tables are
	// converted to it).
	Authors []string
	License License

	// PackageMode is tool.poetry.package-mode; true unless set to false.
	PackageMode bool
	Packages    []PackageInclude
	Include     []Include
	Exclude     []string

	// Scripts are console (and Poetry "file") scripts from
	// [project.scripts] and [tool.poetry.scripts]; [project] wins on a
	// name present in both.
	Scripts map[string]Script
	// GUIScripts are [project.gui-scripts]: name to "module:object".
	GUIScripts map[string]string
	// EntryPoints are [project.entry-points] and [tool.poetry.plugins]:
	// group to name to "module:object".
	EntryPoints map[string]map[string]string

	// Extras maps an extra to the names of the packages it enables, from
	// [tool.poetry.extras] and the names in [project.optional-dependencies].
	Extras map[string][]string
	// OptionalDependencies is [project.optional-dependencies], each
	// requirement split cheaply (see Dependency.PEP508).
	OptionalDependencies map[string][]Dependency

	// Groups holds "main" first (when it has dependencies), then the other
	// groups sorted by name. See Group.
	Groups []Group

	Sources     []Source
	BuildSystem *BuildSystem

	// Canto is the raw [tool.canto] table, nil when absent. Its schema is
	// defined by the configuration layer, which may re-read Raw for
	// positions.
	Canto map[string]any
	// Raw is the document exactly as given to Parse.
	Raw []byte

	doc map[string]any
}

// Group is a dependency group. "main" collects [project.dependencies] and
// [tool.poetry.dependencies] (python removed); "dev" also receives the
// legacy [tool.poetry.dev-dependencies]; [tool.poetry.group.<name>] and PEP
// 735 [dependency-groups] entries with the same normalised name are merged.
type Group struct {
	Name     string
	Optional bool
	// IncludeGroups names groups whose dependencies this group includes
	// (tool.poetry.group.<name>.include-groups and PEP 735 include-group).
	IncludeGroups []string
	// Dependencies from a TOML table are sorted by name (tables are
	// unordered); those from arrays keep their order and come first. A
	// Poetry multiple-constraints dependency (an array of tables) yields one
	// Dependency per table, in order, all with the same Name.
	Dependencies []Dependency
}

// Dependency is one declared dependency, with every field raw.
type Dependency struct {
	// Name is the distribution name as written.
	Name string
	// Constraint is Poetry's version constraint ("^1.2", ">=1,<2", "*") or,
	// for a PEP 508 requirement, its version specifier without parentheses.
	Constraint       string
	Extras           []string
	Markers          string
	Python           string
	Platform         string
	Optional         bool
	AllowPrereleases bool
	// Source names a [[tool.poetry.source]] to resolve from.
	Source       string
	Git          string
	Branch       string
	Tag          string
	Rev          string
	Subdirectory string
	Path         string
	URL          string
	Develop      bool
	// PEP508 is the requirement string as written when the dependency came
	// from [project] or [dependency-groups]; empty for Poetry tables.
	PEP508 string
}

// Source is a [[tool.poetry.source]] package index.
type Source struct {
	Name string
	URL  string
	// Priority is one of primary, supplemental, explicit, default,
	// secondary. Absent means primary; the legacy default = true and
	// secondary = true map to default and secondary as Poetry does.
	Priority string
}

// BuildSystem is the PEP 518 [build-system] table.
type BuildSystem struct {
	Requires    []string
	Backend     string
	BackendPath []string
}

// PackageInclude is one entry of tool.poetry.packages.
type PackageInclude struct {
	Include string
	From    string
	To      string
	// Format restricts the entry to "sdist" and/or "wheel"; empty means both.
	Format []string
}

// Include is one entry of tool.poetry.include.
type Include struct {
	Path   string
	Format []string
}

// Script is a console script (Type "console") or, in Poetry, a file copied
// into the environment's scripts directory (Type "file").
type Script struct {
	// Reference is "module:function" for console scripts, a path for files.
	Reference string
	Type      string
	Extras    []string
}

// Readme is project.readme or tool.poetry.readme.
type Readme struct {
	Files       []string
	Text        string
	ContentType string
}

// License is project.license or tool.poetry.license.
type License struct {
	// Expression is an SPDX expression or free text.
	Expression string
	File       string
}

// Group returns the group with the given name (compared after PEP 503
// normalisation), or nil.
func (p *Project) Group(name string) *Group {
	n := pyname.Normalize(name)
	for i := range p.Groups {
		if pyname.Normalize(p.Groups[i].Name) == n {
			return &p.Groups[i]
		}
	}
	return nil
}
