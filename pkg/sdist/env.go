package sdist

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/pep508"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/tags"
	"github.com/canto-build/canto/pkg/venv"
	"github.com/canto-build/canto/pkg/wheel"
)

// Resolver returns the path of a local wheel file satisfying a build
// requirement. Build calls it once per requirement not yet satisfied by what
// it installed, including the dependencies of the wheels it installs.
type Resolver func(ctx context.Context, req pep508.Requirement) (wheelPath string, err error)

// NoWheelError says a Resolver has no wheel for a build requirement.
type NoWheelError struct {
	Requirement string
	// Candidates are the file names of wheels of the right project whose
	// version did not fit, if any.
	Candidates []string
}

func (e *NoWheelError) Error() string {
	msg := fmt.Sprintf("no wheel for build requirement %q", e.Requirement)
	if len(e.Candidates) > 0 {
		msg += " (only " + strings.Join(e.Candidates, ", ") + ")"
	}
	return msg + "\nhint: add a wheel of it to the sources canto builds from, or use a wheel of the package that needs building"
}

// WheelFiles returns a Resolver that picks, among the given wheel files, the
// highest version of the requirement's project that its specifiers allow
// (pre-releases only when the specifiers name one). Direct URL requirements
// are never satisfied.
func WheelFiles(paths ...string) (Resolver, error) {
	type cand struct {
		path string
		file string
		v    pep440.Version
	}
	byName := map[string][]cand{}
	for _, p := range paths {
		file := filepath.Base(p)
		wf, err := tags.ParseWheelFilename(file)
		if err != nil {
			return nil, fmt.Errorf("indexing build wheels: %w", err)
		}
		v, err := pep440.Parse(wf.Version)
		if err != nil {
			return nil, fmt.Errorf("indexing build wheels: %q: %w", file, err)
		}
		byName[wf.Name] = append(byName[wf.Name], cand{p, file, v})
	}
	for _, cs := range byName {
		slices.SortFunc(cs, func(a, b cand) int { return pep440.Compare(b.v, a.v) })
	}
	return func(_ context.Context, req pep508.Requirement) (string, error) {
		var misses []string
		for _, c := range byName[pyname.Normalize(req.Name)] {
			if req.URL == "" && req.Specifiers.Contains(c.v, req.Specifiers.Prereleases()) {
				return c.path, nil
			}
			misses = append(misses, c.file)
		}
		return "", &NoWheelError{Requirement: req.String(), Candidates: misses}
	}, nil
}

// layout is the build environment's venv inside the sandbox.
func (b *build) layout() venv.Layout {
	return venv.Layout{Prefix: envPrefix, PythonVersion: b.req.PythonVersion, Interpreter: b.req.BuilderPython}
}

// hostPath maps a path inside the sandbox's work dir to the host.
func (b *build) hostPath(p string) (string, error) {
	rel, ok := strings.CutPrefix(p, envPrefix)
	if !ok || (rel != "" && rel[0] != '/') {
		return "", fmt.Errorf("path %q is outside the build environment %s", p, envPrefix)
	}
	return filepath.Join(b.work, "env", filepath.FromSlash(rel)), nil
}

// makeEnv writes the venv skeleton: pyvenv.cfg, bin/python links and the
// site-packages directory.
func (b *build) makeEnv() error {
	entries, err := b.layout().Skeleton()
	if err != nil {
		return fmt.Errorf("laying out the build environment: %w", err)
	}
	for _, e := range entries {
		p, err := b.hostPath(e.Path)
		if err != nil {
			return err
		}
		switch {
		case e.Mode.IsDir():
			err = os.MkdirAll(p, 0o755)
		case e.Mode&fs.ModeSymlink != 0:
			err = os.Symlink(e.Target, p)
		default:
			err = os.WriteFile(p, e.Data, e.Mode.Perm())
		}
		if err != nil {
			return fmt.Errorf("laying out the build environment: %w", err)
		}
	}
	return nil
}

