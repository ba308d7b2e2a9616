package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/projectwheel"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/target"
	"github.com/canto-build/canto/pkg/wheel"
)

// SdistBuilder builds a wheel of a fetched sdist for a target.
type SdistBuilder interface {
	BuildSdist(ctx context.Context, t target.Target, pkg plan.Package, sdist fetch.File) (File, error)
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
	// Sdists builds sdist-only packages; nil makes them an error.
	Sdists SdistBuilder
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
			p, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
			if err != nil {
				return nil, fmt.Errorf("path dependency %s (%s): %w", pkg.Name, pkg.Artifact.URL, err)
			}
			f, ok, err := buildLocal(ctx, r.Cache, dir, p, r.Created)
			if err != nil {
				return nil, fmt.Errorf("path dependency %s (%s): %w", pkg.Name, pkg.Artifact.URL, err)
			}
			if !ok {
				return nil, fmt.Errorf("path dependency %s (%s) is not a package (package-mode = false)", pkg.Name, pkg.Artifact.URL)
			}
			out[pkg.Name] = f
		case plan.KindGit:
			return nil, fmt.Errorf("%s %s comes from git (%s), which canto cannot install yet\nhint: publish it to a package index, or vendor it as a path dependency", pkg.Name, pkg.Version, pkg.Artifact.URL)
		default:
			return nil, fmt.Errorf("%s %s: unknown artifact kind %q", pkg.Name, pkg.Version, pkg.Artifact.Kind)
		}
	}
	return out, nil
}

func fromFetched(f fetch.File) (File, error) {
	size, err := fileSize(f.Path)
	if err != nil {
		return File{}, err
	}
	return File{Path: f.Path, Filename: f.Filename, SHA256: f.SHA256, Size: size}, nil
}

// LocalProjectBuilder builds the project's own wheel with projectwheel and
// keeps it in the cache.
type LocalProjectBuilder struct {
	Cache   *cache.Cache
	Created time.Time
}

// BuildProject implements ProjectBuilder.
func (l LocalProjectBuilder) BuildProject(ctx context.Context, dir string, p *pyproject.Project) (File, bool, error) {
	return buildLocal(ctx, l.Cache, dir, p, l.Created)
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
