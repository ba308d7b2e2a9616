package pyproject

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

const syntaxHint = "fix the TOML syntax at that position; see https://toml.io/en/v1.0.0"

// Load reads and parses the pyproject.toml at path; errors name the path.
func Load(path string) (*Project, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", path, err)
	}
	return Parse(data, path)
}

// Parse parses a pyproject.toml document. filename is used only in error
// messages. Malformed TOML yields a *SyntaxError; a known field of the wrong
// type or with an invalid value yields a *FieldError. Unknown fields are
// ignored.
func Parse(data []byte, filename string) (*Project, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(filename, err, syntaxHint)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	t := &tree{file: filename}
	p := &Project{File: filename, Raw: data, doc: doc, PackageMode: true}

	proj := t.table(doc, "project", "project")
	tool := t.table(doc, "tool", "tool")
	poetry := t.table(tool, "poetry", "tool.poetry")
	p.Canto = t.table(tool, "canto", "tool.canto")

	p.parseMetadata(t, proj, poetry)
	p.parseEntryPoints(t, proj, poetry)
	p.parseGroups(t, proj, poetry, t.table(doc, "dependency-groups", "dependency-groups"))
	p.parseExtras(t, proj, poetry)
	p.parseSources(t, poetry)
	p.parseBuildSystem(t, t.table(doc, "build-system", "build-system"))
	if t.err != nil {
		return nil, t.err
	}
	return p, nil
}

func (p *Project) parseMetadata(t *tree, proj, poetry map[string]any) {
	first := func(key string) string {
		if s := t.str(proj, key, join("project", key)); s != "" {
			return s
		}
		return t.str(poetry, key, join("tool.poetry", key))
	}
	p.Name = first("name")
	p.Version = first("version")
	p.Description = first("description")
	p.RequiresPython = t.str(proj, "requires-python", "project.requires-python")
	p.Dynamic = t.strList(proj, "dynamic", "project.dynamic")
	p.PythonConstraint = p.RequiresPython
	if deps := t.table(poetry, "dependencies", "tool.poetry.dependencies"); deps != nil {
		if py := t.str(deps, "python", "tool.poetry.dependencies.python"); py != "" {
			p.PythonConstraint = py
		}
	}
	p.PackageMode = t.boolean(poetry, "package-mode", "tool.poetry.package-mode", true)

	// Readme: PEP 621 string or {file|text, content-type}; Poetry string or
	// array of strings.
	if v, ok := proj["readme"]; ok {
		switch r := v.(type) {
		case string:
			p.Readme.Files = []string{r}
		case map[string]any:
			if f := t.str(r, "file", "project.readme.file"); f != "" {
				p.Readme.Files = []string{f}
			}
			p.Readme.Text = t.str(r, "text", "project.readme.text")
			p.Readme.ContentType = t.str(r, "content-type", "project.readme.content-type")
		default:
			t.wrongType("project.readme", "a string or a table", v)
		}
	} else {
		p.Readme.Files = t.strOrList(poetry, "readme", "tool.poetry.readme")
	}

	// License: PEP 639 string, PEP 621 {file|text}, or Poetry string.
	if v, ok := proj["license"]; ok {
		switch l := v.(type) {
		case string:
			p.License.Expression = l
		case map[string]any:
			p.License.File = t.str(l, "file", "project.license.file")
			p.License.Expression = t.str(l, "text", "project.license.text")
		default:
			t.wrongType("project.license", "a string or a table", v)
		}
	} else {
		p.License.Expression = t.str(poetry, "license", "tool.poetry.license")
	}

	// Authors: PEP 621 [{name, email}] or Poetry ["Name <email>"].
	if v, ok := proj["authors"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			t.wrongType("project.authors", "an array of tables", v)
		}
		for i, e := range arr {
			path := index("project.authors", i)
			a, ok := e.(map[string]any)
			if !ok {
				t.wrongType(path, "a table", e)
				break
			}
			name, email := t.str(a, "name", path+".name"), t.str(a, "email", path+".email")
			switch {
			case name != "" && email != "":
				p.Authors = append(p.Authors, name+" <"+email+">")
			case email != "":
				p.Authors = append(p.Authors, "<"+email+">")
			default:
				p.Authors = append(p.Authors, name)
			}
		}
	} else {
		p.Authors = t.strList(poetry, "authors", "tool.poetry.authors")
	}

	if v, ok := poetry["packages"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			t.wrongType("tool.poetry.packages", "an array of tables", v)
		}
		for i, e := range arr {
			path := index("tool.poetry.packages", i)
			m, ok := e.(map[string]any)
			if !ok {
				t.wrongType(path, "a table", e)
				break
			}
			pi := PackageInclude{
				Include: t.str(m, "include", path+".include"),
				From:    t.str(m, "from", path+".from"),
				To:      t.str(m, "to", path+".to"),
				Format:  t.strOrList(m, "format", path+".format"),
			}
			if pi.Include == "" && t.err == nil {
				t.fail(path+".include", "", "missing: every packages entry needs include")
			}
			p.Packages = append(p.Packages, pi)
		}
	}
	if v, ok := poetry["include"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			t.wrongType("tool.poetry.include", "an array", v)
		}
		for i, e := range arr {
			path := index("tool.poetry.include", i)
			switch x := e.(type) {
			case string:
				p.Include = append(p.Include, Include{Path: x})
			case map[string]any:
				p.Include = append(p.Include, Include{
					Path:   t.str(x, "path", path+".path"),
					Format: t.strOrList(x, "format", path+".format"),
				})
			default:
				t.wrongType(path, "a string or a table", e)
			}
		}
	}
	p.Exclude = t.strList(poetry, "exclude", "tool.poetry.exclude")
}

