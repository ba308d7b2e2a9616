package dockerfile

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/target"
)

const (
	defaultPlatform = "linux/amd64"
	defaultLibc     = "glibc-2.36"
)

// pythonMinors are the CPython minor versions Generate chooses among, oldest
// first.
var pythonMinors = []int{8, 9, 10, 11, 12, 13, 14}

// Generate writes the Dockerfile and .dockerignore for opts. It reads and
// fetches nothing.
func Generate(opts Options) (*Result, error) {
	m, err := newModel(opts)
	if err != nil {
		return nil, err
	}
	var d doc
	switch m.strategy {
	case Full, Slim, BuildKit:
		m.singleStage(&d)
	case Layered:
		m.layered(&d)
	case Multistage:
		m.multistage(&d)
	case Recommended:
		m.recommended(&d)
	}
	return &Result{Dockerfile: []byte(d.String()), Dockerignore: []byte(dockerignore(m)), Notes: m.notes}, nil
}

// model is Options resolved against the project: every default filled in and
// everything the writers need computed once.
type model struct {
	strategy    Strategy
	project     *pyproject.Project
	python      string // "3.11"
	target      target.Target
	base        string
	builderBase string
	interp      Interpreter
	poetry      pep440.Version
	poetryStr   string
	indexURL    string
	cmd         []string
	devGroups   []string // normalised, sorted, without main; nil when none

	// build and runtime hold the Debian packages for the main group; the
	// dev variants cover main plus the development groups.
	build, runtime       []string
	devBuild, devRuntime []string
	compiled             []string // "uwsgi 2.0.21", main group
	directories          []string // paths of directory dependencies, main group
	secrets              []secret
	notes                []string
}

// secret is one BuildKit secret feeding one of Poetry's credential
// variables.
type secret struct {
	id, env string
}

func newModel(o Options) (*model, error) {
	if o.Project == nil || o.Lock == nil {
		return nil, errors.New("generating a Dockerfile: Options.Project and Options.Lock are required")
	}
	if _, err := ParseStrategy(string(o.Strategy)); err != nil {
		return nil, err
	}
	m := &model{strategy: o.Strategy, project: o.Project, indexURL: o.IndexURL}
	var err error
	if m.python, err = choosePython(o.Project, o.Python); err != nil {
		return nil, err
	}
	platform, libc := o.Platform, o.Libc
	if platform == "" {
		platform = defaultPlatform
	}
	if libc == "" {
		libc = defaultLibc
	}
	if m.target, err = target.Parse(platform, m.python, libc); err != nil {
		return nil, err
	}
	m.poetryStr = o.PoetryVersion
	if m.poetryStr == "" {
		m.poetryStr = DefaultPoetryVersion
	}
	if m.poetry, err = pep440.Parse(m.poetryStr); err != nil {
		return nil, fmt.Errorf("parsing Poetry version %q: %w", m.poetryStr, err)
	}
	if pep440.Compare(m.poetry, pep440.MustParse("1.2")) < 0 {
		return nil, fmt.Errorf("poetry %s has no dependency groups (--only)\nhint: pin Poetry 1.2 or later", m.poetryStr)
	}
	if !safeWord(m.poetryStr) {
		return nil, fmt.Errorf("poetry version %q has characters a Dockerfile cannot carry unquoted", m.poetryStr)
	}
	if err := m.images(o); err != nil {
		return nil, err
	}
	if m.indexURL != "" {
		if err := checkIndexURL(m.indexURL); err != nil {
			return nil, err
		}
	}
	if err := m.groups(o); err != nil {
		return nil, err
	}
	if err := m.packages(o); err != nil {
		return nil, err
	}
	if m.cmd, err = command(o); err != nil {
		return nil, err
	}
	m.secrets = secrets(o.Project)
	return m, nil
}

