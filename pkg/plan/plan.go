package plan

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/pep508"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/target"
)

// Kind is the kind of artifact a package is installed from.
type Kind string

// The artifact kinds, as `canto plan --json` names them.
const (
	KindWheel     Kind = "wheel"
	KindSdist     Kind = "sdist"
	KindGit       Kind = "git"
	KindDirectory Kind = "directory"
	KindFile      Kind = "file"
	KindURL       Kind = "url"
)

// Artifact is the one thing a package is installed from.
type Artifact struct {
	Kind Kind
	// Filename is the file to fetch (wheel, sdist, file, url); empty for git
	// and directory sources.
	Filename string
	// SHA256 is the locked hex digest of Filename; empty when the lock has
	// none.
	SHA256 string
	// URL locates git, url, file and directory sources: "git+URL@COMMIT"
	// (with "#subdirectory=" when set), the URL, or the path as locked.
	URL string
	// Index is the URL of the package index the lock names for this package
	// (source type "legacy"), or empty for the default index.
	Index string
	// IndexName is the lock's name for that index (a [[tool.poetry.source]]).
	IndexName string
}

// Package is one package of the plan.
type Package struct {
	// Name is the PEP 503 normalised name.
	Name string
	// Version is the version as locked.
	Version  string
	Artifact Artifact
	// Extras are the package's extras that the plan activates, sorted.
	Extras []string
	// Lock is the lock entry the package comes from.
	Lock *lock.Package
}

// Plan is the answer to "what gets installed, from which file".
type Plan struct {
	Target target.Target
	// Groups and Extras are the selection the plan was made for, sorted.
	Groups []string
	Extras []string
	// Packages are sorted by name.
	Packages []Package

	why      map[string][]string // name → reasons it is in
	whyNot   map[string][]string // name → reasons an edge to it was not taken
	lockPkgs map[string][]*lock.Package
}

// Request is what a plan is made from.
type Request struct {
	Project *pyproject.Project
	Lock    *lock.Lock
	Target  target.Target
	// Groups are the dependency groups to install (see SelectGroups).
	Groups []string
	// Extras are the project's extras to install; AllExtras selects all.
	Extras    []string
	AllExtras bool
}

// node is a package reached by the walk, with the extras asked of it.
type node struct {
	pkg    *lock.Package
	extras map[string]bool
}

// walk finds the packages a request needs, without choosing their files.
func walk(req Request) (*walker, error) {
	if req.Project == nil || req.Lock == nil {
		return nil, errors.New("making a plan: project and lock are required")
	}
	env := pep508.Env(req.Target.MarkerEnv())
	pyVersion, err := pep440.Parse(env["python_full_version"])
	if err != nil {
		return nil, fmt.Errorf("making a plan: target python %q: %w", env["python_full_version"], err)
	}
	if err := checkProjectPython(req.Project, req.Target); err != nil {
		return nil, err
	}
	extras, err := selectExtras(req.Project, req.Extras, req.AllExtras)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Target:   req.Target,
		Groups:   sortedCopy(req.Groups),
		Extras:   extras,
		why:      map[string][]string{},
		whyNot:   map[string][]string{},
		lockPkgs: map[string][]*lock.Package{},
	}
	for i := range req.Lock.Packages {
		lp := &req.Lock.Packages[i]
		n := pyname.Normalize(lp.Name)
		p.lockPkgs[n] = append(p.lockPkgs[n], lp)
	}
	w := &walker{plan: p, env: env, py: pyVersion, lockFile: lockFileName(req.Lock), nodes: map[*lock.Package]*node{}, self: pyname.Normalize(req.Project.Name), groups: p.Groups, projectExtras: extras}

	// Roots: the dependencies of each selected group.
	for _, g := range req.Groups {
		grp := req.Project.Group(g)
		if grp == nil {
			return nil, &GroupError{Group: g, Known: groupNames(req.Project)}
		}
		for _, d := range grp.Dependencies {
			if err := w.root(req.Project, grp.Name, d, extras); err != nil {
				return nil, err
			}
		}
	}
	// [project.optional-dependencies] of the selected extras.
	for _, e := range extras {
		for _, d := range req.Project.OptionalDependencies[e] {
			d.Optional = false
			if err := w.root(req.Project, "extra "+e, d, extras); err != nil {
				return nil, err
			}
		}
	}
	if err := w.run(); err != nil {
		return nil, err
	}
	return w, nil
}

