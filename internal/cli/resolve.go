package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/canto-build/canto/internal/version"
	"github.com/canto-build/canto/pkg/build"
	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/index"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/wheelrepo"
)

type resolverConfig struct {
	dir      string
	project  *pyproject.Project
	cache    *cache.Cache
	indexURL string
	jobs     int
	created  time.Time
	getenv   func(string) string
	ui       *ui
	builder  *build.SandboxSdists
	// indexOpts tune the index client (retries, stall timeout).
	indexOpts []index.Option
}

// newResolver wires pkg/fetch (with Poetry's sources and credentials) and the
// sdist builder into a build.Resolver, with progress on stderr.
func newResolver(c resolverConfig) (*build.SourceResolver, error) {
	var srcOpts []fetch.SourceOption
	if c.indexURL != "" {
		srcOpts = append(srcOpts, fetch.WithIndexURL(c.indexURL))
	}
	sources := fetch.SourcesFor(c.project, srcOpts...)
	creds, err := sources.Credentials(c.getenv)
	if err != nil {
		return nil, err
	}
	client := index.NewClient(append([]index.Option{index.WithLogger(c.ui.logger()), index.WithCache(c.cache), index.WithUserAgent("canto"), index.WithCredentials(creds)},
		c.indexOpts...)...)
	var sdists build.SdistBuilder
	if c.builder != nil {
		c.builder.Client, c.builder.Sources = client, sources
		sdists = c.builder
	}
	return &build.SourceResolver{
		Dir:     c.dir,
		Sources: sources,
		Cache:   c.cache,
		Created: c.created,
		Sdists:  sdists,
		Logger:  c.ui.logger(),
		Fetch: []fetch.Option{
			fetch.WithClient(client),
			fetch.WithCache(c.cache),
			fetch.WithJobs(c.jobs),
			fetch.WithGetenv(c.getenv),
			fetch.WithProjectDir(c.dir),
			fetch.WithLogger(c.ui.logger()),
			fetch.WithProgress(func(ev fetch.Event) {
				switch ev.Phase {
				case fetch.PhaseDone:
					c.ui.infof("[fetch] %s (%s)", ev.Filename, humanBytes(ev.Bytes))
				case fetch.PhaseFailed:
					c.ui.infof("[fetch] %s failed", ev.Filename)
				}
			}),
		},
	}, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// sdistBuilder builds sdists in a sandbox rooted in the builder image. Build
// output streams to stderr under -v; otherwise it is kept in the cache and
// its tail is shown if the build fails.
func sdistBuilder(u *ui, c *cache.Cache, ref image.Reference, platform string, insecure bool) *build.SandboxSdists {
	var log io.Writer
	if u.verbose > 0 && !u.quiet {
		log = u.w
	}
	return &build.SandboxSdists{
		LoadBuilder: func(ctx context.Context) (v1.Image, error) {
			return image.LoadBase(ctx, ref, platform, image.WithInsecure(insecure))
		},
		BuilderName: ref.String(),
		Cache:       c,
		RootFSDir:   filepath.Join(c.Dir(), "rootfs"),
		Log:         log,
		Progress: func(pkg plan.Package, fromCache bool) {
			how := "compiled"
			if fromCache {
				how = "from the cache"
			}
			u.infof("[sdist] %s %s: wheel %s", pkg.Name, pkg.Version, how)
		},
	}
}

// shareWheels makes the sdist builder look wheels up in, and push them to,
// the registry repository ref (--cache-repo), with the Docker config's
// credentials.
func shareWheels(s *build.SandboxSdists, u *ui, ref string, insecure bool) error {
	repo, err := wheelrepo.ParseRepository(ref)
	if err != nil {
		return err
	}
	s.CacheRepo = &repo
	s.CacheRepoOptions = []wheelrepo.Option{
		wheelrepo.WithInsecure(insecure),
		wheelrepo.WithLogger(u.logger()),
		wheelrepo.WithCantoVersion(version.Get().Version),
	}
	s.Logger = u.logger()
	s.Pulled = func(pkg plan.Package, repo string) {
		u.infof("[sdist] %s %s: wheel from the cache repo %s", pkg.Name, pkg.Version, repo)
	}
	return nil
}
