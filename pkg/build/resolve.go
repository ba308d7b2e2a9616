package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/gitsource"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/projectwheel"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/target"
	"github.com/canto-build/canto/pkg/wheel"
)

// SdistBuilder builds a wheel of a fetched sdist for a target.
type SdistBuilder interface {
	BuildSdist(ctx context.Context, t target.Target, pkg plan.Package, sdist fetch.File) (File, error)
}

// TreeBuilder builds a wheel of a source tree (a path or git dependency,
// or the project itself) that canto cannot pack itself: another build
// backend, or a build script. share says the tree is named by something
// stable (a git commit), so its wheel may be shared between machines.
// SandboxSdists is one.
type TreeBuilder interface {
	BuildTree(ctx context.Context, t target.Target, pkg plan.Package, dir string, share bool) (File, error)
}

// SourceResolver is the Resolver canto uses: index, file and URL artifacts
// come through pkg/fetch (hash-checked, cached), sdists go to an
// SdistBuilder, and local directory dependencies are built by projectwheel.
type SourceResolver struct {
	// Dir is the project directory, against which path dependencies resolve.
	Dir     string
	Sources *fetch.Sources
	Fetch   []fetch.Option
	Cache   *cache.Cache
	// Created is the timestamp of the files of wheels canto builds itself.
	Created time.Time
	// Sdists builds sdist-only packages; nil makes them an error. When it
	// is a TreeBuilder too, it also builds path and git dependencies that
	// canto cannot pack itself.
	Sdists SdistBuilder
	// Logger receives debug lines (git commands); nil discards them.
	Logger *slog.Logger
}

// Resolve implements Resolver.
func (r *SourceResolver) Resolve(ctx context.Context, pl *plan.Plan) (map[string]File, error) {
	res, err := fetch.Fetch(ctx, pl, r.Sources, r.Fetch...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]File, len(pl.Packages))
	for _, pkg := range pl.Packages {
		switch pkg.Artifact.Kind {
		case plan.KindWheel, plan.KindURL, plan.KindFile:
			f, ok := res.Files[pkg.Name]
			if !ok {
				return nil, fmt.Errorf("fetching %s %s: not fetched", pkg.Name, pkg.Version)
			}
			file, err := fromFetched(f)
			if err != nil {
				return nil, err
			}
			if pkg.Artifact.Kind == plan.KindURL {
				file.DirectURL = &wheel.DirectURL{URL: pkg.Artifact.URL, ArchiveInfo: &wheel.ArchiveInfo{Hashes: map[string]string{"sha256": f.SHA256}}}
			}
			out[pkg.Name] = file
		case plan.KindSdist:
			f, ok := res.Files[pkg.Name]
			if !ok {
				return nil, fmt.Errorf("fetching %s %s: not fetched", pkg.Name, pkg.Version)
			}
			if r.Sdists == nil {
				return nil, fmt.Errorf("%s %s has no wheel for the target, only the sdist %s\nhint: canto builds sdists in an isolated builder; see `canto build --help` for --builder", pkg.Name, pkg.Version, f.Filename)
			}
			built, err := r.Sdists.BuildSdist(ctx, pl.Target, pkg, f)
			if err != nil {
				return nil, err
			}
			out[pkg.Name] = built
		case plan.KindDirectory:
			dir := filepath.Join(r.Dir, filepath.FromSlash(pkg.Artifact.URL))
			f, err := r.buildTree(ctx, pl.Target, pkg, dir, false)
			if err != nil {
				return nil, fmt.Errorf("path dependency %s (%s): %w", pkg.Name, pkg.Artifact.URL, err)
			}
			out[pkg.Name] = f
		case plan.KindGit:
			f, err := r.buildGit(ctx, pl.Target, pkg)
			if err != nil {
				return nil, err
			}
			out[pkg.Name] = f
		default:
			return nil, fmt.Errorf("%s %s: unknown artifact kind %q", pkg.Name, pkg.Version, pkg.Artifact.Kind)
		}
	}
	return out, nil
}

// buildGit checks out a git dependency at its locked commit and builds it;
// its wheel records where it came from (PEP 610 vcs_info).
func (r *SourceResolver) buildGit(ctx context.Context, t target.Target, pkg plan.Package) (File, error) {
	src := pkg.Lock.Source
	if src == nil {
		return File{}, fmt.Errorf("%s %s: the lock names no git source", pkg.Name, pkg.Version)
	}
	shown := gitsource.Redact(src.URL)
	if src.ResolvedReference == "" {
		return File{}, fmt.Errorf("git dependency %s %s (%s): the lock pins no commit (resolved_reference)\nhint: run \"poetry lock\" to write it", pkg.Name, pkg.Version, shown)
	}
	var gopts []gitsource.Option
	if r.Logger != nil {
		gopts = append(gopts, gitsource.WithLogger(r.Logger))
	}
	tree, err := gitsource.Checkout(ctx, r.Cache.Dir(), src.URL, src.ResolvedReference, gopts...)
	if err != nil {
		return File{}, fmt.Errorf("git dependency %s %s: %w", pkg.Name, pkg.Version, err)
	}
	dir := tree
	if src.Subdirectory != "" {
		sub := filepath.FromSlash(src.Subdirectory)
		if !filepath.IsLocal(sub) {
			return File{}, fmt.Errorf("git dependency %s %s: subdirectory %q leaves the repository", pkg.Name, pkg.Version, src.Subdirectory)
		}
		dir = filepath.Join(tree, sub)
	}
	f, err := r.buildTree(ctx, t, pkg, dir, true)
	if err != nil {
		return File{}, fmt.Errorf("git dependency %s %s (%s at %s): %w", pkg.Name, pkg.Version, shown, src.ResolvedReference, err)
	}
	f.DirectURL = &wheel.DirectURL{URL: shown, Subdirectory: src.Subdirectory,
		VCSInfo: &wheel.VCSInfo{VCS: "git", RequestedRevision: src.Reference, CommitID: src.ResolvedReference}}
	return f, nil
}