func (p *Project) parseEntryPoints(t *tree, proj, poetry map[string]any) {
	p.Scripts = map[string]Script{}
	scripts := t.table(poetry, "scripts", "tool.poetry.scripts")
	for _, name := range sortedKeys(scripts) {
		path := join("tool.poetry.scripts", name)
		switch v := scripts[name].(type) {
		case string:
			p.Scripts[name] = Script{Reference: v, Type: "console"}
		case map[string]any:
			s := Script{
				Reference: t.str(v, "reference", path+".reference"),
				Type:      t.str(v, "type", path+".type"),
				Extras:    t.strList(v, "extras", path+".extras"),
			}
			if c := t.str(v, "callable", path+".callable"); c != "" && s.Reference == "" {
				s.Reference = c // deprecated {callable = "...", extras = [...]} form
			}
			if s.Type == "" {
				s.Type = "console"
			}
			if s.Type != "console" && s.Type != "file" && t.err == nil {
				t.fail(path+".type", `use type = "console" or type = "file"`, "unknown script type %q", s.Type)
			}
			p.Scripts[name] = s
		default:
			t.wrongType(path, "a string or a table", v)
		}
	}
	for name, ref := range t.stringTable(proj, "scripts", "project.scripts") {
		p.Scripts[name] = Script{Reference: ref, Type: "console"}
	}
	p.GUIScripts = t.stringTable(proj, "gui-scripts", "project.gui-scripts")

	p.EntryPoints = map[string]map[string]string{}
	for _, src := range []struct {
		m    map[string]any
		path string
	}{
		{t.table(poetry, "plugins", "tool.poetry.plugins"), "tool.poetry.plugins"},
		{t.table(proj, "entry-points", "project.entry-points"), "project.entry-points"},
	} {
		for _, group := range sortedKeys(src.m) {
			eps := t.stringTable(src.m, group, join(src.path, group))
			if p.EntryPoints[group] == nil {
				p.EntryPoints[group] = map[string]string{}
			}
			for name, ref := range eps {
				p.EntryPoints[group][name] = ref
			}
		}
	}
}

// stringTable returns m[key] as a table of strings, nil when absent.
func (t *tree) stringTable(m map[string]any, key, path string) map[string]string {
	tb := t.table(m, key, path)
	if tb == nil {
		return nil
	}
	out := make(map[string]string, len(tb))
	for _, k := range sortedKeys(tb) {
		out[k] = t.str(tb, k, join(path, k))
	}
	return out
}

