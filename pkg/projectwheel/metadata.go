package projectwheel

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/pelletier/go-toml/v2"
)

// extraMeta holds the fields the typed Project does not carry, read from
// its raw document: keywords, classifiers, URLs and tool.poetry.build.
type extraMeta struct {
	keywords    []string
	classifiers []string
	urls        [][2]string // label, URL; sorted by label
	buildScript bool
	// table is "project" when [project] sets the name, else "tool.poetry",
	// for naming the fields in errors.
	table, versionTable, readmeTable string
	// projectDeps says [project] declares dependencies statically.
	projectDeps bool
}

func readExtraMeta(raw []byte) extraMeta {
	var doc map[string]any
	if err := toml.Unmarshal(raw, &doc); err != nil {
		return extraMeta{} // the project parsed, so this does not happen
	}
	proj, _ := doc["project"].(map[string]any)
	tool, _ := doc["tool"].(map[string]any)
	poetry, _ := tool["poetry"].(map[string]any)
	strs := func(v any) []string {
		arr, _ := v.([]any)
		var out []string
		for _, e := range arr {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	var m extraMeta
	_, m.buildScript = poetry["build"]
	m.table = "tool.poetry"
	if _, ok := proj["name"]; ok {
		m.table = "project"
	}
	_, hasDeps := proj["dependencies"]
	m.projectDeps = hasDeps && !slices.Contains(strs(proj["dynamic"]), "dependencies")
	m.versionTable, m.readmeTable = "tool.poetry", "tool.poetry"
	if _, ok := proj["readme"]; ok {
		m.readmeTable = "project"
	}
	if _, ok := proj["version"]; ok {
		m.versionTable = "project"
	}
	pick := func(key string) any {
		if v, ok := proj[key]; ok {
			return v
		}
		return poetry[key]
	}
	m.keywords = strs(pick("keywords"))
	m.classifiers = strs(pick("classifiers"))
	urls := map[string]string{}
	if u, ok := proj["urls"].(map[string]any); ok {
		for k, v := range u {
			if s, ok := v.(string); ok {
				urls[k] = s
			}
		}
	} else {
		// poetry-core's ProjectPackage.urls.
		for key, label := range map[string]string{"homepage": "Homepage", "repository": "Repository", "documentation": "Documentation"} {
			if s, ok := poetry[key].(string); ok && s != "" {
				urls[label] = s
			}
		}
		if u, ok := poetry["urls"].(map[string]any); ok {
			for k, v := range u {
				if s, ok := v.(string); ok {
					urls[k] = s
				}
			}
		}
	}
	for k, v := range urls {
		m.urls = append(m.urls, [2]string{k, v})
	}
	slices.SortFunc(m.urls, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return m
}

// pythonVersions is poetry-core's PYTHON_VERSION list, used to write a union
// Python constraint as one specifier set.
var pythonVersions = []string{"2.7", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"}

// requiresPython is poetry-core's Metadata.requires_python:
// project.requires-python as written, else tool.poetry.dependencies.python
// through format_python_constraint ("^3.11" → ">=3.11,<4.0", "3.8" →
// ">=3.8,<3.9", a union → ">=2.7, !=3.0.*, ...").
func requiresPython(requiresPy, poetryPy string) (string, error) {
	if strings.TrimSpace(requiresPy) != "" {
		return strings.TrimSpace(requiresPy), nil
	}
	if strings.TrimSpace(poetryPy) == "" {
		return "", nil
	}
	groups, err := constraintGroups(poetryPy)
	if err != nil {
		return "", err
	}
	switch {
	case len(groups) == 0:
		return "", nil
	case len(groups) == 1 && len(groups[0]) == 1 && groups[0][0][0] >= '0' && groups[0][0][0] <= '9':
		v, err := pep440.Parse(groups[0][0])
		if err != nil {
			return "", err
		}
		r := v.Release()
		switch {
		case len(r) >= 3:
			return "==" + v.String(), nil
		case len(r) == 2:
			return specifiers(fmt.Sprintf("~%d.%d", r[0], r[1]))
		default:
			return specifiers(fmt.Sprintf("^%d.0", r[0]))
		}
	case len(groups) == 1:
		return specifiers(poetryPy)
	}
	// A union: accept each X.Y series the constraint admits at all.
	c, err := pep440.ParsePoetryConstraint(poetryPy)
	if err != nil {
		return "", err
	}
	var formatted, accepted []string
	for _, series := range pythonVersions {
		hit := false
		for patch := 0; patch <= 30 && !hit; patch++ {
			hit = c.Contains(pep440.MustParse(fmt.Sprintf("%s.%d", series, patch)))
		}
		if hit {
			accepted = append(accepted, series)
		} else {
			formatted = append(formatted, "!="+series+".*")
		}
	}
	if len(accepted) == 0 {
		return "", fmt.Errorf("python constraint %q admits no known Python version", poetryPy)
	}
	// Exclusions below the lowest accepted series are implied by the bound.
	low := accepted[0]
	var kept []string
	for _, f := range formatted {
		if series := strings.TrimSuffix(strings.TrimPrefix(f, "!="), ".*"); pep440.Compare(pep440.MustParse(series), pep440.MustParse(low)) > 0 {
			kept = append(kept, f)
		}
	}
	return strings.Join(append([]string{">=" + low}, kept...), ", "), nil
}

// readme returns the long description and its content type.
func (b *builder) readme() (text, contentType string, err error) {
	r := b.p.Readme
	if r.Text != "" {
		return r.Text, r.ContentType, nil
	}
	var parts []string
	for _, f := range r.Files {
		field := b.extra.readmeTable + ".readme"
		if err := b.checkRelative(field, f); err != nil {
			return "", "", err
		}
		data, err := os.ReadFile(filepath.Join(b.dir, filepath.FromSlash(f)))
		if err != nil {
			return "", "", b.configError(field, fmt.Sprintf("reading readme %q: %v", f, err),
				"the readme path is relative to the directory of pyproject.toml")
		}
		parts = append(parts, string(data))
	}
	if len(parts) == 0 {
		return "", "", nil
	}
	contentType = r.ContentType
	if contentType == "" {
		// poetry-core's readme_content_type.
		switch strings.ToLower(path.Ext(r.Files[0])) {
		case ".md":
			contentType = "text/markdown"
		case ".rst":
			contentType = "text/x-rst"
		default:
			contentType = "text/plain"
		}
	}
	return strings.Join(parts, "\n"), contentType, nil
}

// splitAuthor splits Poetry's "Name <email>" form.
func splitAuthor(s string) (name, email string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "<"); i >= 0 && strings.HasSuffix(s, ">") {
		return strings.TrimSpace(s[:i]), s[i+1 : len(s)-1]
	}
	return s, ""
}

// metadata renders METADATA in poetry-core's field order.
func (b *builder) metadata() ([]byte, error) {
	var w strings.Builder
	field := func(k, v string) {
		if v != "" {
			// A value may not span lines unless continued.
			v = strings.ReplaceAll(strings.TrimRight(v, "\n"), "\n", "\n        ")
			fmt.Fprintf(&w, "%s: %s\n", k, v)
		}
	}
	field("Metadata-Version", "2.3")
	field("Name", b.p.Name)
	field("Version", b.version)
	w.WriteString("Summary: " + strings.ReplaceAll(b.p.Description, "\n", " ") + "\n")
	field("License", b.p.License.Expression)
	field("Keywords", strings.Join(b.extra.keywords, ","))
	if len(b.p.Authors) > 0 {
		name, email := splitAuthor(b.p.Authors[0])
		field("Author", name)
		field("Author-email", email)
	}
	rp, err := requiresPython(b.p.RequiresPython, b.p.PythonConstraint)
	if err != nil {
		f := "tool.poetry.dependencies.python"
		if b.p.RequiresPython != "" {
			f = "project.requires-python"
		}
		return nil, b.configError(f, err.Error(), "write the Python requirement as one range, such as \">=3.9,<4.0\"")
	}
	field("Requires-Python", rp)
	for _, c := range b.extra.classifiers {
		field("Classifier", c)
	}
	reqs, extras, err := b.requiresDist()
	if err != nil {
		return nil, err
	}
	for _, e := range extras {
		field("Provides-Extra", e)
	}
	for _, r := range reqs {
		field("Requires-Dist", r)
	}
	for _, u := range b.extra.urls {
		field("Project-URL", u[0]+", "+u[1])
	}
	desc, ct, err := b.readme()
	if err != nil {
		return nil, err
	}
	field("Description-Content-Type", ct)
	if desc != "" {
		w.WriteString("\n" + desc)
		if !strings.HasSuffix(desc, "\n") {
			w.WriteString("\n")
		}
	}
	return []byte(w.String()), nil
}

// wheelFile renders the WHEEL file.
func (b *builder) wheelFile() []byte {
	return fmt.Appendf(nil, "Wheel-Version: 1.0\nGenerator: canto %s\nRoot-Is-Purelib: true\nTag: %s\n", b.o.generator, tag)
}

// entryPoints renders entry_points.txt as poetry-core does: groups sorted,
// "name=object.reference" lines sorted; nil when there are none.
func (b *builder) entryPoints() []byte {
	groups := map[string][]string{}
	for name, s := range b.p.Scripts {
		if s.Type == "console" && s.Reference != "" {
			groups["console_scripts"] = append(groups["console_scripts"], name+"="+strings.ReplaceAll(s.Reference, " ", ""))
		}
	}
	for name, ref := range b.p.GUIScripts {
		groups["gui_scripts"] = append(groups["gui_scripts"], name+"="+strings.ReplaceAll(ref, " ", ""))
	}
	for g, eps := range b.p.EntryPoints {
		switch g {
		case "console-scripts":
			g = "console_scripts"
		case "gui-scripts":
			g = "gui_scripts"
		}
		for name, ref := range eps {
			groups[g] = append(groups[g], name+"="+strings.ReplaceAll(ref, " ", ""))
		}
	}
	if len(groups) == 0 {
		return nil
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	slices.Sort(names)
	var w strings.Builder
	for _, g := range names {
		eps := groups[g]
		slices.Sort(eps)
		fmt.Fprintf(&w, "[%s]\n", g)
		for _, ep := range eps {
			w.WriteString(ep + "\n")
		}
		w.WriteString("\n")
	}
	return []byte(w.String())
}