// buildTree builds the wheel of the project in dir.
func (r *SourceResolver) buildTree(ctx context.Context, t target.Target, pkg plan.Package, dir string, share bool) (File, error) {
	var trees TreeBuilder
	if tb, ok := r.Sdists.(TreeBuilder); ok {
		trees = tb
	}
	f, ok, err := sourceTrees{r.Cache, r.Created, trees}.build(ctx, t, pkg, dir, nil, share)
	if err != nil {
		return File{}, err
	}
	if !ok {
		return File{}, errors.New("it is not a package (package-mode = false)")
	}
	return f, nil
}

// sourceTrees builds the wheels of source trees: the project, path and git
// dependencies.
type sourceTrees struct {
	cache   *cache.Cache
	created time.Time // of the files of wheels canto packs itself
	trees   TreeBuilder
}

// build builds the wheel of the project in dir, whose
// pyproject.toml p holds when the caller has read it already (nil: read
// it here): canto packs a pure-Python poetry-core project itself, and hands
// any other (another backend, a build script, a setup.py without
// pyproject.toml) to trees. ok is false for a package-mode = false
// project, which has no wheel.
func (st sourceTrees) build(ctx context.Context, t target.Target, pkg plan.Package, dir string, p *pyproject.Project, share bool) (File, bool, error) {
	var err error
	if p == nil {
		p, err = pyproject.Load(filepath.Join(dir, "pyproject.toml"))
	}
	var why error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(filepath.Join(dir, "setup.py")); serr != nil {
			return File{}, false, fmt.Errorf("%s holds neither pyproject.toml nor setup.py", dir)
		}
		why = fmt.Errorf("%s has a setup.py and no pyproject.toml", dir)
	case err != nil:
		return File{}, false, err
	default:
		f, ok, err := buildLocal(ctx, st.cache, dir, p, st.created)
		var ue *projectwheel.UnsupportedError
		if !errors.As(err, &ue) {
			return f, ok, err
		}
		why = err
	}
	if st.trees == nil {
		return File{}, false, fmt.Errorf("%w\nhint: canto builds it with its own build backend in the sandboxed builder, which this build does not have", why)
	}
	f, err := st.trees.BuildTree(ctx, t, pkg, dir, share)
	return f, true, err
}

func fromFetched(f fetch.File) (File, error) {
	size, err := fileSize(f.Path)
	if err != nil {
		return File{}, err
	}
	return File{Path: f.Path, Filename: f.Filename, SHA256: f.SHA256, Size: size}, nil
}

// LocalProjectBuilder builds the project's own wheel with projectwheel and
// keeps it in the cache; a project canto cannot pack itself (another build
// backend, a build script) goes to Trees.
type LocalProjectBuilder struct {
	Cache   *cache.Cache
	Created time.Time
	// Trees builds projects with their own build backend; nil makes them
	// an error.
	Trees TreeBuilder
}

// BuildProject implements ProjectBuilder.
func (l LocalProjectBuilder) BuildProject(ctx context.Context, t target.Target, dir string, p *pyproject.Project) (File, bool, error) {
	version := p.Version
	if version == "" {
		version = "0" // a dynamic version: the backend decides; the name is what counts
	}
	pkg := plan.Package{Name: pyname.Normalize(p.Name), Version: version}
	f, ok, err := sourceTrees{l.Cache, l.Created, l.Trees}.build(ctx, t, pkg, dir, p, false)
	if err != nil {
		return File{}, false, fmt.Errorf("building the project %s: %w", p.Name, err)
	}
	return f, ok, nil
}

// buildLocal builds a local Poetry project's wheel into the cache. Local
// directories get no direct_url.json: it would hold the build machine's
// absolute path and make the image differ from one checkout to another.
func buildLocal(ctx context.Context, c *cache.Cache, dir string, p *pyproject.Project, created time.Time) (File, bool, error) {
	modTime := created
	if modTime.Before(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
		modTime = time.Time{} // projectwheel's default: the zip epoch
	}
	var opts []projectwheel.Option
	if !modTime.IsZero() {
		opts = append(opts, projectwheel.WithModTime(modTime))
	}
	res, err := projectwheel.Build(ctx, dir, p, opts...)
	var nap *projectwheel.NotAPackageError
	if errors.As(err, &nap) {
		return File{}, false, nil
	}
	if err != nil {
		return File{}, false, err
	}
	path, err := c.Put(ctx, res.SHA256, bytes.NewReader(res.Bytes))
	if err != nil {
		return File{}, false, fmt.Errorf("caching the wheel of %s: %w", p.Name, err)
	}
	return File{Path: path, Filename: res.Filename, SHA256: res.SHA256, Size: res.Size}, true, nil
}
