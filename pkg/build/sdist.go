package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/index"
	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/pep508"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/sdist"
	"github.com/canto-build/canto/pkg/tags"
	"github.com/canto-build/canto/pkg/target"
	"github.com/canto-build/canto/pkg/wheelrepo"
)

// SandboxSdists builds sdists with pkg/sdist in an isolated sandbox whose
// root is the builder image. The builder is loaded on first use only, so a
// project with wheels for everything never touches it.
type SandboxSdists struct {
	// LoadBuilder returns the builder image; it is called at most once.
	LoadBuilder func(ctx context.Context) (v1.Image, error)
	// BuilderName names the builder in messages.
	BuilderName string
	Cache       *cache.Cache
	// RootFSDir is where the builder's root filesystem is unpacked, once
	// per digest.
	RootFSDir string
	// Client and Sources find build requirements (setuptools, wheel, ...)
	// on the project's own indexes.
	Client  *index.Client
	Sources *fetch.Sources
	// Log receives the build output as it happens (nil discards it).
	Log io.Writer
	// Progress, when set, is told about each sdist built.
	Progress func(pkg plan.Package, fromCache bool)
	// CacheRepo, when set, is a registry repository that shares built
	// wheels between machines (pkg/wheelrepo): a wheel missing from Cache
	// is looked up there before it is built, and pushed there after. Its
	// failures are warnings on Logger, never failed builds.
	CacheRepo *name.Repository
	// CacheRepoOptions configure CacheRepo's client (keychain, insecure).
	CacheRepoOptions []wheelrepo.Option
	// Pulled, when set, is told about each wheel taken from CacheRepo;
	// Progress is told about the others.
	Pulled func(pkg plan.Package, repo string)
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger

	once    sync.Once
	builder v1.Image
	info    *image.BaseInfo
	digest  string
	err     error
}

func (s *SandboxSdists) load(ctx context.Context) error {
	s.once.Do(func() {
		img, err := s.LoadBuilder(ctx)
		if err != nil {
			s.err = fmt.Errorf("loading the sdist builder %s: %w", s.BuilderName, err)
			return
		}
		info, err := Inspect(ctx, s.Cache, img)
		if err != nil {
			s.err = fmt.Errorf("inspecting the sdist builder %s: %w", s.BuilderName, err)
			return
		}
		d, err := img.Digest()
		if err != nil {
			s.err = err
			return
		}
		s.builder, s.info, s.digest = img, info, d.String()
	})
	return s.err
}

// BuildSdist implements SdistBuilder.
func (s *SandboxSdists) BuildSdist(ctx context.Context, t target.Target, pkg plan.Package, f fetch.File) (File, error) {
	return s.build(ctx, t, pkg, f, true)
}

// BuildTree implements TreeBuilder: it packs the source tree dir with
// sdist.PackTree into the cache and builds that like an sdist, so an
// unchanged tree is never built twice. Trees are not shared through
// CacheRepo unless share is set (a git commit, which names its tree).
func (s *SandboxSdists) BuildTree(ctx context.Context, t target.Target, pkg plan.Package, dir string, share bool) (File, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(sdist.PackTree(ctx, dir, pkg.Name, pkg.Version, pw)) }()
	sum, blob, err := s.Cache.Add(ctx, pr)
	_ = pr.CloseWithError(errors.New("stopped reading")) // lets PackTree end when Add failed early
	if err != nil {
		return File{}, fmt.Errorf("packing %s %s from %s: %w", pkg.Name, pkg.Version, dir, err)
	}
	f := fetch.File{Package: pkg.Name, Version: pkg.Version, Filename: sdist.TreeFilename(pkg.Name, pkg.Version), SHA256: sum, Path: blob}
	return s.build(ctx, t, pkg, f, share)
}

