package fetch

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/index"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyname"
)

// DefaultJobs is how many files Fetch gets at once unless told otherwise.
const DefaultJobs = 8

// Phase is a step in getting one file.
type Phase string

// The phases of an Event. A file reports PhaseCached alone when the cache
// has it, else PhaseDownloading and then PhaseDone or PhaseFailed.
const (
	PhaseCached      Phase = "cached"
	PhaseDownloading Phase = "downloading"
	PhaseDone        Phase = "done"
	PhaseFailed      Phase = "failed"
)

// Event reports progress on one file.
type Event struct {
	Package  string
	Filename string
	Phase    Phase
	// Bytes is the file's size once it is on disk (cached, done), else 0.
	Bytes int64
	// Total is the file's size when known (from the index page, or once on
	// disk), else -1.
	Total int64
}

// File is a package's file on disk.
type File struct {
	Package  string // normalised name
	Version  string
	Filename string
	SHA256   string
	// Path is the file in the cache, named by its digest rather than
	// Filename. It is read-only.
	Path string
	// URL is where the file was downloaded from, redacted; "" when the
	// cache already had it or it was a local file.
	URL string
}

// Result is what Fetch got.
type Result struct {
	// Files maps a package's normalised name to its file.
	Files map[string]File
	// NotFiles lists, in plan order, the packages whose artifact is not a
	// file to fetch (git and directory sources), which the builder takes
	// from where they are.
	NotFiles []plan.Package
}

// Option configures Fetch.
type Option func(*config)

type config struct {
	client     *index.Client
	cache      *cache.Cache
	jobs       int
	progress   func(Event)
	log        *slog.Logger
	projectDir string
	getenv     func(string) string
}

// WithClient sets the index client. The default is a client that uses the
// cache, the logger and Sources.Credentials(getenv). A client given here
// should store into the same cache as WithCache (with neither option both
// use cache.DefaultDir()), and brings its own credentials.
func WithClient(c *index.Client) Option { return func(o *config) { o.client = c } }

// WithCache sets the cache files are looked up in and stored into. The
// default opens cache.DefaultDir().
func WithCache(c *cache.Cache) Option { return func(o *config) { o.cache = c } }

// WithJobs bounds how many files are fetched at once. The default is
// DefaultJobs; n must be at least 1.
func WithJobs(n int) Option { return func(o *config) { o.jobs = n } }

// WithProgress sets a function called with every Event. Calls are never
// concurrent, and come from Fetch's goroutines, so f should return quickly.
// The default reports nothing.
func WithProgress(f func(Event)) Option { return func(o *config) { o.progress = f } }

// WithLogger sets where Fetch logs, at debug and warn levels. The default
// discards.
func WithLogger(l *slog.Logger) Option { return func(o *config) { o.log = l } }

// WithProjectDir sets the directory that relative paths of file sources
// are relative to: the one holding poetry.lock. The default is the current
// directory.
func WithProjectDir(dir string) Option { return func(o *config) { o.projectDir = dir } }

// WithGetenv sets how environment variables (Poetry's credentials, NETRC,
// HOME) are read. The default is os.Getenv.
func WithGetenv(f func(string) string) Option { return func(o *config) { o.getenv = f } }

// task is one file to get.
type task struct {
	pkg plan.Package
	sha string
}

