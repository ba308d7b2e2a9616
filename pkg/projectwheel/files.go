package projectwheel

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
)

// member is one file of the wheel outside .dist-info.
type member struct {
	arc  string // path in the archive
	src  string // slash-separated path relative to the project directory
	exec bool
}

// compiledSuffixes mark sources that need a compiler or Cython: a project
// shipping them in its packages needs its own build backend.
var compiledSuffixes = []string{".c", ".cc", ".cpp", ".cxx", ".pyx"}

// moduleName is poetry-core's module_name: the PEP 503 normalised name with
// "-" replaced by "_".
func moduleName(name string) string {
	return strings.ReplaceAll(pyname.Normalize(name), "-", "_")
}

// packageSpec is one tool.poetry.packages entry or the auto-detected one.
type packageSpec struct {
	field string // TOML path, for errors
	pyproject.PackageInclude
}

func (b *builder) packageSpecs() ([]packageSpec, error) {
	if len(b.p.Packages) > 0 {
		specs := make([]packageSpec, len(b.p.Packages))
		for i, pi := range b.p.Packages {
			specs[i] = packageSpec{field: fmt.Sprintf("tool.poetry.packages[%d]", i), PackageInclude: pi}
		}
		return specs, nil
	}
	// poetry-core's Module: a package directory or a module file named after
	// the project, at the root or under src/, never both.
	mod := moduleName(b.p.Name)
	const field = "tool.poetry.packages"
	for _, from := range []string{"", "src"} {
		dir, dirOK := b.tree.lookup(path.Join(from, mod))
		file, fileOK := b.tree.lookup(path.Join(from, mod+".py"))
		dirOK = dirOK && dir.isDir
		fileOK = fileOK && !file.isDir
		switch {
		case dirOK && fileOK:
			return nil, b.configError(field, fmt.Sprintf("both %s/ and %s.py exist", path.Join(from, mod), path.Join(from, mod)),
				"remove one, or list the one to pack in tool.poetry.packages")
		case dirOK || fileOK:
			inc := mod
			if fileOK {
				inc = mod + ".py"
			}
			if !importable(mod) {
				return nil, b.configError(field, fmt.Sprintf("module name %q, derived from the project name %q, is not importable", mod, b.p.Name),
					"rename the package to a valid Python identifier and list it in tool.poetry.packages")
			}
			return []packageSpec{{field: field, PackageInclude: pyproject.PackageInclude{Include: inc, From: from}}}, nil
		}
	}
	hint := fmt.Sprintf("create the package %s/ (or src/%s/), or list the packages to pack in tool.poetry.packages", mod, mod)
	if !importable(mod) {
		hint = fmt.Sprintf("%q, derived from the project name, is not an importable module name: list the packages to pack in tool.poetry.packages", mod)
	}
	return nil, b.configError(field, fmt.Sprintf("no package or module found for project %q: looked for %s/, %s.py, src/%s/ and src/%s.py",
		b.p.Name, mod, mod, mod, mod), hint)
}

func hasFormat(formats []string, f string, dflt bool) bool {
	if len(formats) == 0 {
		return dflt
	}
	return slices.Contains(formats, f)
}