// dirDestination installs wheels into the host side of the build env.
type dirDestination struct{ b *build }

func (d dirDestination) WriteFile(p string, mode fs.FileMode, size int64, r io.Reader) error {
	hp, err := d.b.hostPath(p)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(hp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode.Perm())
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("wrote %d bytes of %q, expected %d", n, p, size)
	}
	return err
}

// want is a requirement still to satisfy and who asked for it.
type want struct {
	req pep508.Requirement
	by  string
}

// installAll satisfies every requirement (and, transitively, their
// dependencies) whose marker holds, installing wheels from the resolver.
// There is no backtracking: the first wheel the resolver gives for a
// project is the one installed, and a later conflicting requirement is an
// error.
func (b *build) installAll(ctx context.Context, reqs []string, by string) error {
	var queue []want
	for _, s := range reqs {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return fmt.Errorf("reading build requirement from %s: %w", by, err)
		}
		queue = append(queue, want{r, by})
	}
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		ok, err := w.req.Marker.Evaluate(b.env, nil)
		if err != nil {
			return fmt.Errorf("evaluating the marker of build requirement %q: %w", w.req.String(), err)
		}
		if !ok {
			continue
		}
		name := pyname.Normalize(w.req.Name)
		if have, done := b.installed[name]; done {
			v, err := pep440.Parse(have)
			if err != nil {
				return err
			}
			if w.req.URL != "" || !w.req.Specifiers.Contains(v, true) {
				return fmt.Errorf("build requirement %q (from %s) conflicts with %s %s, already installed", w.req.String(), w.by, name, have)
			}
			// Extras of an installed project may still add dependencies.
			if len(w.req.Extras) == 0 {
				continue
			}
		}
		deps, err := b.install(ctx, w)
		if err != nil {
			return err
		}
		queue = append(queue, deps...)
	}
	return nil
}

// install installs the wheel the resolver gives for w (unless installed)
// and returns its dependencies for the requested extras.
func (b *build) install(ctx context.Context, w want) ([]want, error) {
	p, done := b.installedFrom[pyname.Normalize(w.req.Name)]
	if !done {
		var err error
		p, err = b.req.Resolve(ctx, w.req)
		if err != nil {
			return nil, fmt.Errorf("resolving build requirement %q (from %s): %w", w.req.String(), w.by, err)
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("resolving build requirement %q: %w", w.req.String(), err)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	whl, err := wheel.Open(f, fi.Size(), filepath.Base(p))
	if err != nil {
		return nil, fmt.Errorf("installing build requirement %q: %w", w.req.String(), err)
	}
	name := pyname.Normalize(whl.Name())
	if name != pyname.Normalize(w.req.Name) {
		return nil, fmt.Errorf("installing build requirement %q: the resolver gave %q, a wheel of %q", w.req.String(), filepath.Base(p), whl.Name())
	}
	if _, done := b.installed[name]; !done {
		if err := wheel.Install(ctx, whl, dirDestination{b}, wheel.InstallOptions{Scheme: b.layout().Scheme()}); err != nil {
			return nil, fmt.Errorf("installing build requirement %q: %w", w.req.String(), err)
		}
		b.installed[name] = whl.Version()
		b.installedFrom[name] = p
		fmt.Fprintf(b.out, "canto: installed %s %s for %s\n", whl.Name(), whl.Version(), w.by)
	}
	var deps []want
	for _, s := range whl.Metadata().RequiresDist {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, fmt.Errorf("reading the dependencies of %s: %w", whl.Filename(), err)
		}
		// A dependency applies when its marker holds with the requested
		// extras; evaluate here, where the extras are known.
		ok, err := r.Marker.Evaluate(b.env, w.req.Extras)
		if err != nil {
			return nil, fmt.Errorf("evaluating the marker of %q in %s: %w", s, whl.Filename(), err)
		}
		if ok {
			r.Marker = nil
			deps = append(deps, want{r, whl.Name() + " " + whl.Version()})
		}
	}
	return deps, nil
}
