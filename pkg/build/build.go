package build

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/canto-build/canto/pkg/bytecode"
	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/layers"
	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/target"
	"github.com/canto-build/canto/pkg/venv"
	"github.com/canto-build/canto/pkg/wheel"
)

// installerVersion changes whenever canto installs wheels differently; it
// is part of every layer key, so a new installer never reuses old layers.
const installerVersion = "canto-installer-1"

// File is a wheel on local disk, ready to install.
type File struct {
	Path     string
	Filename string
	SHA256   string
	Size     int64
	// DirectURL is set for packages that did not come from an index.
	DirectURL *wheel.DirectURL
}

// Resolver turns the packages of a plan into local wheels: it downloads
// index files (verifying the lock's hashes), builds sdists and local
// projects. The map is keyed by the package's normalised name.
type Resolver interface {
	Resolve(ctx context.Context, pl *plan.Plan) (map[string]File, error)
}

// ProjectBuilder builds the wheel of the project itself. It returns
// ok=false for a project that is not a package (package-mode = false).
type ProjectBuilder interface {
	BuildProject(ctx context.Context, t target.Target, dir string, p *pyproject.Project) (f File, ok bool, err error)
}

// Request is one image to build.
type Request struct {
	// Dir is the project directory; Project and Lock are its parsed files.
	Dir     string
	Project *pyproject.Project
	Lock    *lock.Lock
	// Base is the base image and Platform the platform to pick from it.
	Base     image.Reference
	Platform string
	// Groups, Extras and AllExtras select what to install (see plan).
	Groups    []string
	Extras    []string
	AllExtras bool
	// Venv is the virtualenv's path in the image (default /opt/venv).
	Venv string
	// Image settings.
	Entrypoint, Cmd  []string
	User, WorkingDir string
	Ports            []string
	Env              []string
	Labels           map[string]string
	// Created is the timestamp of the image and of every file canto writes
	// (SOURCE_DATE_EPOCH; zero means the Unix epoch).
	Created time.Time
	// CheckLibs checks that the venv's ELF files find their shared
	// libraries in the image (a *MissingLibsError otherwise); with
	// VendorLibs, missing ones are copied from Builder into a layer.
	// Builder also names where missing libraries are in the error.
	CheckLibs, VendorLibs bool
	Builder               image.Reference
	// CompileBytecode compiles every Python source in site-packages to a
	// .pyc in its layer (see pkg/bytecode), with the base image's own
	// interpreter run in the sandbox, so the image starts without
	// compiling anything. The base must run on this machine's
	// architecture.
	CompileBytecode bool
}

// LayerInfo describes one layer canto added.
type LayerInfo struct {
	// Kind is "dependencies", "venv" or "project".
	Kind string
	// Name is "numpy", "bucket-03", "venv" or the project's name.
	Name     string
	Packages []string
	Digest   v1.Hash
	Size     int64
	// Cached is true when the layer came from the cache unchanged.
	Cached bool
}

// Result is a built image and what went into it.
type Result struct {
	Image  v1.Image
	Digest v1.Hash
	Plan   *plan.Plan
	Base   *image.BaseInfo
	Target target.Target
	Layers []LayerInfo
}

// Builder builds images. It is safe to use for several builds.
type Builder struct {
	cache    *cache.Cache
	resolver Resolver
	project  ProjectBuilder
	log      *slog.Logger
	progress func(Event)
	policy   layers.Policy
	imgOpts  []image.Option
	wheelOpt []wheel.Option
	uid, gid int
	// pycOpts configure the bytecode compiler (tests replace its runner).
	pycOpts []bytecode.Option
}

// Event is progress, for the CLI to render.
type Event struct {
	// Phase is one of base, plan, fetch, layer, image.
	Phase   string
	Message string
	// Current and Total count the phase's steps, when known.
	Current, Total int
}

// Option configures a Builder.
type Option func(*Builder)

// WithCache sets the cache for layers (required).
func WithCache(c *cache.Cache) Option { return func(b *Builder) { b.cache = c } }

// WithResolver sets how plan packages become local wheels (required).
func WithResolver(r Resolver) Option { return func(b *Builder) { b.resolver = r } }

// WithProjectBuilder sets how the project's own wheel is built; without
// one, the project itself is not installed.
func WithProjectBuilder(p ProjectBuilder) Option { return func(b *Builder) { b.project = p } }

// WithLogger sets a logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(b *Builder) { b.log = l } }

// WithProgress sets a progress callback (default: none).
func WithProgress(f func(Event)) Option { return func(b *Builder) { b.progress = f } }

// WithLayerPolicy replaces layers.Default.
func WithLayerPolicy(p layers.Policy) Option { return func(b *Builder) { b.policy = p } }