func (s *SandboxSdists) build(ctx context.Context, t target.Target, pkg plan.Package, f fetch.File, share bool) (File, error) {
	if err := s.load(ctx); err != nil {
		return File{}, err
	}
	bt, err := TargetOf(s.info)
	if err != nil {
		return File{}, fmt.Errorf("sdist builder %s: %w", s.BuilderName, err)
	}
	if bt.Python.Major != t.Python.Major || bt.Python.Minor != t.Python.Minor || bt.Platform() != t.Platform() || bt.Libc.Family != t.Libc.Family {
		return File{}, fmt.Errorf("building %s %s: the builder %s is %s, but the image is %s\nhint: use a builder with the same Python, platform and C library as the base (--builder)",
			pkg.Name, pkg.Version, s.BuilderName, bt, t)
	}
	tgt := fmt.Sprintf("cp%d%d-%s-%s", t.Python.Major, t.Python.Minor, t.Platform(), t.Libc)
	if share {
		if file, ok := s.pull(ctx, pkg, f, tgt); ok {
			return file, nil
		}
	}
	res, err := sdist.Build(ctx, sdist.Request{
		Sdist:          f.Path,
		Filename:       f.Filename,
		SdistSHA256:    f.SHA256,
		Builder:        s.builder,
		RootFSCacheDir: s.RootFSDir,
		BuilderDigest:  s.digest,
		BuilderPython:  s.info.Python.Path,
		PythonVersion:  s.info.Python.Version,
		Target:         tgt,
		MarkerEnv:      pep508.Env(bt.MarkerEnv()),
		Resolve:        s.requirements(bt),
		Log:            s.Log,
		Cache:          s.Cache,
	})
	if err != nil {
		return File{}, fmt.Errorf("building %s %s from %s: %w", pkg.Name, pkg.Version, f.Filename, err)
	}
	if s.Progress != nil {
		s.Progress(pkg, res.FromCache)
	}
	if share && !res.FromCache {
		s.push(ctx, pkg, f, tgt, res)
	}
	size, err := fileSize(res.WheelPath)
	if err != nil {
		return File{}, err
	}
	return File{Path: res.WheelPath, Filename: res.WheelFilename, SHA256: res.SHA256, Size: size}, nil
}

// requirements resolves a build requirement to a wheel from the project's
// sources: the highest version the requirement allows that has a wheel for
// the builder, downloaded into the cache and checked against the index's
// sha256.
func (s *SandboxSdists) requirements(bt target.Target) sdist.Resolver {
	return func(ctx context.Context, req pep508.Requirement) (string, error) {
		var lastErr error
		for _, src := range s.Sources.Search() {
			page, err := s.Client.Project(ctx, src.URL, req.Name)
			var nf *index.NotFoundError
			if errors.As(err, &nf) {
				continue
			}
			if err != nil {
				lastErr = err
				continue
			}
			best, ok := bestBuildWheel(page.Files, req, bt)
			if !ok {
				continue
			}
			sum := best.Hashes["sha256"]
			if sum == "" {
				return "", fmt.Errorf("build requirement %s: the index gives no sha256 for %s\nhint: canto installs no file it cannot verify", req, best.Filename)
			}
			p, err := s.Client.Fetch(ctx, best.URL, sum)
			if err != nil {
				return "", err
			}
			return s.named(p, sum, best.Filename)
		}
		if lastErr != nil {
			return "", fmt.Errorf("build requirement %s: %w", req, lastErr)
		}
		return "", fmt.Errorf("build requirement %s: no wheel for %s on the project's sources\nhint: publish a wheel of it to your index, or pass --index-url", req, bt)
	}
}

// named gives a cached file its real name, which wheel installers read the
// project and version from: a hard link (or copy) of the blob under
// <cache>/named/<sha256>/<filename>.
func (s *SandboxSdists) named(blob, sum, filename string) (string, error) {
	dir := filepath.Join(s.Cache.Dir(), "named", sum)
	dst := filepath.Join(dir, filepath.Base(filename))
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := dst + ".tmp-" + strconv.Itoa(os.Getpid())
	if err := os.Link(blob, tmp); err != nil {
		data, rerr := os.ReadFile(blob)
		if rerr != nil {
			return "", rerr
		}
		if err := os.WriteFile(tmp, data, 0o444); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

func bestBuildWheel(files []index.File, req pep508.Requirement, t target.Target) (index.File, bool) {
	var best index.File
	var bestV pep440.Version
	bestRank, found := 0, false
	for _, f := range files {
		if f.Yanked {
			continue
		}
		wf, err := tags.ParseWheelFilename(f.Filename)
		if err != nil {
			continue
		}
		v, err := pep440.Parse(wf.Version)
		if err != nil || !req.Specifiers.Contains(v, req.Specifiers.Prereleases()) {
			continue
		}
		rank, ok := -1, false
		for _, tg := range wf.Tags {
			if r, fits := t.Rank(tg); fits && (!ok || r < rank) {
				rank, ok = r, true
			}
		}
		if !ok {
			continue
		}
		c := pep440.Compare(v, bestV)
		if !found || c > 0 || (c == 0 && rank < bestRank) {
			best, bestV, bestRank, found = f, v, rank, true
		}
	}
	return best, found
}
