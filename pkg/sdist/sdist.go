package sdist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/pep508"
	"github.com/canto-build/canto/pkg/sandbox"
	"github.com/canto-build/canto/pkg/tags"
	"github.com/canto-build/canto/pkg/wheel"
)

// BuilderVersion is part of every cache key: raise it when a change to this
// package would build a different wheel from the same inputs.
const BuilderVersion = 1

// Paths inside the sandbox. The work directory is the only writable bind.
const (
	workDir   = "/canto"
	envPrefix = workDir + "/env"
	outDir    = workDir + "/out"
)

// sourceDateEpoch pins the timestamps the build tools write (1980-01-01,
// the earliest a zip file can hold), so wheels come out reproducible.
const sourceDateEpoch = "315532800"

// Request describes one sdist to build.
type Request struct {
	// Sdist is the path of the source distribution (.tar.gz; .zip, .tgz
	// and .tar.bz2 are accepted too). Required.
	Sdist string
	// Filename is the sdist's file name, which says its project, version
	// and format. Empty means the last element of Sdist; set it when the
	// path is not named after the file, as in a content-addressed cache.
	Filename string
	// SdistSHA256 is its hex sha256. When set it is verified; when empty it
	// is computed.
	SdistSHA256 string

	// Builder is the image to build in; it is unpacked once per digest
	// under RootFSCacheDir (see sandbox.RootFS). Alternatively set
	// BuilderRootFS to a root filesystem already unpacked.
	Builder        v1.Image
	RootFSCacheDir string
	BuilderRootFS  string
	// BuilderDigest identifies the builder in the cache key. It defaults to
	// Builder's digest and is required with BuilderRootFS.
	BuilderDigest string
	// BuilderPython is the interpreter's path in the builder, from
	// image.Inspect, such as /usr/bin/python3.11. Required.
	BuilderPython string
	// PythonVersion is its "MAJOR.MINOR"; empty means taken from the
	// BuilderPython's file name ("python3.11").
	PythonVersion string
	// Target names what the wheel is built for in the cache key, such as
	// "cp311-linux_x86_64". Required.
	Target string
	// MarkerEnv is the builder Python's marker environment, used to select
	// build requirements by their markers. Nil means ask the builder's
	// Python in the sandbox.
	MarkerEnv pep508.Env

	// Resolve supplies a wheel for each build requirement (PEP 518
	// requires, what get_requires_for_build_wheel adds, and their
	// dependencies). Required; WheelFiles makes one from a set of files.
	Resolve Resolver
	// Log receives the build's output as it happens; nil discards it. The
	// output is kept in the cache too (Result.LogPath, BuildError.LogPath).
	Log io.Writer
	// Cache stores built wheels and build logs. Required.
	Cache *cache.Cache
}

// Result is a built (or cached) wheel.
type Result struct {
	// WheelPath is the wheel in the cache; read-only.
	WheelPath     string
	WheelFilename string
	// SHA256 is the wheel's hex sha256.
	SHA256 string
	// FromCache says no build ran.
	FromCache bool
	// LogPath is the build's output in the cache.
	LogPath string
}

// BuildError reports a build backend that failed: a compiler error, a
// missing system library, a crashing setup.py.
type BuildError struct {
	// Package is the sdist's "name version".
	Package string
	// Step is the PEP 517 step that failed: "env", "requires" or "build".
	Step     string
	ExitCode int
	LogPath  string
	// Tail holds the last lines of the output.
	Tail []string
}

func (e *BuildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "building %s: the %s step exited with status %d", e.Package, e.Step, e.ExitCode)
	if len(e.Tail) > 0 {
		b.WriteString("; the output ends with:\n")
		for _, l := range e.Tail {
			b.WriteString("  | " + l + "\n")
		}
	} else {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "hint: the whole log is %s; a missing header or library usually means the builder image lacks a -dev package", e.LogPath)
	return b.String()
}

// TailLines is how many lines of output a BuildError keeps.
const TailLines = 25

// Runner runs a sandbox; sandbox.Run is the default.
type Runner func(ctx context.Context, spec sandbox.Spec) (*sandbox.Result, error)

// Option configures Build.
type Option func(*options)