// choosePython picks the CPython minor for the image (see Options.Python).
func choosePython(p *pyproject.Project, explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	c := p.PythonConstraint
	if c == "" || c == "*" {
		return DefaultPython, nil
	}
	pc, err := pep440.ParsePoetryConstraint(c)
	if err != nil {
		return "", fmt.Errorf("reading python constraint %q of %s: %w", c, p.File, err)
	}
	allowed := func(minor int) bool {
		for _, patch := range []int{0, 1, 2, 5, 10, 20, 99} {
			if pc.Contains(pep440.MustParse(fmt.Sprintf("3.%d.%d", minor, patch))) {
				return true
			}
		}
		return false
	}
	const preferred = 11
	if allowed(preferred) {
		return DefaultPython, nil
	}
	for _, minor := range pythonMinors {
		if minor > preferred && allowed(minor) {
			return fmt.Sprintf("3.%d", minor), nil
		}
	}
	for i := len(pythonMinors) - 1; i >= 0; i-- {
		if minor := pythonMinors[i]; minor < preferred && allowed(minor) {
			return fmt.Sprintf("3.%d", minor), nil
		}
	}
	return "", fmt.Errorf("the python constraint %q of %s allows no CPython from 3.8 to 3.14\nhint: choose the version with --python", c, p.File)
}

func (m *model) images(o Options) error {
	m.base = o.Base
	if m.base == "" {
		m.base = "python:" + m.python + "-slim-bookworm"
		if m.strategy == Full {
			m.base = "python:" + m.python + "-bookworm"
		}
	}
	m.builderBase = o.BuilderBase
	if m.builderBase == "" {
		m.builderBase = m.base
	}
	for _, img := range []string{m.base, m.builderBase} {
		if !safeWord(img) {
			return fmt.Errorf("image name %q has characters a Dockerfile cannot carry unquoted", img)
		}
	}
	switch o.Interpreter {
	case "":
		m.interp = Debian
		if isPythonImage(m.base) {
			m.interp = Official
		}
	case Official, Debian:
		m.interp = o.Interpreter
	default:
		return fmt.Errorf("unknown interpreter kind %q\nhint: use %q or %q", o.Interpreter, Official, Debian)
	}
	return nil
}

// isPythonImage reports whether ref names the official python image.
func isPythonImage(ref string) bool {
	repo := ref
	if i := strings.IndexAny(repo, ":@"); i >= 0 {
		repo = repo[:i]
	}
	for _, p := range []string{"docker.io/library/", "index.docker.io/library/", "library/"} {
		repo = strings.TrimPrefix(repo, p)
	}
	return repo == "python"
}

func checkIndexURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("index URL %q is not an http(s) URL\nhint: pass the simple index, e.g. http://127.0.0.1:8080/simple/", s)
	}
	if !safeWord(s) {
		return fmt.Errorf("index URL %q has characters a Dockerfile cannot carry unquoted", s)
	}
	return nil
}

// safeWord reports whether s can stand in a shell command and a Dockerfile
// without quoting.
func safeWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/@+=%~,", r)
		if !ok {
			return false
		}
	}
	return true
}

func (m *model) groups(o Options) error {
	dev := o.DevGroups
	if dev == nil {
		for _, g := range o.Project.Groups {
			if g.Name != "main" && !g.Optional {
				dev = append(dev, g.Name)
			}
		}
	}
	sel, err := plan.SelectGroups(o.Project, nil, dev, nil)
	if err != nil {
		return err
	}
	for _, g := range sel {
		if g != "main" {
			m.devGroups = append(m.devGroups, g)
		}
	}
	sort.Strings(m.devGroups)
	return nil
}

// packages plans the main group (and, for Multistage, the development
// groups) for the target and derives the Debian packages that compiling the
// source-only dependencies needs.
func (m *model) packages(o Options) error {
	p, err := plan.Make(plan.Request{Project: o.Project, Lock: o.Lock, Target: m.target, Groups: []string{"main"}})
	if err != nil {
		return fmt.Errorf("planning the main group for %s: %w", m.target, err)
	}
	m.build, m.runtime, m.compiled, m.directories = m.native(p)
	m.build = sortedSet(m.build, o.BuildPackages)
	m.runtime = sortedSet(m.runtime, o.RuntimePackages)
	m.devBuild, m.devRuntime = m.build, m.runtime
	if m.strategy == Multistage && len(m.devGroups) > 0 {
		dp, err := plan.Make(plan.Request{Project: o.Project, Lock: o.Lock, Target: m.target, Groups: append([]string{"main"}, m.devGroups...)})
		if err != nil {
			return fmt.Errorf("planning the groups %s for %s: %w", strings.Join(append([]string{"main"}, m.devGroups...), ", "), m.target, err)
		}
		b, r, _, _ := m.native(dp)
		m.devBuild = sortedSet(m.build, b)
		m.devRuntime = sortedSet(m.runtime, r)
	}
	for _, pkg := range append(append([]string(nil), m.build...), m.runtime...) {
		if !safeWord(pkg) {
			return fmt.Errorf("the Debian package name %q has characters a Dockerfile cannot carry unquoted", pkg)
		}
	}
	if len(m.compiled) > 0 {
		m.notes = append(m.notes, fmt.Sprintf("compiled from source, as no wheel fits %s: %s", m.target, strings.Join(m.compiled, ", ")))
	}
	for _, dir := range m.directories {
		if !inContext(dir) {
			m.notes = append(m.notes, fmt.Sprintf("the directory dependency %q lies outside the project directory, so no COPY can reach it; build from a parent directory or publish it to an index", dir))
		}
	}
	return nil
}