func (p *Project) parseGroups(t *tree, proj, poetry, pep735 map[string]any) {
	byName := map[string]*Group{}
	var order []string
	group := func(name string) *Group {
		n := normalizeName(name)
		if g, ok := byName[n]; ok {
			return g
		}
		g := &Group{Name: name}
		byName[n] = g
		order = append(order, n)
		return g
	}

	// main: [project.dependencies] unless dynamic, then [tool.poetry.dependencies].
	if v, ok := proj["dependencies"]; ok {
		g := group("main")
		g.Dependencies = append(g.Dependencies, t.requirements(v, "project.dependencies")...)
	}
	if deps := t.table(poetry, "dependencies", "tool.poetry.dependencies"); deps != nil {
		g := group("main")
		g.Dependencies = append(g.Dependencies, t.poetryDeps(deps, "tool.poetry.dependencies", true)...)
	}
	if deps := t.table(poetry, "dev-dependencies", "tool.poetry.dev-dependencies"); deps != nil {
		g := group("dev")
		g.Dependencies = append(g.Dependencies, t.poetryDeps(deps, "tool.poetry.dev-dependencies", false)...)
	}
	// PEP 735: name -> [requirement | {include-group = "name"}].
	for _, name := range sortedKeys(pep735) {
		path := join("dependency-groups", name)
		arr, ok := pep735[name].([]any)
		if !ok {
			t.wrongType(path, "an array", pep735[name])
			break
		}
		g := group(name)
		for i, e := range arr {
			switch x := e.(type) {
			case string:
				if d, ok := t.requirement(x, index(path, i)); ok {
					g.Dependencies = append(g.Dependencies, d)
				}
			case map[string]any:
				if inc := t.str(x, "include-group", index(path, i)+".include-group"); inc != "" {
					g.IncludeGroups = append(g.IncludeGroups, inc)
				} else if t.err == nil {
					t.fail(index(path, i), "", "expected a requirement string or {include-group = \"name\"}")
				}
			default:
				t.wrongType(index(path, i), "a string or a table", e)
			}
		}
	}
	groups := t.table(poetry, "group", "tool.poetry.group")
	for _, name := range sortedKeys(groups) {
		path := join("tool.poetry.group", name)
		gt := t.table(groups, name, path)
		g := group(name)
		g.Optional = t.boolean(gt, "optional", path+".optional", false)
		g.IncludeGroups = append(g.IncludeGroups, t.strList(gt, "include-groups", path+".include-groups")...)
		if deps := t.table(gt, "dependencies", path+".dependencies"); deps != nil {
			g.Dependencies = append(g.Dependencies, t.poetryDeps(deps, path+".dependencies", false)...)
		}
	}

	sort.SliceStable(order, func(i, j int) bool {
		if order[i] == "main" || order[j] == "main" {
			return order[i] == "main" && order[j] != "main"
		}
		return order[i] < order[j]
	})
	for _, n := range order {
		p.Groups = append(p.Groups, *byName[n])
	}
}

// requirements parses an array of PEP 508 strings.
func (t *tree) requirements(v any, path string) []Dependency {
	reqs := t.strArray(v, path)
	out := make([]Dependency, 0, len(reqs))
	for i, r := range reqs {
		if d, ok := t.requirement(r, index(path, i)); ok {
			out = append(out, d)
		}
	}
	return out
}

func (t *tree) requirement(s, path string) (Dependency, bool) {
	d, err := splitRequirement(s)
	if err != nil {
		t.fail(path, "write a PEP 508 requirement such as \"requests[socks] >=2.31 ; python_version >= '3.8'\"", "%v", err)
		return Dependency{}, false
	}
	return d, true
}

// poetryDeps parses a [tool.poetry...dependencies] table. A value is a
// constraint string, a table, or an array of tables (multiple constraints).
func (t *tree) poetryDeps(deps map[string]any, path string, skipPython bool) []Dependency {
	var out []Dependency
	for _, name := range sortedKeys(deps) {
		if skipPython && name == "python" {
			continue
		}
		dpath := join(path, name)
		switch v := deps[name].(type) {
		case string:
			out = append(out, Dependency{Name: name, Constraint: v})
		case map[string]any:
			out = append(out, t.poetryDep(name, v, dpath))
		case []any:
			if len(v) == 0 {
				t.fail(dpath, "", "empty array of constraints")
			}
			for i, e := range v {
				m, ok := e.(map[string]any)
				if !ok {
					t.wrongType(index(dpath, i), "a table", e)
					break
				}
				out = append(out, t.poetryDep(name, m, index(dpath, i)))
			}
		default:
			t.wrongType(dpath, "a version string, a table or an array of tables", v)
		}
	}
	return out
}