type options struct {
	run        Runner
	log        *slog.Logger
	tempDir    string
	maxSize    int64
	maxMembers int
}

// WithRunner replaces sandbox.Run, e.g. to count or wrap sandbox runs.
func WithRunner(r Runner) Option { return func(o *options) { o.run = r } }

// WithLogger sets where Build reports its steps; default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithTempDir sets where work directories are made; default os.TempDir().
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithLimits sets the largest total uncompressed size and member count of
// an sdist; defaults DefaultMaxSdistSize and DefaultMaxSdistMembers.
func WithLimits(size int64, members int) Option {
	return func(o *options) { o.maxSize, o.maxMembers = size, members }
}

// Key is the cache key of building the sdist with hex sha256 sdistSHA256
// (an optional "sha256:" prefix and upper case are accepted) in the builder
// image with digest builderDigest for target (Request.Target). Build files
// its result under it; pkg/wheelrepo shares wheels under it too.
func Key(sdistSHA256, builderDigest, target string) string {
	sum := strings.ToLower(strings.TrimPrefix(sdistSHA256, "sha256:"))
	return fmt.Sprintf("sdist-wheel:v%d:%s:%s:%s", BuilderVersion, sum, builderDigest, target)
}

// manifest is the keyed cache entry of a build: the wheel itself and the
// log live in the content-addressed store.
type manifest struct {
	Wheel  string `json:"wheel"`
	SHA256 string `json:"sha256"`
	Log    string `json:"log"`
}

// Build turns req.Sdist into a wheel, or returns the wheel an earlier build
// with the same sdist, builder and target left in the cache.
//
// The steps (PEP 517, "Build environment" and "Build backend interface"):
// unpack the sdist safely; read [build-system] (the setuptools legacy
// backend when absent); make a virtual environment in a work directory and
// install the build requirements into it with canto's own installer (no
// pip, no network); then, in a sandbox over the builder's root filesystem
// with no network, call get_requires_for_build_wheel, install what it adds,
// and call build_wheel. The wheel is validated and stored in the cache.
//
// A failing backend is a *BuildError; a machine that cannot run sandboxes
// gives a *sandbox.UnsupportedError.
func Build(ctx context.Context, req Request, opts ...Option) (*Result, error) {
	o := options{run: sandbox.Run, log: slog.New(slog.DiscardHandler), maxSize: DefaultMaxSdistSize, maxMembers: DefaultMaxSdistMembers}
	for _, opt := range opts {
		opt(&o)
	}
	name := req.Filename
	if name == "" {
		name = filepath.Base(req.Sdist)
	}
	if err := req.validate(); err != nil {
		return nil, fmt.Errorf("building %q: %w", name, err)
	}
	project, version, err := tags.ParseSdistFilename(name)
	if err != nil {
		return nil, fmt.Errorf("building %q: %w", name, err)
	}
	sum, err := sdistDigest(req.Sdist, req.SdistSHA256)
	if err != nil {
		return nil, fmt.Errorf("building %q: %w", name, err)
	}
	builder := req.BuilderDigest
	if builder == "" {
		d, err := req.Builder.Digest()
		if err != nil {
			return nil, fmt.Errorf("building %q: reading the builder's digest: %w", name, err)
		}
		builder = d.String()
	}
	key := Key(sum, builder, req.Target)
	if res, ok, err := fromCache(req.Cache, key); err != nil {
		return nil, fmt.Errorf("building %q: %w", name, err)
	} else if ok {
		o.log.Debug("sdist build cached", "sdist", name, "wheel", res.WheelFilename)
		return res, nil
	}

	rootfs := req.BuilderRootFS
	if rootfs == "" {
		rootfs, err = sandbox.RootFS(ctx, req.RootFSCacheDir, req.Builder)
		if err != nil {
			return nil, fmt.Errorf("building %q: %w", name, err)
		}
	}
	b := &build{
		req: req, o: o, sdist: name, pkg: project + " " + version, project: project,
		rootfs: rootfs, installed: map[string]string{}, installedFrom: map[string]string{},
	}
	res, err := b.run(ctx, key)
	if err != nil {
		var be *BuildError
		if errors.As(err, &be) {
			return nil, err
		}
		return nil, fmt.Errorf("building %q: %w", name, err)
	}
	return res, nil
}