// native returns the build and runtime packages for the sdists and git
// sources in p, the compiled packages as "name version", and the paths of
// directory dependencies.
func (m *model) native(p *plan.Plan) (build, runtime, compiled, dirs []string) {
	for _, pkg := range p.Packages {
		switch pkg.Artifact.Kind {
		case plan.KindSdist, plan.KindGit, plan.KindURL, plan.KindFile:
			if pkg.Artifact.Kind == plan.KindGit {
				build = append(build, "git")
			}
			if pkg.Artifact.Kind != plan.KindSdist && strings.HasSuffix(pkg.Artifact.Filename, ".whl") {
				continue
			}
			compiled = append(compiled, pkg.Name+" "+pkg.Version)
			build = append(build, compilerPackages...)
			if m.interp == Debian {
				build = append(build, "python3-dev")
			}
			n, _ := NativePackages(pkg.Name, m.interp, m.python)
			build = append(build, n.Build...)
			runtime = append(runtime, n.Runtime...)
		case plan.KindDirectory:
			dirs = append(dirs, pkg.Artifact.URL)
		}
	}
	return sortedSet(build), sortedSet(runtime), compiled, dirs
}

func command(o Options) ([]string, error) {
	if len(o.Cmd) > 0 {
		for _, a := range o.Cmd {
			if !utf8.ValidString(a) {
				return nil, fmt.Errorf("the command argument %q is not valid UTF-8", a)
			}
		}
		return o.Cmd, nil
	}
	var names []string
	for name, s := range o.Project.Scripts {
		if s.Type == "" || s.Type == "console" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	switch {
	case len(names) == 1 && o.Project.PackageMode:
		return names, nil
	case len(names) == 0 || !o.Project.PackageMode:
		return nil, errors.New("the project installs no console script to run\nhint: give the container's command, e.g. --cmd 'gunicorn app:app'")
	default:
		return nil, fmt.Errorf("the project has %d console scripts (%s) and the container runs one\nhint: choose with --cmd, e.g. --cmd %s", len(names), strings.Join(names, ", "), names[0])
	}
}

// secrets returns one secret for the username and one for the password of
// each [[tool.poetry.source]] that has a URL, in the project's order. Poetry
// reads them from POETRY_HTTP_BASIC_<SOURCE>_USERNAME and _PASSWORD, where
// SOURCE is the source's name upper-cased with "-" and "." as "_".
func secrets(p *pyproject.Project) []secret {
	var out []secret
	for _, s := range p.Sources {
		if s.URL == "" {
			continue
		}
		id := pyname.Normalize(s.Name)
		env := strings.ToUpper(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, s.Name))
		out = append(out,
			secret{id: id + "-username", env: "POETRY_HTTP_BASIC_" + env + "_USERNAME"},
			secret{id: id + "-password", env: "POETRY_HTTP_BASIC_" + env + "_PASSWORD"})
	}
	return out
}

// hasNoDirectory reports whether the pinned Poetry knows
// `poetry install --no-directory` (added in Poetry 1.8.0).
func (m *model) hasNoDirectory() bool {
	return pep440.Compare(m.poetry, pep440.MustParse("1.8")) >= 0
}

// inContext reports whether a locked directory path (relative to the lock
// file) lies inside the build context.
func inContext(dir string) bool {
	c := path.Clean(strings.ReplaceAll(dir, "\\", "/"))
	return c != "." && !path.IsAbs(c) && c != ".." && !strings.HasPrefix(c, "../") && safeWord(c)
}