func (t *tree) poetryDep(name string, m map[string]any, path string) Dependency {
	d := Dependency{
		Name:         name,
		Constraint:   t.str(m, "version", path+".version"),
		Extras:       t.strList(m, "extras", path+".extras"),
		Markers:      t.str(m, "markers", path+".markers"),
		Python:       t.str(m, "python", path+".python"),
		Platform:     t.str(m, "platform", path+".platform"),
		Optional:     t.boolean(m, "optional", path+".optional", false),
		Source:       t.str(m, "source", path+".source"),
		Git:          t.str(m, "git", path+".git"),
		Branch:       t.str(m, "branch", path+".branch"),
		Tag:          t.str(m, "tag", path+".tag"),
		Rev:          t.str(m, "rev", path+".rev"),
		Subdirectory: t.str(m, "subdirectory", path+".subdirectory"),
		Path:         t.str(m, "path", path+".path"),
		URL:          t.str(m, "url", path+".url"),
		Develop:      t.boolean(m, "develop", path+".develop", false),
	}
	d.AllowPrereleases = t.boolean(m, "allow-prereleases", path+".allow-prereleases", false) ||
		t.boolean(m, "allows-prereleases", path+".allows-prereleases", false)
	return d
}

func (p *Project) parseExtras(t *tree, proj, poetry map[string]any) {
	p.Extras = map[string][]string{}
	extras := t.table(poetry, "extras", "tool.poetry.extras")
	for _, name := range sortedKeys(extras) {
		p.Extras[name] = t.strList(extras, name, join("tool.poetry.extras", name))
	}
	opt := t.table(proj, "optional-dependencies", "project.optional-dependencies")
	if opt != nil {
		p.OptionalDependencies = map[string][]Dependency{}
	}
	for _, name := range sortedKeys(opt) {
		deps := t.requirements(opt[name], join("project.optional-dependencies", name))
		p.OptionalDependencies[name] = deps
		for _, d := range deps {
			p.Extras[name] = appendUnique(p.Extras[name], d.Name)
		}
	}
}

func appendUnique(s []string, v string) []string {
	for _, e := range s {
		if e == v {
			return s
		}
	}
	return append(s, v)
}

var priorities = []string{"primary", "supplemental", "explicit", "default", "secondary"}

func (p *Project) parseSources(t *tree, poetry map[string]any) {
	v, ok := poetry["source"]
	if !ok {
		return
	}
	arr, isArr := v.([]any)
	if !isArr {
		t.wrongType("tool.poetry.source", "an array of tables", v)
		return
	}
	for i, e := range arr {
		path := index("tool.poetry.source", i)
		m, ok := e.(map[string]any)
		if !ok {
			t.wrongType(path, "a table", e)
			return
		}
		s := Source{
			Name:     t.str(m, "name", path+".name"),
			URL:      t.str(m, "url", path+".url"),
			Priority: strings.ToLower(t.str(m, "priority", path+".priority")),
		}
		if s.Priority == "" {
			s.Priority = "primary"
		}
		// Poetry: the deprecated booleans override priority when present.
		if t.boolean(m, "default", path+".default", false) {
			s.Priority = "default"
		} else if t.boolean(m, "secondary", path+".secondary", false) {
			s.Priority = "secondary"
		}
		if t.err != nil {
			return
		}
		if s.Name == "" {
			t.fail(path+".name", "", "missing: every source needs a name")
			return
		}
		valid := false
		for _, pr := range priorities {
			valid = valid || pr == s.Priority
		}
		if !valid {
			t.fail(path+".priority", "use one of "+strings.Join(priorities[:3], ", "),
				"unknown priority %q", s.Priority)
			return
		}
		p.Sources = append(p.Sources, s)
	}
}

func (p *Project) parseBuildSystem(t *tree, bs map[string]any) {
	if bs == nil {
		return
	}
	p.BuildSystem = &BuildSystem{
		Requires:    t.strList(bs, "requires", "build-system.requires"),
		Backend:     t.str(bs, "build-backend", "build-system.build-backend"),
		BackendPath: t.strList(bs, "backend-path", "build-system.backend-path"),
	}
}