// Make computes the install plan. It follows the dependency graph from the
// dependencies of the selected groups, evaluating markers, python and
// platform constraints against the target and activating extras as Poetry's
// installer does, then picks each package's artifact for the target.
func Make(req Request) (*Plan, error) {
	w, err := walk(req)
	if err != nil {
		return nil, err
	}
	p := w.plan
	// In name order, so that the first error reported is always the same.
	pkgs := make([]*lock.Package, 0, len(w.nodes))
	for lp := range w.nodes {
		pkgs = append(pkgs, lp)
	}
	sort.Slice(pkgs, func(i, j int) bool {
		a, b := pyname.Normalize(pkgs[i].Name), pyname.Normalize(pkgs[j].Name)
		if a != b {
			return a < b
		}
		return pkgs[i].Version < pkgs[j].Version
	})
	for _, lp := range pkgs {
		n := w.nodes[lp]
		art, err := chooseArtifact(lp, req.Target, req.Lock)
		if err != nil {
			return nil, err
		}
		p.Packages = append(p.Packages, Package{
			Name:     pyname.Normalize(lp.Name),
			Version:  lp.Version,
			Artifact: art,
			Extras:   sortedKeys(n.extras),
			Lock:     lp,
		})
	}
	sort.Slice(p.Packages, func(i, j int) bool {
		if p.Packages[i].Name != p.Packages[j].Name {
			return p.Packages[i].Name < p.Packages[j].Name
		}
		return p.Packages[i].Version < p.Packages[j].Version
	})
	return p, nil
}

type edge struct {
	from   string // a description of who asks, for reasons
	pkg    *lock.Package
	extras []string
}

type walker struct {
	plan     *Plan
	env      pep508.Env
	py       pep440.Version
	lockFile string
	nodes    map[*lock.Package]*node
	queue    []edge
	self     string // the project's own name
	// groups and projectExtras are the selection, for packages' own markers.
	groups        []string
	projectExtras []string
}

// root adds one dependency of the project.
func (w *walker) root(proj *pyproject.Project, group string, d pyproject.Dependency, projectExtras []string) error {
	name := d.Name
	constraint := d.Constraint
	markers := d.Markers
	extras := d.Extras
	if d.PEP508 != "" {
		req, err := pep508.ParseRequirement(d.PEP508)
		if err != nil {
			return fmt.Errorf("%s: dependency %q of group %s: %w", proj.File, d.PEP508, group, err)
		}
		name, extras, constraint = req.Name, req.Extras, req.Specifiers.String()
		markers = ""
		if req.Marker != nil {
			markers = req.Marker.String()
		}
	}
	n := pyname.Normalize(name)
	if n == "python" && d.PEP508 == "" {
		// Poetry reads "python" in any group as the Python constraint, not
		// as a package.
		return nil
	}
	from := "group " + group
	if strings.HasPrefix(group, "extra ") {
		from = group
	}
	if d.Optional && !extraEnables(proj.Extras, projectExtras, n) {
		w.plan.whyNot[n] = append(w.plan.whyNot[n], fmt.Sprintf("%s: optional, and no selected extra of the project enables it", from))
		return nil
	}
	ok, reason, err := w.applies(markers, d.Python, d.Platform, projectExtras)
	if err != nil {
		return fmt.Errorf("%s: dependency %q of %s: %w", proj.File, name, from, err)
	}
	if !ok {
		w.plan.whyNot[n] = append(w.plan.whyNot[n], fmt.Sprintf("%s: %s", from, reason))
		return nil
	}
	lp, err := w.find(n, constraint, from, d)
	if err != nil {
		return err
	}
	if lp == nil {
		w.plan.whyNot[n] = append(w.plan.whyNot[n], fmt.Sprintf("%s: not locked: %s", from, notLockedReason(n, w.self)))
		return nil
	}
	w.queue = append(w.queue, edge{from: from, pkg: lp, extras: extras})
	return nil
}