// checkRelative rejects absolute paths and ".." in a configured path.
func (b *builder) checkRelative(field, p string) error {
	if p == "" {
		return nil
	}
	clean := path.Clean(p)
	if path.IsAbs(p) || strings.HasPrefix(p, `\`) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(p, `\`) {
		return b.configError(field, fmt.Sprintf("%q is not a relative path inside the project", p),
			"write a slash-separated path relative to the directory of pyproject.toml")
	}
	return nil
}

// excludedFiles is poetry-core's find_excluded_files without VCS: the files
// matched by tool.poetry.exclude, less those a wheel include names.
func (b *builder) excludedFiles() (map[string]bool, error) {
	excluded := map[string]bool{}
	for i, pat := range b.p.Exclude {
		field := fmt.Sprintf("tool.poetry.exclude[%d]", i)
		if err := b.checkRelative(field, pat); err != nil {
			return nil, err
		}
		es, err := b.tree.glob("", pat)
		if err != nil {
			return nil, b.configError(field, err.Error(), "")
		}
		for _, e := range es {
			for _, f := range b.tree.filesUnder(e.rel) {
				excluded[f.rel] = true
			}
		}
	}
	for _, inc := range b.p.Include {
		if !hasFormat(inc.Format, "wheel", false) {
			continue
		}
		es, err := b.tree.glob("", inc.Path)
		if err != nil {
			continue // reported by explicitIncludes
		}
		for _, e := range es {
			for _, f := range b.tree.filesUnder(e.rel) {
				delete(excluded, f.rel)
			}
		}
	}
	return excluded, nil
}

// alwaysSkipped is poetry-core's is_excluded shortcut for byte code.
func alwaysSkipped(rel string) bool {
	return strings.Contains("/"+rel+"/", "/__pycache__/") || strings.HasSuffix(rel, ".pyc") || strings.HasSuffix(rel, ".pyo")
}

// collect finds the files of the wheel, in poetry-core's find_files_to_add
// manner, plus the file scripts.
func (b *builder) collect(ctx context.Context) ([]member, error) {
	specs, err := b.packageSpecs()
	if err != nil {
		return nil, err
	}
	excluded, err := b.excludedFiles()
	if err != nil {
		return nil, err
	}
	var members []member
	for _, s := range specs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !hasFormat(s.Format, "wheel", true) {
			b.o.logger.Debug("skipping sdist-only package", "include", s.Include, "field", s.field)
			continue
		}
		ms, err := b.packageMembers(s, excluded)
		if err != nil {
			return nil, err
		}
		members = append(members, ms...)
	}
	ms, err := b.explicitIncludes()
	if err != nil {
		return nil, err
	}
	members = append(members, ms...)
	ms, err = b.fileScripts()
	if err != nil {
		return nil, err
	}
	members = append(members, ms...)

	// One archive path, one source.
	slices.SortStableFunc(members, func(a, c member) int { return strings.Compare(a.arc, c.arc) })
	out := members[:0]
	for i, m := range members {
		if i > 0 && members[i-1].arc == m.arc {
			if members[i-1].src != m.src {
				return nil, b.configError("tool.poetry.packages", fmt.Sprintf("%q and %q both become %q in the wheel", members[i-1].src, m.src, m.arc),
					"change include, from or to so that each file has its own path")
			}
			continue
		}
		if target, ok := b.tree.outside[m.src]; ok {
			return nil, b.configError(m.src, fmt.Sprintf("symbolic link points outside the project to %q", target),
				"copy the file into the project, or exclude it with tool.poetry.exclude")
		}
		out = append(out, m)
	}
	return out, nil
}

func (b *builder) packageMembers(s packageSpec, excluded map[string]bool) ([]member, error) {
	for _, f := range []struct{ key, val string }{{"include", s.Include}, {"from", s.From}, {"to", s.To}} {
		if err := b.checkRelative(s.field+"."+f.key, f.val); err != nil {
			return nil, err
		}
	}
	base := path.Clean(s.From)
	if base == "." {
		base = ""
	}
	if s.From != "" {
		if e, ok := b.tree.lookup(base); !ok || !e.isDir {
			return nil, b.configError(s.field+".from", fmt.Sprintf("directory %q does not exist", s.From),
				"from names the directory, relative to pyproject.toml, that holds the package (often \"src\")")
		}
	}
	elements, err := b.tree.glob(base, s.Include)
	if err != nil {
		return nil, b.configError(s.field+".include", err.Error(), "")
	}
	if len(elements) == 0 {
		return nil, b.configError(s.field+".include", fmt.Sprintf("%q matches nothing", path.Join(base, s.Include)),
			"include is a package directory, a module file or a glob, relative to the project directory or to from")
	}
	// poetry-core's PackageInclude.check_elements.
	var files []entry
	for _, e := range elements {
		files = append(files, b.tree.filesUnder(e.rel)...)
	}
	isPackage := len(elements) > 1 || elements[0].isDir
	if isPackage {
		pkgName := path.Base(elements[0].rel)
		if len(elements) > 1 {
			pkgName = path.Base(path.Dir(elements[0].rel))
		}
		if !hasModules(files) && !stubOnly(pkgName, files) {
			return nil, b.configError(s.field+".include", fmt.Sprintf("%q is not a package: it holds no .py file", path.Join(base, s.Include)),
				"a package needs at least one Python module; list data files in tool.poetry.include with format = [\"wheel\"]")
		}
	}

	prefix := ""
	if base != "" {
		prefix = base + "/"
	}
	var out []member
	checkedTop := map[string]bool{}
	for _, f := range files {
		if alwaysSkipped(f.rel) || excluded[f.rel] {
			b.o.logger.Debug("excluded", "file", f.rel)
			continue
		}
		if slices.ContainsFunc(compiledSuffixes, func(sfx string) bool { return strings.HasSuffix(f.rel, sfx) }) {
			return nil, &UnsupportedError{File: b.p.File, Reason: fmt.Sprintf("%s: %q is a compiled-extension source", s.field, f.rel)}
		}
		rel := strings.TrimPrefix(f.rel, prefix)
		top, _, _ := strings.Cut(rel, "/")
		if !checkedTop[top] {
			checkedTop[top] = true
			name := top
			if top == rel { // a module file at the top level
				ext := path.Ext(top)
				if ext != ".py" && ext != ".pyi" {
					name = ""
				}
				name = strings.TrimSuffix(name, ext)
			}
			if name != "" && !importable(name) && !strings.HasSuffix(name, "-stubs") {
				return nil, b.configError(s.field+".include", fmt.Sprintf("%q would install as the top-level module %q, which is not importable", f.rel, name),
					"rename the package or module to a valid Python identifier")
			}
		}
		arc := rel
		if s.To != "" {
			arc = path.Join(path.Clean(s.To), rel)
		}
		out = append(out, member{arc: arc, src: f.rel, exec: f.exec})
	}
	if s.To != "" {
		for _, c := range strings.Split(path.Clean(s.To), "/") {
			if !importable(c) {
				return nil, b.configError(s.field+".to", fmt.Sprintf("%q is not an importable package path", s.To),
					"to must be a dotted-free path of Python identifiers, such as \"mypkg/vendored\"")
			}
		}
	}
	return out, nil
}

func hasModules(files []entry) bool {
	return slices.ContainsFunc(files, func(e entry) bool { return path.Ext(e.rel) == ".py" })
}

// stubOnly is poetry-core's is_stub_only (PEP 561 stub-only packages).
func stubOnly(pkg string, files []entry) bool {
	if !strings.HasSuffix(pkg, "-stubs") {
		return false
	}
	for _, f := range files {
		if path.Ext(f.rel) != ".pyi" && path.Base(f.rel) != "py.typed" {
			return false
		}
	}
	return true
}

// explicitIncludes packs the tool.poetry.include entries whose format names
// "wheel", at their paths relative to the project.
func (b *builder) explicitIncludes() ([]member, error) {
	var out []member
	for i, inc := range b.p.Include {
		field := fmt.Sprintf("tool.poetry.include[%d]", i)
		if !hasFormat(inc.Format, "wheel", false) {
			b.o.logger.Debug("skipping sdist-only include", "path", inc.Path, "field", field)
			continue
		}
		if err := b.checkRelative(field, inc.Path); err != nil {
			return nil, err
		}
		es, err := b.tree.glob("", inc.Path)
		if err != nil {
			return nil, b.configError(field, err.Error(), "")
		}
		if len(es) == 0 {
			return nil, b.configError(field, fmt.Sprintf("%q matches nothing", inc.Path),
				"include paths and globs are relative to the directory of pyproject.toml")
		}
		for _, e := range es {
			for _, f := range b.tree.filesUnder(e.rel) {
				if alwaysSkipped(f.rel) {
					continue
				}
				out = append(out, member{arc: f.rel, src: f.rel, exec: f.exec})
			}
		}
	}
	return out, nil
}

// fileScripts packs Poetry type = "file" scripts into .data/scripts/.
func (b *builder) fileScripts() ([]member, error) {
	names := make([]string, 0, len(b.p.Scripts))
	for n, s := range b.p.Scripts {
		if s.Type == "file" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []member
	for _, n := range names {
		ref := b.p.Scripts[n].Reference
		field := "tool.poetry.scripts." + n
		if err := b.checkRelative(field+".reference", ref); err != nil {
			return nil, err
		}
		e, ok := b.tree.lookup(path.Clean(ref))
		if !ok || e.isDir {
			return nil, b.configError(field+".reference", fmt.Sprintf("%q is not a file", ref),
				"a file script's reference is the path of the script, relative to pyproject.toml")
		}
		out = append(out, member{arc: b.dataDir() + "/scripts/" + path.Base(e.rel), src: e.rel, exec: e.exec})
	}
	return out, nil
}

// pythonKeywords are the reserved words that cannot name a module.
var pythonKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// importable reports whether s is a Python identifier that is not a
// keyword, so that "import s" works.
func importable(s string) bool {
	if s == "" || pythonKeywords[s] {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case unicode.IsDigit(r) && i > 0:
		default:
			return false
		}
	}
	return true
}
