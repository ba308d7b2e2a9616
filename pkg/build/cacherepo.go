package build

import (
	"context"
	"log/slog"

	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/sdist"
	"github.com/canto-build/canto/pkg/tags"
	"github.com/canto-build/canto/pkg/wheelrepo"
)

// pull takes the wheel of an sdist from the cache repository when the local
// cache lacks it: verified by pkg/wheelrepo, checked to be a wheel of the
// package, opened and checked against its RECORD, then filed in the local
// cache under the build's key (sdist.Adopt). ok is false whenever the
// sdist is to be built instead; why is a warning.
func (s *SandboxSdists) pull(ctx context.Context, pkg plan.Package, f fetch.File, tgt string) (File, bool) {
	if s.CacheRepo == nil || f.SHA256 == "" {
		return File{}, false
	}
	key := sdist.Key(f.SHA256, s.digest, tgt)
	if _, ok, err := sdist.Cached(s.Cache, key); ok || err != nil {
		return File{}, false // sdist.Build answers from the local cache (or reports its error)
	}
	repo := s.CacheRepo.String()
	_, filename, sum, found, err := wheelrepo.Pull(ctx, *s.CacheRepo, key, s.Cache, s.CacheRepoOptions...)
	if err != nil {
		s.logger().Warn("building "+pkg.Name+" "+pkg.Version+": the cache repo gave no usable wheel", "repo", repo, "err", err)
		return File{}, false
	}
	if !found {
		return File{}, false
	}
	if wf, err := tags.ParseWheelFilename(filename); err != nil || wf.Name != pyname.Normalize(pkg.Name) {
		s.logger().Warn("building "+pkg.Name+" "+pkg.Version+": the cache repo's wheel is of another project", "repo", repo, "wheel", filename)
		return File{}, false
	}
	res, err := sdist.Adopt(ctx, s.Cache, key, filename, sum)
	if err != nil {
		s.logger().Warn("building "+pkg.Name+" "+pkg.Version+": the cache repo's wheel is damaged", "repo", repo, "err", err)
		return File{}, false
	}
	size, err := fileSize(res.WheelPath)
	if err != nil {
		return File{}, false
	}
	switch {
	case s.Pulled != nil:
		s.Pulled(pkg, repo)
	case s.Progress != nil:
		s.Progress(pkg, true)
	}
	return File{Path: res.WheelPath, Filename: res.WheelFilename, SHA256: res.SHA256, Size: size}, true
}

// push shares a wheel just built through the cache repository. A failure
// is a warning: the build has its wheel either way.
func (s *SandboxSdists) push(ctx context.Context, pkg plan.Package, f fetch.File, tgt string, res *sdist.Result) {
	if s.CacheRepo == nil || f.SHA256 == "" {
		return
	}
	key := sdist.Key(f.SHA256, s.digest, tgt)
	opts := append([]wheelrepo.Option{wheelrepo.WithBuildInfo(wheelrepo.BuildInfo{SdistSHA256: f.SHA256, BuilderDigest: s.digest, Target: tgt})}, s.CacheRepoOptions...)
	d, err := wheelrepo.Push(ctx, *s.CacheRepo, key, res.WheelPath, res.WheelFilename, opts...)
	if err != nil {
		s.logger().Warn("the wheel of "+pkg.Name+" "+pkg.Version+" could not be shared through the cache repo; the build goes on", "repo", s.CacheRepo.String(), "err", err)
		return
	}
	s.logger().Info("pushed the wheel of "+pkg.Name+" "+pkg.Version+" to the cache repo", "repo", s.CacheRepo.String(), "wheel", res.WheelFilename, "digest", d.String())
}

func (s *SandboxSdists) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