// run walks the queue until every reachable package has all its extras.
func (w *walker) run() error {
	for len(w.queue) > 0 {
		e := w.queue[0]
		w.queue = w.queue[1:]
		n := pyname.Normalize(e.pkg.Name)
		nd, seen := w.nodes[e.pkg]
		grew := false
		if !seen {
			ok, reason, err := w.packageApplies(e.pkg)
			if err != nil {
				return fmt.Errorf("%s: package %s %s: %w", w.lockFile, n, e.pkg.Version, err)
			}
			if !ok {
				w.plan.whyNot[n] = appendUnique(w.plan.whyNot[n], fmt.Sprintf("%s: the lock's own marker for %s, %s", e.from, n, reason))
				continue
			}
			nd = &node{pkg: e.pkg, extras: map[string]bool{}}
			w.nodes[e.pkg] = nd
			grew = true
		}
		w.plan.why[n] = appendUnique(w.plan.why[n], e.from)
		for _, x := range e.extras {
			x = pyname.Normalize(x)
			if !nd.extras[x] {
				nd.extras[x] = true
				grew = true
			}
		}
		if !grew {
			continue
		}
		if err := w.expand(nd); err != nil {
			return err
		}
	}
	return nil
}

// expand queues the dependencies of a package, given its active extras.
func (w *walker) expand(nd *node) error {
	lp := nd.pkg
	active := sortedKeys(nd.extras)
	names := make([]string, 0, len(lp.Dependencies))
	for dn := range lp.Dependencies {
		names = append(names, dn)
	}
	sort.Strings(names)
	from := fmt.Sprintf("%s %s", pyname.Normalize(lp.Name), lp.Version)
	for _, dn := range names {
		n := pyname.Normalize(dn)
		for _, spec := range lp.Dependencies[dn] {
			if spec.Optional && !extraListsDep(lp.Extras, active, n) {
				w.plan.whyNot[n] = appendUnique(w.plan.whyNot[n], fmt.Sprintf("%s: optional, and no active extra of %s enables it", from, pyname.Normalize(lp.Name)))
				continue
			}
			ok, reason, err := w.applies(spec.Markers, spec.Python, spec.Platform, active)
			if err != nil {
				return fmt.Errorf("%s: dependency %q of %s: %w", w.lockFile, dn, from, err)
			}
			if !ok {
				w.plan.whyNot[n] = appendUnique(w.plan.whyNot[n], fmt.Sprintf("%s: %s", from, reason))
				continue
			}
			dep, err := w.find(n, spec.Version, from, pyproject.Dependency{Git: spec.Git, Path: spec.Path, URL: spec.URL})
			if err != nil {
				return err
			}
			if dep == nil {
				w.plan.whyNot[n] = appendUnique(w.plan.whyNot[n], fmt.Sprintf("%s: not locked: %s", from, notLockedReason(n, w.self)))
				continue
			}
			w.queue = append(w.queue, edge{from: from, pkg: dep, extras: spec.Extras})
		}
	}
	return nil
}

// packageApplies evaluates a locked package's own markers, which Poetry's
// installer honours ("not needed for the current environment"): the
// "marker" of lock-version 1.0 and the "markers" of 2.1, per group.
func (w *walker) packageApplies(lp *lock.Package) (bool, string, error) {
	m := lp.Markers
	if m.ByGroup == nil {
		if m.All == "" {
			return true, "", nil
		}
		ok, reason, err := w.applies(m.All, "", "", w.projectExtras)
		return ok, reason, err
	}
	reason := "false for every selected group"
	for _, g := range lp.Groups {
		if !slices.Contains(w.groups, pyname.Normalize(g)) {
			continue
		}
		ok, r, err := w.applies(m.ByGroup[g], "", "", w.projectExtras)
		if err != nil || ok {
			return ok, "", err
		}
		reason = r
	}
	if len(lp.Groups) == 0 {
		return true, "", nil
	}
	return false, reason, nil
}

// applies evaluates a dependency's markers, python and platform fields.
func (w *walker) applies(markers, python, platform string, extras []string) (bool, string, error) {
	if markers != "" {
		m, err := pep508.ParseMarker(markers)
		if err != nil {
			return false, "", err
		}
		ok, err := m.Evaluate(w.env, extras)
		if err != nil {
			return false, "", err
		}
		if !ok {
			return false, fmt.Sprintf("marker %q is false for the target", markers), nil
		}
	}
	if python != "" && python != "*" {
		c, err := pep440.ParsePoetryConstraint(python)
		if err != nil {
			return false, "", fmt.Errorf("python constraint %q: %w", python, err)
		}
		if !c.Contains(w.py) {
			return false, fmt.Sprintf("python %q excludes the target's Python %s", python, w.py), nil
		}
	}
	if platform != "" && platform != w.env["sys_platform"] {
		return false, fmt.Sprintf("platform %q is not the target's %q", platform, w.env["sys_platform"]), nil
	}
	return true, "", nil
}