// WithImageOptions passes options to image.LoadBase (keychain, insecure...).
func WithImageOptions(opts ...image.Option) Option {
	return func(b *Builder) { b.imgOpts = append(b.imgOpts, opts...) }
}

// WithWheelLimits sets the limits every wheel is opened with (see
// wheel.WithMaxTotalSize, wheel.WithMaxMembers and
// wheel.WithMaxCompressionRatio). The default is pkg/wheel's defaults.
func WithWheelLimits(opts ...wheel.Option) Option {
	return func(b *Builder) { b.wheelOpt = append(b.wheelOpt, opts...) }
}

// New returns a Builder.
func New(opts ...Option) (*Builder, error) {
	b := &Builder{log: slog.New(slog.DiscardHandler), progress: func(Event) {}, policy: layers.Default}
	for _, o := range opts {
		o(b)
	}
	if b.cache == nil || b.resolver == nil {
		return nil, errors.New("creating builder: a cache and a resolver are required")
	}
	return b, nil
}

// Build builds the image of req. Nothing is written anywhere but the cache;
// the caller publishes Result.Image.
func (b *Builder) Build(ctx context.Context, req Request) (*Result, error) {
	if req.Venv == "" {
		req.Venv = "/opt/venv"
	}
	b.progress(Event{Phase: "base", Message: "reading base image " + req.Base.String()})
	base, err := image.LoadBase(ctx, req.Base, req.Platform, b.imgOpts...)
	if err != nil {
		return nil, fmt.Errorf("loading base image %s: %w", req.Base, err)
	}
	info, err := Inspect(ctx, b.cache, base)
	if err != nil {
		return nil, fmt.Errorf("inspecting base image %s: %w", req.Base, err)
	}
	t, err := TargetOf(info)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", req.Base, err)
	}
	if err := checkVenvPath(req.Venv, info); err != nil {
		return nil, err
	}
	b.log.Info("base image", "ref", req.Base.String(), "python", info.Python.Path, "target", t.String())

	b.progress(Event{Phase: "plan", Message: "planning for " + t.String()})
	pl, err := plan.Make(plan.Request{Project: req.Project, Lock: req.Lock, Target: t, Groups: req.Groups, Extras: req.Extras, AllExtras: req.AllExtras})
	if err != nil {
		return nil, err
	}
	files, err := b.resolver.Resolve(ctx, pl)
	if err != nil {
		return nil, err
	}

	layout := venv.Layout{Prefix: req.Venv, PythonVersion: info.Python.Version, Interpreter: info.Python.Path}
	if err := layout.Validate(); err != nil {
		return nil, fmt.Errorf("venv layout: %w", err)
	}
	mt, err := image.LayerMediaType(base)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", req.Base, err)
	}
	tarOpts := venv.TarOptions{ModTime: req.Created, UID: b.uid, GID: b.gid}
	salt := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%d\x00%d:%d", installerVersion, layout.Prefix, layout.PythonVersion, layout.Interpreter, req.Created.Unix(), b.uid, b.gid)
	var pyc *lazyCompiler
	if req.CompileBytecode {
		if err := runsHere(t); err != nil {
			return nil, fmt.Errorf("compiling bytecode for base image %s: %w", req.Base, err)
		}
		// The bytes of a .pyc depend on the interpreter's version.
		salt += "\x00bytecode " + bytecode.Mode + " " + fullVersion(info)
		pyc = &lazyCompiler{b: b, base: base, python: info.Python.Path, name: req.Base.String()}
	}

	var items []layers.Item
	for _, pkg := range pl.Packages {
		f, ok := files[pkg.Name]
		if !ok {
			return nil, fmt.Errorf("installing %s %s: the resolver returned no wheel for it", pkg.Name, pkg.Version)
		}
		items = append(items, layers.Item{Name: pkg.Name, Version: pkg.Version, SHA256: f.SHA256, Size: f.Size})
	}
	assigned, err := b.policy.Assign(items)
	if err != nil {
		return nil, err
	}

	res := &Result{Plan: pl, Base: info, Target: t}
	var adds []image.Addendum
	for i, l := range assigned {
		var names []string
		for _, it := range l.Items {
			names = append(names, it.Name+" "+it.Version)
		}
		b.progress(Event{Phase: "layer", Message: "layer " + l.Name + ": " + strings.Join(names, ", "), Current: i + 1, Total: len(assigned) + 2})
		stored, cached, err := b.storeLayer(ctx, l.Key(salt), mt, func(w *os.File) error {
			return pyc.install(ctx, venv.NewTarDestination(w, tarOpts), layout, "layer "+l.Name, func(dst wheel.Destination) error {
				for _, it := range l.Items {
					if err := installWheel(ctx, dst, files[it.Name], layout, b.wheelOpt); err != nil {
						return err
					}
				}
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("building layer %s: %w", l.Name, err)
		}
		adds = append(adds, image.Addendum{Layer: stored.Layer(), History: v1.History{CreatedBy: "canto: dependencies " + strings.Join(names, ", "), Comment: "layer " + l.Name}})
		res.Layers = append(res.Layers, LayerInfo{Kind: "dependencies", Name: l.Name, Packages: names, Digest: stored.Digest, Size: stored.Size, Cached: cached})
	}

	// The venv's own files: pyvenv.cfg and the interpreter links.
	skel, err := layout.Skeleton(venv.WithFullVersion(fullVersion(info)), venv.WithLib64(is64bit(t)))
	if err != nil {
		return nil, fmt.Errorf("venv layout: %w", err)
	}
	extraDirs := []string{}
	if req.WorkingDir != "" && req.WorkingDir != "/" {
		extraDirs = append(extraDirs, req.WorkingDir)
	}
	venvKey := layers.Layer{Name: "venv", Items: []layers.Item{{Name: "venv", Version: fullVersion(info), SHA256: skeletonDigest(skel, extraDirs)}}}.Key(salt)
	b.progress(Event{Phase: "layer", Message: "layer venv", Current: len(assigned) + 1, Total: len(assigned) + 2})
	stored, cached, err := b.storeLayer(ctx, venvKey, mt, func(w *os.File) error {
		dst := venv.NewTarDestination(w, tarOpts)
		for _, e := range skel {
			if err := dst.Add(e); err != nil {
				return err
			}
		}
		for _, d := range extraDirs {
			if err := dst.Mkdir(d); err != nil {
				return err
			}
		}
		return dst.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("building the venv layer: %w", err)
	}
	adds = append(adds, image.Addendum{Layer: stored.Layer(), History: v1.History{CreatedBy: "canto: virtualenv " + req.Venv + " for " + info.Python.Path}})
	res.Layers = append(res.Layers, LayerInfo{Kind: "venv", Name: "venv", Digest: stored.Digest, Size: stored.Size, Cached: cached})

	// The project itself, last: it changes most often.
	var projectScripts []string
	if b.project != nil {
		f, ok, err := b.project.BuildProject(ctx, t, req.Dir, req.Project)
		if err != nil {
			return nil, err
		}
		if ok {
			b.progress(Event{Phase: "layer", Message: "layer " + req.Project.Name, Current: len(assigned) + 2, Total: len(assigned) + 2})
			key := layers.Layer{Name: "project", Items: []layers.Item{{Name: req.Project.Name, Version: req.Project.Version, SHA256: f.SHA256}}}.Key(salt)
			stored, cached, err := b.storeLayer(ctx, key, mt, func(w *os.File) error {
				return pyc.install(ctx, venv.NewTarDestination(w, tarOpts), layout, "layer "+req.Project.Name, func(dst wheel.Destination) error {
					return installWheel(ctx, dst, f, layout, b.wheelOpt)
				})
			})
			if err != nil {
				return nil, fmt.Errorf("building the project layer: %w", err)
			}
			adds = append(adds, image.Addendum{Layer: stored.Layer(), History: v1.History{CreatedBy: "canto: project " + req.Project.Name + " " + req.Project.Version}})
			res.Layers = append(res.Layers, LayerInfo{Kind: "project", Name: req.Project.Name, Packages: []string{req.Project.Name + " " + req.Project.Version}, Digest: stored.Digest, Size: stored.Size, Cached: cached})
		}
	}
	for name, s := range req.Project.Scripts {
		if s.Type == "" || s.Type == "console" {
			projectScripts = append(projectScripts, name)
		}
	}
	sort.Strings(projectScripts)

	b.progress(Event{Phase: "image", Message: "writing image config"})
	changes, err := imageConfig(req, info, layout, projectScripts)
	if err != nil {
		return nil, err
	}
	img, err := image.Append(base, adds, changes)
	if err != nil {
		return nil, fmt.Errorf("assembling the image: %w", err)
	}
	if req.CheckLibs {
		if img, err = b.checkLibs(ctx, req, base, adds, changes, img, mt, res); err != nil {
			return nil, err
		}
	}
	res.Image = img
	if res.Digest, err = img.Digest(); err != nil {
		return nil, fmt.Errorf("computing the image digest: %w", err)
	}
	return res, nil
}

// installWheel installs one wheel file into a layer.
func installWheel(ctx context.Context, dst wheel.Destination, f File, layout venv.Layout, limits []wheel.Option) error {
	fh, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("installing %s: %w", f.Filename, err)
	}
	defer func() { _ = fh.Close() }()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("installing %s: %w", f.Filename, err)
	}
	w, err := wheel.Open(fh, st.Size(), f.Filename, limits...)
	if err != nil {
		return err
	}
	if err := wheel.Install(ctx, w, dst, wheel.InstallOptions{Scheme: layout.Scheme(), DirectURL: f.DirectURL, Requested: f.DirectURL != nil}); err != nil {
		return fmt.Errorf("installing %s: %w", f.Filename, err)
	}
	return nil
}

// imageConfig decides the image's entrypoint, environment and user.
func imageConfig(req Request, info *image.BaseInfo, layout venv.Layout, scripts []string) (image.ConfigChanges, error) {
	bin := path.Join(layout.Prefix, "bin")
	c := image.ConfigChanges{
		Created:    req.Created,
		User:       req.User,
		WorkingDir: req.WorkingDir,
		Cmd:        req.Cmd,
		BaseName:   req.Base.String(),
		Labels:     map[string]string{},
	}
	switch {
	case len(req.Entrypoint) > 0:
		c.Entrypoint = req.Entrypoint
	case len(scripts) == 1:
		c.Entrypoint = []string{path.Join(bin, scripts[0])}
	case len(req.Cmd) == 0:
		// No script to run: start the venv's python, like `python3` images do.
		c.Entrypoint = []string{path.Join(bin, "python")}
	}
	if len(c.Entrypoint) > 0 && !strings.Contains(c.Entrypoint[0], "/") {
		// A bare name runs the venv's script of that name.
		c.Entrypoint = append([]string{path.Join(bin, c.Entrypoint[0])}, c.Entrypoint[1:]...)
	}
	basePath := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range info.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			basePath = v
		}
	}
	c.Env = []string{"PATH=" + bin + ":" + basePath, "VIRTUAL_ENV=" + layout.Prefix, "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"}
	c.Env = append(c.Env, req.Env...)
	c.ExposedPorts = req.Ports
	if req.Project.Name != "" {
		c.Labels["org.opencontainers.image.title"] = req.Project.Name
	}
	if req.Project.Version != "" {
		c.Labels["org.opencontainers.image.version"] = req.Project.Version
	}
	for k, v := range req.Labels {
		c.Labels[k] = v
	}
	return c, nil
}