func (r *Request) validate() error {
	switch {
	case r.Sdist == "":
		return errors.New("no sdist given")
	case r.Cache == nil:
		return errors.New("no cache given")
	case r.Resolve == nil:
		return errors.New("no resolver for build requirements given")
	case r.Target == "":
		return errors.New("no target given")
	case r.BuilderPython == "" || !strings.HasPrefix(r.BuilderPython, "/"):
		return fmt.Errorf("builder python %q is not an absolute path", r.BuilderPython)
	case r.BuilderRootFS == "" && r.Builder == nil:
		return errors.New("no builder image or root filesystem given")
	case r.BuilderRootFS == "" && r.RootFSCacheDir == "":
		return errors.New("no directory to unpack the builder image into (RootFSCacheDir) given")
	case r.BuilderRootFS != "" && r.BuilderDigest == "":
		return errors.New("a builder root filesystem needs a BuilderDigest naming it for the cache")
	}
	if r.PythonVersion == "" {
		v, ok := strings.CutPrefix(path.Base(r.BuilderPython), "python")
		if !ok || !strings.Contains(v, ".") {
			return fmt.Errorf("cannot tell the Python version from %q\nhint: set PythonVersion", r.BuilderPython)
		}
		r.PythonVersion = v
	}
	return nil
}

// sdistDigest hashes the sdist and checks it against want when set.
func sdistDigest(file, want string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want != "" && !strings.EqualFold(strings.TrimPrefix(want, "sha256:"), got) {
		return "", fmt.Errorf("sha256 mismatch: the file has %s, expected %s", got, want)
	}
	return got, nil
}

// Cached returns the wheel an earlier build filed under key (see Key), if
// the cache still holds it.
func Cached(c *cache.Cache, key string) (*Result, bool, error) {
	return fromCache(c, key)
}

// Adopt files a wheel that is already in the cache under key (see Key), as
// if Build had built it, so that later builds find it: for wheels built
// elsewhere, such as one pulled from a shared registry. The wheel must open
// and match its RECORD. The result has FromCache set and no LogPath.
func Adopt(ctx context.Context, c *cache.Cache, key, wheelFilename, wheelSHA256 string) (*Result, error) {
	p, ok, err := c.Get(wheelSHA256)
	if err != nil {
		return nil, fmt.Errorf("adopting %q: %w", wheelFilename, err)
	}
	if !ok {
		return nil, fmt.Errorf("adopting %q: the cache has no blob %s", wheelFilename, wheelSHA256)
	}
	if err := checkWheel(ctx, p, wheelFilename); err != nil {
		return nil, fmt.Errorf("adopting %q: %w", wheelFilename, err)
	}
	sum := strings.ToLower(strings.TrimPrefix(wheelSHA256, "sha256:"))
	m, err := json.Marshal(manifest{Wheel: wheelFilename, SHA256: sum})
	if err != nil {
		return nil, err
	}
	if _, _, err := c.PutKey(ctx, key, bytes.NewReader(m)); err != nil {
		return nil, fmt.Errorf("adopting %q: %w", wheelFilename, err)
	}
	return &Result{WheelPath: p, WheelFilename: wheelFilename, SHA256: sum, FromCache: true}, nil
}

// checkWheel opens the wheel at p and checks it against its RECORD.
func checkWheel(ctx context.Context, p, filename string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w, err := wheel.Open(f, fi.Size(), filename)
	if err != nil {
		return err
	}
	return w.Verify(ctx)
}

// fromCache returns the cached result for key, if any.
func fromCache(c *cache.Cache, key string) (*Result, bool, error) {
	p, _, ok, err := c.GetKey(key)
	if err != nil || !ok {
		return nil, false, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, false, nil // a damaged entry is a miss; the build replaces it
	}
	wp, ok, err := c.Get(m.SHA256)
	if err != nil || !ok {
		return nil, false, err
	}
	lp := ""
	if m.Log != "" { // adopted wheels have no log
		p, ok, err := c.Get(m.Log)
		if err != nil {
			return nil, false, err
		}
		if ok {
			lp = p
		}
	}
	return &Result{WheelPath: wp, WheelFilename: m.Wheel, SHA256: m.SHA256, FromCache: true, LogPath: lp}, true, nil
}