// Fetch gets the file of every wheel, sdist, file and url artifact of pl
// into the cache, verified against its locked sha256, at most WithJobs at
// a time. A file already in the cache costs no request at all. Wheels and
// sdists are looked up by filename on the project's page of each of
// src.For(package) in turn; an index without the project moves on to the
// next, any other failure stops. File artifacts are read from the project
// directory; url artifacts are downloaded from their URL.
//
// Every file must have a sha256 in the lock; Fetch checks that for the
// whole plan before it fetches anything. The first failure cancels the
// rest; the error is a *PackageError naming the package and counting any
// others that failed. A nil src searches PyPI alone.
func Fetch(ctx context.Context, pl *plan.Plan, src *Sources, opts ...Option) (*Result, error) {
	cfg := config{jobs: DefaultJobs, projectDir: ".", getenv: os.Getenv}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	if pl == nil {
		return nil, errors.New("fetching: no plan")
	}
	if cfg.jobs < 1 {
		return nil, fmt.Errorf("fetching: jobs must be at least 1, not %d", cfg.jobs)
	}

	res := &Result{Files: map[string]File{}}
	var tasks []task
	var firstErr *PackageError
	for _, p := range pl.Packages {
		switch p.Artifact.Kind {
		case plan.KindGit, plan.KindDirectory:
			res.NotFiles = append(res.NotFiles, p)
			continue
		case plan.KindWheel, plan.KindSdist, plan.KindFile, plan.KindURL:
		default:
			return nil, fmt.Errorf("fetching %q: unknown artifact kind %q", p.Name, p.Artifact.Kind)
		}
		sha, err := lockedSHA256(p)
		if err != nil {
			if firstErr == nil {
				firstErr = &PackageError{Package: p.Name, Filename: p.Artifact.Filename, Err: err}
			} else {
				firstErr.Others++
			}
			continue
		}
		tasks = append(tasks, task{pkg: p, sha: sha})
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if len(tasks) == 0 {
		return res, nil
	}

	if cfg.cache == nil {
		dir, err := cache.DefaultDir()
		if err != nil {
			return nil, fmt.Errorf("fetching: opening the cache: %w", err)
		}
		if cfg.cache, err = cache.Open(dir, cache.WithLogger(cfg.log)); err != nil {
			return nil, fmt.Errorf("fetching: %w", err)
		}
	}
	if cfg.client == nil {
		creds, err := src.credentials(cfg.getenv, lockOnlySources(src, tasks))
		if err != nil {
			cfg.log.Warn("ignoring netrc file", "path", index.DefaultNetrcPath(cfg.getenv), "error", err)
		}
		cfg.client = index.NewClient(index.WithCache(cfg.cache), index.WithLogger(cfg.log), index.WithCredentials(creds))
	}

	f := &fetcher{cfg: cfg, src: src}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed []*PackageError
	)
	sem := make(chan struct{}, cfg.jobs)
loop:
	for _, t := range tasks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			file, err := f.one(ctx, t)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				// Failures caused by an earlier failure's cancellation
				// are not failures of their own.
				if len(failed) == 0 || !errors.Is(err, context.Canceled) {
					failed = append(failed, &PackageError{Package: t.pkg.Name, Filename: t.pkg.Artifact.Filename, Err: err})
				}
				cancel()
				return
			}
			res.Files[t.pkg.Name] = file
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		first := failed[0]
		first.Others = len(failed) - 1
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fetching: %w", err)
	}
	return res, nil
}

// lockOnlySources returns the lock's sources that the project does not
// name, so that their credentials are offered too.
func lockOnlySources(src *Sources, tasks []task) []Source {
	var out []Source
	for _, t := range tasks {
		a := t.pkg.Artifact
		if a.Index == "" {
			continue
		}
		if _, ok := src.named1(a.IndexName); !ok {
			out = append(out, Source{Name: a.IndexName, URL: a.Index})
		}
	}
	return out
}

// lockedSHA256 returns the sha256 the lock records for p's file, or an
// *UnverifiableError.
func lockedSHA256(p plan.Package) (string, error) {
	a := p.Artifact
	if a.SHA256 != "" {
		d := strings.ToLower(a.SHA256)
		if _, err := hex.DecodeString(d); err != nil || len(d) != 64 {
			return "", fmt.Errorf("the lock file's sha256 for %s is %q, not 64 hex digits\nhint: the lock file is damaged; run \"poetry lock\" to rewrite it", a.Filename, a.SHA256)
		}
		return d, nil
	}
	var algs []string
	if p.Lock != nil {
		for _, lf := range p.Lock.Files {
			if lf.Name != a.Filename {
				continue
			}
			if alg, _, ok := strings.Cut(lf.Hash, ":"); ok && alg != "" {
				algs = append(algs, alg)
			}
		}
	}
	return "", &UnverifiableError{Package: p.Name, Filename: a.Filename, Algorithms: algs}
}

type fetcher struct {
	cfg  config
	src  *Sources
	evMu sync.Mutex
}