// TargetOf derives the build target from what a base image holds.
func TargetOf(info *image.BaseInfo) (target.Target, error) {
	if info.Python == nil {
		return target.Target{}, errors.New("no Python found\nhint: use a base image with CPython 3, such as python:3.11-slim")
	}
	platform := info.OS + "/" + info.Arch
	if info.Variant != "" {
		platform += "/" + info.Variant
	}
	var libc string
	switch info.Libc.Family {
	case image.LibcUnknown:
		return target.Target{}, errors.New("cannot tell which C library (glibc or musl) it uses\nhint: canto reads /var/lib/dpkg/status, /lib/apk/db/installed or the libc file names; use a Debian, Ubuntu, Alpine or distroless base")
	default:
		v := info.Libc.Version
		if v == "" {
			return target.Target{}, fmt.Errorf("cannot tell the version of its %s\nhint: canto reads it from the image's package database (dpkg status or status.d, apk) or from the banner in glibc's libc.so.6", info.Libc.Family)
		}
		libc = string(info.Libc.Family) + "-" + v
	}
	py := info.Python.Version
	if info.Python.FullVersion != "" {
		py = info.Python.FullVersion
	}
	return target.Parse(platform, py, libc)
}

func fullVersion(info *image.BaseInfo) string {
	if info.Python.FullVersion != "" {
		return info.Python.FullVersion
	}
	return info.Python.Version
}

func is64bit(t target.Target) bool {
	switch t.Arch {
	case "386", "arm", "mips", "mipsle":
		return false
	}
	return true
}

// checkVenvPath refuses a venv path that would land on the base's Python.
func checkVenvPath(venvPath string, info *image.BaseInfo) error {
	for _, p := range []string{"/", "/usr", "/usr/local", "/bin", "/lib", "/etc", info.Python.Prefix} {
		if venvPath == p {
			return fmt.Errorf("venv path %q collides with the base image's own files\nhint: choose a path of its own, such as /opt/venv (--venv or [tool.canto] venv)", venvPath)
		}
	}
	if strings.HasPrefix(info.Python.Path, venvPath+"/") {
		return fmt.Errorf("venv path %q contains the base image's Python %s\nhint: choose a path of its own, such as /opt/venv", venvPath, info.Python.Path)
	}
	return nil
}
