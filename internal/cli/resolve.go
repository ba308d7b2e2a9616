package cli

import (
	"fmt"
	"time"

	"github.com/canto-build/canto/pkg/build"
	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/index"
	"github.com/canto-build/canto/pkg/pyproject"
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
	sdists   build.SdistBuilder
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
	client := index.NewClient(append([]index.Option{index.WithLogger(c.ui.logger()), index.WithCache(c.cache), index.WithUserAgent("canto")},
		c.indexOpts...)...)
	return &build.SourceResolver{
		Dir:     c.dir,
		Sources: sources,
		Cache:   c.cache,
		Created: c.created,
		Sdists:  c.sdists,
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