func (f *fetcher) emit(e Event) {
	if f.cfg.progress == nil {
		return
	}
	f.evMu.Lock()
	defer f.evMu.Unlock()
	f.cfg.progress(e)
}

// one gets the file of one package.
func (f *fetcher) one(ctx context.Context, t task) (File, error) {
	p := t.pkg
	file := File{Package: p.Name, Version: p.Version, Filename: p.Artifact.Filename, SHA256: t.sha}
	if err := ctx.Err(); err != nil {
		return file, err
	}
	// The cache first: a hit makes no request, not even for the page.
	path, ok, err := f.cfg.cache.Get(t.sha)
	if err != nil {
		return file, err
	}
	if ok {
		size := fileSize(path)
		f.cfg.log.Debug("cached", "package", p.Name, "file", file.Filename)
		f.emit(Event{Package: p.Name, Filename: file.Filename, Phase: PhaseCached, Bytes: size, Total: size})
		file.Path = path
		return file, nil
	}

	switch p.Artifact.Kind {
	case plan.KindFile:
		f.emit(Event{Package: p.Name, Filename: file.Filename, Phase: PhaseDownloading, Total: -1})
		file.Path, err = f.local(ctx, p.Artifact.URL, t.sha)
	case plan.KindURL:
		file.URL = index.Redact(p.Artifact.URL)
		f.emit(Event{Package: p.Name, Filename: file.Filename, Phase: PhaseDownloading, Total: -1})
		file.Path, err = f.cfg.client.Fetch(ctx, p.Artifact.URL, t.sha)
	default:
		var found index.File
		found, err = f.find(ctx, p)
		if err == nil {
			file.URL = index.Redact(found.URL)
			f.emit(Event{Package: p.Name, Filename: file.Filename, Phase: PhaseDownloading, Total: found.Size})
			f.cfg.log.Debug("downloading", "package", p.Name, "url", file.URL)
			file.Path, err = f.cfg.client.Fetch(ctx, found.URL, t.sha)
		}
	}
	if err != nil {
		f.emit(Event{Package: p.Name, Filename: file.Filename, Phase: PhaseFailed, Total: -1})
		return file, err
	}
	size := fileSize(file.Path)
	f.emit(Event{Package: p.Name, Filename: file.Filename, Phase: PhaseDone, Bytes: size, Total: size})
	return file, nil
}

// find looks for p's file on the project page of each of its sources in
// turn.
func (f *fetcher) find(ctx context.Context, p plan.Package) (index.File, error) {
	srcs := f.src.For(p)
	name := pyname.Normalize(p.Name)
	for _, s := range srcs {
		page, err := f.cfg.client.Project(ctx, s.URL, name)
		var nf *index.NotFoundError
		if errors.As(err, &nf) {
			f.cfg.log.Debug("project not on index", "package", name, "index", index.Redact(s.URL))
			continue
		}
		if err != nil {
			return index.File{}, err
		}
		for _, file := range page.Files {
			if file.Filename == p.Artifact.Filename {
				return file, nil
			}
		}
		f.cfg.log.Debug("file not on index", "file", p.Artifact.Filename, "index", index.Redact(s.URL))
	}
	return index.File{}, &NotFoundError{Package: name, Filename: p.Artifact.Filename, Tried: redactAll(srcs)}
}

// local copies the file at the locked path (relative to the project
// directory) into the cache, verifying its sha256.
func (f *fetcher) local(ctx context.Context, locked, sha string) (string, error) {
	p := locked
	if u, err := url.Parse(locked); err == nil && u.Scheme == "file" {
		p = u.Path
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(f.cfg.projectDir, p)
	}
	r, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("reading %q: %w\nhint: the lock file names this file relative to the project directory", p, err)
	}
	defer func() { _ = r.Close() }() // read only
	path, err := f.cfg.cache.Put(ctx, sha, r)
	if err != nil {
		var dm *cache.DigestMismatchError
		if errors.As(err, &dm) {
			return "", fmt.Errorf("reading %q: sha256 is %s, the lock file says %s: %w\nhint: the file changed since the lock file was written; run \"poetry lock\" if the change is intended", p, dm.Actual, dm.Expected, err)
		}
		return "", fmt.Errorf("reading %q: %w", p, err)
	}
	return path, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}
