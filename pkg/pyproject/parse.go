package pyproject

import (
	"fmt"
	"github.com/canto-build/canto/internal/tomltree"
	"github.com/canto-build/canto/pkg/pyname"
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
		return nil, tomltree.NewSyntaxError(filename, err, syntaxHint)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	t := &tree{Tree: tomltree.Tree{File: filename}}
	p := &Project{File: filename, Raw: data, doc: doc, PackageMode: true}

	proj := t.Table(doc, "project", "project")
	tool := t.Table(doc, "tool", "tool")
	poetry := t.Table(tool, "poetry", "tool.poetry")
	p.Canto = t.Table(tool, "canto", "tool.canto")

	p.parseMetadata(t, proj, poetry)
	p.parseEntryPoints(t, proj, poetry)
	p.parseGroups(t, proj, poetry, t.Table(doc, "dependency-groups", "dependency-groups"))
	p.parseExtras(t, proj, poetry)
	p.parseSources(t, poetry)
	p.parseBuildSystem(t, t.Table(doc, "build-system", "build-system"))
	if t.Err != nil {
		return nil, t.Err
	}
	return p, nil
}

func (p *Project) parseMetadata(t *tree, proj, poetry map[string]any) {
	first := func(key string) string {
		if s := t.Str(proj, key, tomltree.Join("project", key)); s != "" {
			return s
		}
		return t.Str(poetry, key, tomltree.Join("tool.poetry", key))
	}
	p.Name = first("name")
	p.Version = first("version")
	p.Description = first("description")
	p.RequiresPython = t.Str(proj, "requires-python", "project.requires-python")
	p.Dynamic = t.StrList(proj, "dynamic", "project.dynamic")
	p.PythonConstraint = p.RequiresPython
	if deps := t.Table(poetry, "dependencies", "tool.poetry.dependencies"); deps != nil {
		if py := t.Str(deps, "python", "tool.poetry.dependencies.python"); py != "" {
			p.PythonConstraint = py
		}
	}
	p.PackageMode = t.Boolean(poetry, "package-mode", "tool.poetry.package-mode", true)

	// Readme: PEP 621 string or {file|text, content-type}; Poetry string or
	// array of strings.
	if v, ok := proj["readme"]; ok {
		switch r := v.(type) {
		case string:
			p.Readme.Files = []string{r}
		case map[string]any:
			if f := t.Str(r, "file", "project.readme.file"); f != "" {
				p.Readme.Files = []string{f}
			}
			p.Readme.Text = t.Str(r, "text", "project.readme.text")
			p.Readme.ContentType = t.Str(r, "content-type", "project.readme.content-type")
		default:
			t.WrongType("project.readme", "a string or a table", v)
		}
	} else {
		p.Readme.Files = t.StrOrList(poetry, "readme", "tool.poetry.readme")
	}

	// License: PEP 639 string, PEP 621 {file|text}, or Poetry string.
	if v, ok := proj["license"]; ok {
		switch l := v.(type) {
		case string:
			p.License.Expression = l
		case map[string]any:
			p.License.File = t.Str(l, "file", "project.license.file")
			p.License.Expression = t.Str(l, "text", "project.license.text")
		default:
			t.WrongType("project.license", "a string or a table", v)
		}
	} else {
		p.License.Expression = t.Str(poetry, "license", "tool.poetry.license")
	}

	// Authors: PEP 621 [{name, email}] or Poetry ["Name <email>"].
	if v, ok := proj["authors"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			t.WrongType("project.authors", "an array of tables", v)
		}
		for i, e := range arr {
			path := tomltree.Index("project.authors", i)
			a, ok := e.(map[string]any)
			if !ok {
				t.WrongType(path, "a table", e)
				break
			}
			name, email := t.Str(a, "name", path+".name"), t.Str(a, "email", path+".email")
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
		p.Authors = t.StrList(poetry, "authors", "tool.poetry.authors")
	}

	if v, ok := poetry["packages"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			t.WrongType("tool.poetry.packages", "an array of tables", v)
		}
		for i, e := range arr {
			path := tomltree.Index("tool.poetry.packages", i)
			m, ok := e.(map[string]any)
			if !ok {
				t.WrongType(path, "a table", e)
				break
			}
			pi := PackageInclude{
				Include: t.Str(m, "include", path+".include"),
				From:    t.Str(m, "from", path+".from"),
				To:      t.Str(m, "to", path+".to"),
				Format:  t.StrOrList(m, "format", path+".format"),
			}
			if pi.Include == "" && t.Err == nil {
				t.Fail(path+".include", "", "missing: every packages entry needs include")
			}
			p.Packages = append(p.Packages, pi)
		}
	}
	if v, ok := poetry["include"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			t.WrongType("tool.poetry.include", "an array", v)
		}
		for i, e := range arr {
			path := tomltree.Index("tool.poetry.include", i)
			switch x := e.(type) {
			case string:
				p.Include = append(p.Include, Include{Path: x})
			case map[string]any:
				p.Include = append(p.Include, Include{
					Path:   t.Str(x, "path", path+".path"),
					Format: t.StrOrList(x, "format", path+".format"),
				})
			default:
				t.WrongType(path, "a string or a table", e)
			}
		}
	}
	p.Exclude = t.StrList(poetry, "exclude", "tool.poetry.exclude")
}