// build is one sdist build in progress.
type build struct {
	req     Request
	o       options
	sdist   string
	pkg     string // "name version"
	project string // normalised name
	rootfs  string
	work    string // host side of workDir
	src     string // source tree, relative to work
	logFile *os.File
	out     io.Writer
	env     pep508.Env
	// installed maps the normalised names of installed build requirements
	// to their versions.
	installed map[string]string
	// installedFrom maps them to the wheel files they came from.
	installedFrom map[string]string
}

func (b *build) run(ctx context.Context, key string) (res *Result, err error) {
	b.work, err = os.MkdirTemp(b.o.tempDir, "canto-sdist-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := os.RemoveAll(b.work); rerr != nil && err == nil {
			err = rerr
		}
	}()
	// The log lives outside the bound work dir so the build cannot touch it.
	b.logFile, err = os.CreateTemp(b.o.tempDir, "canto-sdist-log-")
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = b.logFile.Close()
		_ = os.Remove(b.logFile.Name())
	}()
	b.out = b.logFile
	if b.req.Log != nil {
		b.out = io.MultiWriter(b.logFile, b.req.Log)
	}

	for _, d := range []string{"src", "env", "out", "tmp"} {
		if err := os.Mkdir(filepath.Join(b.work, d), 0o755); err != nil {
			return nil, err
		}
	}
	top, err := extract(b.req.Sdist, b.sdist, filepath.Join(b.work, "src"), b.o.maxSize, b.o.maxMembers)
	if err != nil {
		return nil, err
	}
	b.src = "src/" + top
	bs, err := b.readBuildSystem()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(b.out, "canto: building %s with %s\n", b.pkg, bs.Backend)
	if err := b.makeEnv(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(b.work, "driver.py"), []byte(driverPy), 0o644); err != nil {
		return nil, err
	}
	cfg, err := json.Marshal(map[string]any{"backend": bs.Backend, "backend_path": bs.BackendPath, "outdir": outDir})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(b.work, "config.json"), cfg, 0o644); err != nil {
		return nil, err
	}

	b.env = b.req.MarkerEnv
	if b.env == nil {
		var env map[string]string
		if err := b.step(ctx, "env", &env); err != nil {
			return nil, b.stored(ctx, key, err)
		}
		b.env = env
	}
	if err := b.installAll(ctx, bs.Requires, "[build-system] requires"); err != nil {
		return nil, b.stored(ctx, key, err)
	}
	var requires struct{ Requires []string }
	if err := b.step(ctx, "requires", &requires); err != nil {
		return nil, b.stored(ctx, key, err)
	}
	if err := b.installAll(ctx, requires.Requires, "get_requires_for_build_wheel"); err != nil {
		return nil, b.stored(ctx, key, err)
	}
	var built struct{ Wheel string }
	if err := b.step(ctx, "build", &built); err != nil {
		return nil, b.stored(ctx, key, err)
	}
	return b.store(ctx, key, built.Wheel)
}

// readBuildSystem reads pyproject.toml from the source tree.
func (b *build) readBuildSystem() (BuildSystem, error) {
	root, err := os.OpenRoot(filepath.Join(b.work, b.src))
	if err != nil {
		return BuildSystem{}, err
	}
	defer func() { _ = root.Close() }()
	data, err := root.ReadFile("pyproject.toml")
	if errors.Is(err, os.ErrNotExist) {
		data, err = nil, nil
	}
	if err != nil {
		return BuildSystem{}, err
	}
	return ParseBuildSystem(data)
}