// find returns the locked package called name that satisfies constraint.
// When the lock holds several versions, the constraint (and for direct
// sources, the source) chooses; a lock with one version is authoritative.
func (w *walker) find(name, constraint, from string, d pyproject.Dependency) (*lock.Package, error) {
	cands := w.plan.lockPkgs[name]
	if len(cands) == 0 {
		if name == w.self && w.self != "" {
			// A dependency on the project itself (a plugin in the dev group,
			// say): the project is installed as the root, never from the lock.
			return nil, nil
		}
		if unsafePackages[name] {
			// Poetry before 1.4 never locked these; its installer skips them.
			return nil, nil
		}
		return nil, &MissingError{Package: name, Constraint: constraint, From: from, LockFile: w.lockFile}
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	var matching []*lock.Package
	for _, lp := range cands {
		if d.Git != "" || d.Path != "" || d.URL != "" {
			if lp.Source != nil && lp.Source.Type != "legacy" {
				matching = append(matching, lp)
			}
			continue
		}
		v, err := pep440.Parse(lp.Version)
		if err != nil {
			continue
		}
		if constraint == "" || constraint == "*" {
			matching = append(matching, lp)
			continue
		}
		c, err := pep440.ParsePoetryConstraint(constraint)
		if err != nil {
			return nil, fmt.Errorf("%s: constraint %q on %q from %s: %w", w.lockFile, constraint, name, from, err)
		}
		if c.Contains(v) {
			matching = append(matching, lp)
		}
	}
	if len(matching) == 0 {
		return nil, &MissingError{Package: name, Constraint: constraint, From: from, LockFile: w.lockFile}
	}
	// Prefer the highest matching version, as the solver would.
	sort.SliceStable(matching, func(i, j int) bool {
		a, errA := pep440.Parse(matching[i].Version)
		b, errB := pep440.Parse(matching[j].Version)
		if errA != nil || errB != nil {
			return false
		}
		return pep440.Compare(a, b) > 0
	})
	return matching[0], nil
}

func notLockedReason(name, root string) string {
	if name == root {
		return "it is the project itself"
	}
	return "Poetry 1.x does not lock " + name
}

// unsafePackages are the packages Poetry 1.x left out of locks
// (poetry.puzzle.provider's UNSAFE_PACKAGES); a dependency on one that the
// lock lacks is skipped, as Poetry's installer skips it.
var unsafePackages = map[string]bool{"setuptools": true, "distribute": true, "pip": true, "wheel": true}

// chooseArtifact picks what a package is installed from.
func chooseArtifact(lp *lock.Package, t target.Target, l *lock.Lock) (Artifact, error) {
	files := lp.Files
	if len(files) == 0 && l != nil {
		files = l.MetadataFiles[lp.Name]
		if len(files) == 0 {
			files = l.MetadataFiles[pyname.Normalize(lp.Name)]
		}
	}
	src := lp.Source
	if src != nil {
		switch src.Type {
		case "git":
			u := "git+" + src.URL
			ref := src.ResolvedReference
			if ref == "" {
				ref = src.Reference
			}
			if ref != "" {
				u += "@" + ref
			}
			if src.Subdirectory != "" {
				u += "#subdirectory=" + src.Subdirectory
			}
			return Artifact{Kind: KindGit, URL: u}, nil
		case "directory":
			return Artifact{Kind: KindDirectory, URL: src.URL}, nil
		case "file", "url":
			a := Artifact{Kind: KindFile, URL: src.URL, Filename: path.Base(src.URL)}
			if src.Type == "url" {
				a.Kind = KindURL
			}
			if len(files) > 0 {
				a.Filename = files[0].Name
				a.SHA256 = sha256Of(files[0].Hash)
			}
			return a, nil
		}
	}
	var index, indexName string
	if src != nil && src.Type == "legacy" {
		index, indexName = src.URL, src.Reference
	}
	if len(files) == 0 {
		return Artifact{}, &NoFilesError{Package: pyname.Normalize(lp.Name), Version: lp.Version}
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	choice, err := t.BestWheel(names)
	if err == nil {
		for _, f := range files {
			if f.Name == choice.Filename {
				return Artifact{Kind: KindWheel, Filename: f.Name, SHA256: sha256Of(f.Hash), Index: index, IndexName: indexName}, nil
			}
		}
	}
	var inc *target.IncompatibleError
	if !errors.As(err, &inc) {
		return Artifact{}, fmt.Errorf("choosing a file of %s %s: %w", lp.Name, lp.Version, err)
	}
	for _, f := range files {
		if isSdist(f.Name) {
			return Artifact{Kind: KindSdist, Filename: f.Name, SHA256: sha256Of(f.Hash), Index: index, IndexName: indexName}, nil
		}
	}
	return Artifact{}, &NoCompatibleFileError{Package: pyname.Normalize(lp.Name), Version: lp.Version, Target: t, Err: inc}
}

func isSdist(name string) bool {
	for _, ext := range []string{".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func sha256Of(hash string) string {
	if h, ok := strings.CutPrefix(hash, "sha256:"); ok {
		return h
	}
	return ""
}

// checkProjectPython refuses a target outside the project's python constraint.
func checkProjectPython(p *pyproject.Project, t target.Target) error {
	c := p.PythonConstraint
	if c == "" || c == "*" {
		return nil
	}
	pc, err := pep440.ParsePoetryConstraint(c)
	if err != nil {
		return fmt.Errorf("%s: python constraint %q: %w", p.File, c, err)
	}
	var candidates []string
	if t.Python.HasPatch {
		candidates = []string{t.Python.Full()}
	} else {
		// Only the minor version is known: any patch release will do.
		for _, patch := range []int{0, 1, 2, 5, 10, 20, 99} {
			candidates = append(candidates, fmt.Sprintf("%d.%d.%d", t.Python.Major, t.Python.Minor, patch))
		}
	}
	for _, s := range candidates {
		v, err := pep440.Parse(s)
		if err == nil && pc.Contains(v) {
			return nil
		}
	}
	return &PythonError{File: p.File, Constraint: c, Python: t.Python.String()}
}

// selectExtras validates the requested project extras.
func selectExtras(p *pyproject.Project, extras []string, all bool) ([]string, error) {
	known := map[string]bool{}
	for e := range p.Extras {
		known[pyname.Normalize(e)] = true
	}
	for e := range p.OptionalDependencies {
		known[pyname.Normalize(e)] = true
	}
	if all {
		return sortedKeys(known), nil
	}
	set := map[string]bool{}
	for _, e := range extras {
		n := pyname.Normalize(e)
		if !known[n] {
			return nil, &ExtraError{Extra: e, Known: sortedKeys(known), File: p.File}
		}
		set[n] = true
	}
	return sortedKeys(set), nil
}

// extraEnables says whether one of the selected project extras lists dep.
func extraEnables(projectExtras map[string][]string, selected []string, dep string) bool {
	for e, pkgs := range projectExtras {
		if !slices.Contains(selected, pyname.Normalize(e)) {
			continue
		}
		for _, p := range pkgs {
			if pyname.Normalize(p) == dep {
				return true
			}
		}
	}
	return false
}

// extraListsDep says whether an active extra of a locked package lists dep.
// Lock extras are requirement strings such as "pysocks (>=1.5.6,!=1.5.7)".
func extraListsDep(pkgExtras map[string][]string, active []string, dep string) bool {
	for e, reqs := range pkgExtras {
		if !slices.Contains(active, pyname.Normalize(e)) {
			continue
		}
		for _, r := range reqs {
			if pyname.Normalize(requirementName(r)) == dep {
				return true
			}
		}
	}
	return false
}

func requirementName(r string) string {
	r = strings.TrimSpace(r)
	end := strings.IndexFunc(r, func(c rune) bool {
		return c != '-' && c != '_' && c != '.' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9')
	})
	if end < 0 {
		return r
	}
	return r[:end]
}

func lockFileName(l *lock.Lock) string {
	if l.File != "" {
		return l.File
	}
	return "poetry.lock"
}

func groupNames(p *pyproject.Project) []string {
	names := make([]string, 0, len(p.Groups))
	for _, g := range p.Groups {
		names = append(names, g.Name)
	}
	return names
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