func (p *Project) parseEntryPoints(t *tree, proj, poetry map[string]any) {
	p.Scripts = map[string]Script{}
	scripts := t.Table(poetry, "scripts", "tool.poetry.scripts")
	for _, name := range tomltree.SortedKeys(scripts) {
		path := tomltree.Join("tool.poetry.scripts", name)
		switch v := scripts[name].(type) {
		case string:
			p.Scripts[name] = Script{Reference: v, Type: "console"}
		case map[string]any:
			s := Script{
				Reference: t.Str(v, "reference", path+".reference"),
				Type:      t.Str(v, "type", path+".type"),
				Extras:    t.StrList(v, "extras", path+".extras"),
			}
			if c := t.Str(v, "callable", path+".callable"); c != "" && s.Reference == "" {
				s.Reference = c // deprecated {callable = "...", extras = [...]} form
			}
			if s.Type == "" {
				s.Type = "console"
			}
			if s.Type != "console" && s.Type != "file" && t.Err == nil {
				t.Fail(path+".type", `use type = "console" or type = "file"`, "unknown script type %q", s.Type)
			}
			p.Scripts[name] = s
		default:
			t.WrongType(path, "a string or a table", v)
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
		{t.Table(poetry, "plugins", "tool.poetry.plugins"), "tool.poetry.plugins"},
		{t.Table(proj, "entry-points", "project.entry-points"), "project.entry-points"},
	} {
		for _, group := range tomltree.SortedKeys(src.m) {
			eps := t.stringTable(src.m, group, tomltree.Join(src.path, group))
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
	tb := t.Table(m, key, path)
	if tb == nil {
		return nil
	}
	out := make(map[string]string, len(tb))
	for _, k := range tomltree.SortedKeys(tb) {
		out[k] = t.Str(tb, k, tomltree.Join(path, k))
	}
	return out
}

func (p *Project) parseGroups(t *tree, proj, poetry, pep735 map[string]any) {
	byName := map[string]*Group{}
	var order []string
	group := func(name string) *Group {
		n := pyname.Normalize(name)
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
	if deps := t.Table(poetry, "dependencies", "tool.poetry.dependencies"); deps != nil {
		g := group("main")
		g.Dependencies = append(g.Dependencies, t.poetryDeps(deps, "tool.poetry.dependencies", true)...)
	}
	if deps := t.Table(poetry, "dev-dependencies", "tool.poetry.dev-dependencies"); deps != nil {
		g := group("dev")
		g.Dependencies = append(g.Dependencies, t.poetryDeps(deps, "tool.poetry.dev-dependencies", false)...)
	}
	// PEP 735: name -> [requirement | {include-group = "name"}].
	for _, name := range tomltree.SortedKeys(pep735) {
		path := tomltree.Join("dependency-groups", name)
		arr, ok := pep735[name].([]any)
		if !ok {
			t.WrongType(path, "an array", pep735[name])
			break
		}
		g := group(name)
		for i, e := range arr {
			switch x := e.(type) {
			case string:
				if d, ok := t.requirement(x, tomltree.Index(path, i)); ok {
					g.Dependencies = append(g.Dependencies, d)
				}
			case map[string]any:
				if inc := t.Str(x, "include-group", tomltree.Index(path, i)+".include-group"); inc != "" {
					g.IncludeGroups = append(g.IncludeGroups, inc)
				} else if t.Err == nil {
					t.Fail(tomltree.Index(path, i), "", "expected a requirement string or {include-group = \"name\"}")
				}
			default:
				t.WrongType(tomltree.Index(path, i), "a string or a table", e)
			}
		}
	}
	groups := t.Table(poetry, "group", "tool.poetry.group")
	for _, name := range tomltree.SortedKeys(groups) {
		path := tomltree.Join("tool.poetry.group", name)
		gt := t.Table(groups, name, path)
		g := group(name)
		g.Optional = t.Boolean(gt, "optional", path+".optional", false)
		g.IncludeGroups = append(g.IncludeGroups, t.StrList(gt, "include-groups", path+".include-groups")...)
		if deps := t.Table(gt, "dependencies", path+".dependencies"); deps != nil {
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
	reqs := t.StrArray(v, path)
	out := make([]Dependency, 0, len(reqs))
	for i, r := range reqs {
		if d, ok := t.requirement(r, tomltree.Index(path, i)); ok {
			out = append(out, d)
		}
	}
	return out
}

func (t *tree) requirement(s, path string) (Dependency, bool) {
	d, err := splitRequirement(s)
	if err != nil {
		t.Fail(path, "write a PEP 508 requirement such as \"requests[socks] >=2.31 ; python_version >= '3.8'\"", "%v", err)
		return Dependency{}, false
	}
	return d, true
}

// poetryDeps parses a [tool.poetry...dependencies] table. A value is a
// constraint string, a table, or an array of tables (multiple constraints).
func (t *tree) poetryDeps(deps map[string]any, path string, skipPython bool) []Dependency {
	var out []Dependency
	for _, name := range tomltree.SortedKeys(deps) {
		if skipPython && name == "python" {
			continue
		}
		dpath := tomltree.Join(path, name)
		switch v := deps[name].(type) {
		case string:
			out = append(out, Dependency{Name: name, Constraint: v})
		case map[string]any:
			out = append(out, t.poetryDep(name, v, dpath))
		case []any:
			if len(v) == 0 {
				t.Fail(dpath, "", "empty array of constraints")
			}
			for i, e := range v {
				m, ok := e.(map[string]any)
				if !ok {
					t.WrongType(tomltree.Index(dpath, i), "a table", e)
					break
				}
				out = append(out, t.poetryDep(name, m, tomltree.Index(dpath, i)))
			}
		default:
			t.WrongType(dpath, "a version string, a table or an array of tables", v)
		}
	}
	return out
}

func (t *tree) poetryDep(name string, m map[string]any, path string) Dependency {
	d := Dependency{
		Name:         name,
		Constraint:   t.Str(m, "version", path+".version"),
		Extras:       t.StrList(m, "extras", path+".extras"),
		Markers:      t.Str(m, "markers", path+".markers"),
		Python:       t.Str(m, "python", path+".python"),
		Platform:     t.Str(m, "platform", path+".platform"),
		Optional:     t.Boolean(m, "optional", path+".optional", false),
		Source:       t.Str(m, "source", path+".source"),
		Git:          t.Str(m, "git", path+".git"),
		Branch:       t.Str(m, "branch", path+".branch"),
		Tag:          t.Str(m, "tag", path+".tag"),
		Rev:          t.Str(m, "rev", path+".rev"),
		Subdirectory: t.Str(m, "subdirectory", path+".subdirectory"),
		Path:         t.Str(m, "path", path+".path"),
		URL:          t.Str(m, "url", path+".url"),
		Develop:      t.Boolean(m, "develop", path+".develop", false),
	}
	d.AllowPrereleases = t.Boolean(m, "allow-prereleases", path+".allow-prereleases", false) ||
		t.Boolean(m, "allows-prereleases", path+".allows-prereleases", false)
	return d
}

func (p *Project) parseExtras(t *tree, proj, poetry map[string]any) {
	p.Extras = map[string][]string{}
	extras := t.Table(poetry, "extras", "tool.poetry.extras")
	for _, name := range tomltree.SortedKeys(extras) {
		p.Extras[name] = t.StrList(extras, name, tomltree.Join("tool.poetry.extras", name))
	}
	opt := t.Table(proj, "optional-dependencies", "project.optional-dependencies")
	if opt != nil {
		p.OptionalDependencies = map[string][]Dependency{}
	}
	for _, name := range tomltree.SortedKeys(opt) {
		deps := t.requirements(opt[name], tomltree.Join("project.optional-dependencies", name))
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
		t.WrongType("tool.poetry.source", "an array of tables", v)
		return
	}
	for i, e := range arr {
		path := tomltree.Index("tool.poetry.source", i)
		m, ok := e.(map[string]any)
		if !ok {
			t.WrongType(path, "a table", e)
			return
		}
		s := Source{
			Name:     t.Str(m, "name", path+".name"),
			URL:      t.Str(m, "url", path+".url"),
			Priority: strings.ToLower(t.Str(m, "priority", path+".priority")),
		}
		if s.Priority == "" {
			s.Priority = "primary"
		}
		// Poetry: the deprecated booleans override priority when present.
		if t.Boolean(m, "default", path+".default", false) {
			s.Priority = "default"
		} else if t.Boolean(m, "secondary", path+".secondary", false) {
			s.Priority = "secondary"
		}
		if t.Err != nil {
			return
		}
		if s.Name == "" {
			t.Fail(path+".name", "", "missing: every source needs a name")
			return
		}
		valid := false
		for _, pr := range priorities {
			valid = valid || pr == s.Priority
		}
		if !valid {
			t.Fail(path+".priority", "use one of "+strings.Join(priorities[:3], ", "),
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
		Requires:    t.StrList(bs, "requires", "build-system.requires"),
		Backend:     t.Str(bs, "build-backend", "build-system.build-backend"),
		BackendPath: t.StrList(bs, "backend-path", "build-system.backend-path"),
	}
}