// step runs one driver step in the sandbox and decodes its answer.
func (b *build) step(ctx context.Context, step string, answer any) error {
	result := workDir + "/" + step + ".json"
	args := []string{envPrefix + "/bin/python", workDir + "/driver.py", step, result}
	if step != "env" {
		args = append(args, workDir+"/config.json")
	}
	b.o.log.Debug("sdist build step", "sdist", b.sdist, "step", step)
	fmt.Fprintf(b.out, "canto: %s step\n", step)
	res, err := b.o.run(ctx, sandbox.Spec{
		RootFS: b.rootfs,
		Binds:  []sandbox.Bind{{Source: b.work, Target: workDir, Writable: true}},
		Args:   args,
		Env: []string{
			"PATH=" + envPrefix + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"VIRTUAL_ENV=" + envPrefix,
			"HOME=" + workDir + "/tmp", "TMPDIR=" + workDir + "/tmp",
			"LANG=C.UTF-8", "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1",
			"PYTHONNOUSERSITE=1", "PYTHONHASHSEED=0", "SOURCE_DATE_EPOCH=" + sourceDateEpoch,
			"PIP_NO_INDEX=1", "PIP_DISABLE_PIP_VERSION_CHECK=1",
		},
		Dir:    workDir + "/" + b.src,
		Stdout: b.out,
		Stderr: b.out,
	})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return &BuildError{Package: b.pkg, Step: step, ExitCode: res.ExitCode}
	}
	data, err := os.ReadFile(filepath.Join(b.work, step+".json"))
	if err != nil {
		return fmt.Errorf("reading the answer of the %s step: %w", step, err)
	}
	if err := json.Unmarshal(data, answer); err != nil {
		return fmt.Errorf("reading the answer of the %s step: %w", step, err)
	}
	return nil
}

// stored keeps the log of a failed build in the cache and completes a
// BuildError with its path and tail.
func (b *build) stored(ctx context.Context, key string, err error) error {
	var be *BuildError
	if !errors.As(err, &be) {
		return err
	}
	if _, serr := b.logFile.Seek(0, io.SeekStart); serr == nil {
		if _, p, aerr := b.req.Cache.Add(ctx, b.logFile); aerr == nil {
			be.LogPath = p
		}
	}
	be.Tail = tailLines(b.logFile, TailLines)
	return be
}

// tailLines returns the last n lines of f (reading at most its last 64 KiB).
func tailLines(f *os.File, n int) []string {
	const window = 64 << 10
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	off := max(fi.Size()-window, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if off > 0 && len(lines) > 1 {
		lines = lines[1:] // the first may be cut
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// store validates the built wheel and puts it, its log and the manifest in
// the cache.
func (b *build) store(ctx context.Context, key, wheelName string) (*Result, error) {
	if wheelName == "" || strings.ContainsAny(wheelName, "/\\") {
		return nil, fmt.Errorf("the backend's build_wheel returned %q, not a file name", wheelName)
	}
	wf, err := tags.ParseWheelFilename(wheelName)
	if err != nil {
		return nil, fmt.Errorf("the backend built %q: %w", wheelName, err)
	}
	if wf.Name != b.project {
		return nil, fmt.Errorf("the backend built %q, a wheel of %q rather than %q", wheelName, wf.Name, b.project)
	}
	p := filepath.Join(b.work, "out", wheelName)
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("opening the built wheel: %w", err)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	w, err := wheel.Open(f, fi.Size(), wheelName)
	if err != nil {
		return nil, fmt.Errorf("checking the built wheel: %w", err)
	}
	if err := w.Verify(ctx); err != nil {
		return nil, fmt.Errorf("checking the built wheel: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	sum, wheelPath, err := b.req.Cache.Add(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("storing the built wheel: %w", err)
	}
	fmt.Fprintf(b.out, "canto: built %s\n", wheelName)
	if _, err := b.logFile.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	logSum, logPath, err := b.req.Cache.Add(ctx, b.logFile)
	if err != nil {
		return nil, fmt.Errorf("storing the build log: %w", err)
	}
	m, err := json.Marshal(manifest{Wheel: wheelName, SHA256: sum, Log: logSum})
	if err != nil {
		return nil, err
	}
	if _, _, err := b.req.Cache.PutKey(ctx, key, bytes.NewReader(m)); err != nil {
		return nil, fmt.Errorf("storing the build in the cache: %w", err)
	}
	b.o.log.Debug("sdist built", "sdist", b.sdist, "wheel", wheelName)
	return &Result{WheelPath: wheelPath, WheelFilename: wheelName, SHA256: sum, LogPath: logPath}, nil
}
