package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/canto-build/canto/pkg/build"
	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/config"
	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/index"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/publish"
	"github.com/canto-build/canto/pkg/wheel"
)

type buildFlags struct {
	base, builder, platform, venv, user, workdir string
	outputs                                      []string
	entrypoint, cmd, ports, env, labels          []string
	cacheDir, indexURL, cacheRepo                string
	insecure, asJSON                             bool
	vendorLibs, noCheckLibs                      bool
	compileBytecode                              bool
	jobs                                         int
	sel                                          selectionFlags
	// Limits and network patience.
	maxWheelSize, maxRatio int64
	maxWheelMembers        int
	retries                int
	stallTimeout           time.Duration
}

func newBuildCommand(e *env) *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "build [DIR]",
		Short: "Build an OCI image from a Poetry project, with no Docker daemon",
		Long: `build reads DIR/pyproject.toml and DIR/poetry.lock (DIR defaults to the current
directory), installs the locked packages for the base image's Python, libc and
architecture into a virtualenv, and writes an image: the base's layers, then
one layer per big dependency and a few layers of small ones (keyed by content,
so a change to one dependency rebuilds one layer), a small venv layer, and the
project's own layer last. Neither Poetry nor pip nor a Docker daemon runs.

Wheels are fetched from the project's own sources ([[tool.poetry.source]], or
--index-url) and checked against the lock's sha256 hashes. Credentials come
from POETRY_HTTP_BASIC_<SOURCE>_USERNAME/PASSWORD and ~/.netrc, and registry
credentials from the Docker config and its credential helpers; none of them
ever reaches the image or the logs.

Packages without a wheel for the target (sdists), git dependencies (checked
out with git at the locked commit) and projects that poetry-core cannot pack
(another build backend, a build script, setup.py) are built by their own
PEP 517 backend in a network-less sandbox over the builder image (--builder),
and the wheels cached by content.

With --compile-bytecode, every Python file in site-packages gets its .pyc
(PEP 552 unchecked-hash) in the same layer, compiled by the base image's own
interpreter in a sandbox (no network, no daemon), as pip does at install
time: the image starts faster and never writes bytecode at run time.

Settings may also live in [tool.canto] of pyproject.toml; flags override them.
The image digest is printed on stdout.

Base (--base) and outputs (-o) use containers-transports(5) names:
  oci:DIR[:TAG]              an OCI image layout directory
  docker-archive:FILE[:REF]  a tarball that "docker load" accepts
  docker-daemon:REF          the local Docker daemon (only if you ask for it)
  docker://REF or REF        a registry, e.g. ghcr.io/me/app:1.0`,
		Example: `  # Build onto a registry base and push
  canto build ./myapp --base python:3.11-slim-bookworm -o ghcr.io/me/myapp:latest

  # Build into an OCI layout and a tarball for "docker load"
  canto build --base oci:./images:slim -o oci:./out:myapp -o docker-archive:myapp.tar:myapp:latest

  # Precompile .pyc files for a faster start
  canto build --base oci:./images:slim -o oci:./out:myapp --compile-bytecode

  # From a private index, as JSON for scripts
  canto build --index-url https://pypi.internal/simple/ -o reg.local/app --json`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runBuild(cmd.Context(), e, cmd, dir, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.base, "base", "", "base image (required here or as [tool.canto] base)")
	fl.StringVar(&f.builder, "builder", "", "image that builds sdists, with the base's Python and a compiler (default: [tool.canto] builder, else the base)")
	fl.BoolVar(&f.vendorLibs, "vendor-libs", false, "copy shared libraries the venv needs and the base lacks from the builder into a layer")
	fl.BoolVar(&f.compileBytecode, "compile-bytecode", false, "compile the venv's Python files to .pyc with the base's own Python, so the image starts without compiling (default [tool.canto] compile-bytecode)")
	fl.BoolVar(&f.noCheckLibs, "no-check-libs", false, "do not check that the venv's compiled files find their shared libraries in the image")
	fl.StringVar(&f.platform, "platform", "", "platform to take from a multi-platform base (default linux/amd64)")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "where to write the image (repeatable; default [tool.canto] outputs)")
	fl.StringVar(&f.venv, "venv", "", "virtualenv path in the image (default "+config.DefaultVenv+")")
	fl.StringArrayVar(&f.entrypoint, "entrypoint", nil, "image entrypoint, one flag per word (default: the project's only console script)")
	fl.StringArrayVar(&f.cmd, "cmd", nil, "image command, one flag per word")
	fl.StringVar(&f.user, "user", "", "user the image runs as (default "+config.DefaultUser+")")
	fl.StringVar(&f.workdir, "workdir", "", "working directory of the image")
	fl.StringArrayVar(&f.ports, "port", nil, "port to expose, e.g. 8000 or 8000/tcp (repeatable)")
	fl.StringArrayVar(&f.env, "env", nil, "environment variable KEY=VALUE (repeatable)")
	fl.StringArrayVar(&f.labels, "label", nil, "image label KEY=VALUE (repeatable)")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "cache directory (default $XDG_CACHE_HOME/canto)")
	fl.StringVar(&f.indexURL, "index-url", "", "package index to use instead of the project's sources")
	fl.StringVar(&f.cacheRepo, "cache-repo", "", "registry repository that shares wheels built from sdists between machines, e.g. ghcr.io/me/canto-wheels (default [tool.canto] cache-repo)")
	fl.BoolVar(&f.insecure, "insecure-registry", false, "allow plain HTTP to registries (for a local registry)")
	fl.IntVarP(&f.jobs, "jobs", "j", 8, "parallel downloads")
	fl.BoolVar(&f.asJSON, "json", false, "print the result as JSON on stdout")
	fl.Int64Var(&f.maxWheelSize, "max-wheel-size", wheel.DefaultMaxTotalSize, "largest total uncompressed size of a wheel, in bytes (zip bomb guard)")
	fl.IntVar(&f.maxWheelMembers, "max-wheel-members", wheel.DefaultMaxMembers, "largest number of files in a wheel (zip bomb guard)")
	fl.Int64Var(&f.maxRatio, "max-compression-ratio", wheel.DefaultMaxCompressionRatio, "largest compression ratio N (of N:1) of a wheel member over 1 MiB (zip bomb guard)")
	fl.IntVar(&f.retries, "retries", index.DefaultRetries, "times a failed index or registry request is retried (5xx, 429, resets, stalls)")
	fl.DurationVar(&f.stallTimeout, "stall-timeout", index.DefaultStallTimeout, "abort and retry a download that sends no data for this long")
	f.sel.register(cmd)
	return cmd
}

// buildJSON is the shape of `canto build --json`.
type buildJSON struct {
	Digest  string            `json:"digest"`
	Outputs []string          `json:"outputs"`
	Target  string            `json:"target"`
	Layers  []buildLayerJSON  `json:"layers"`
	Plan    []planPackageJSON `json:"packages"`
}

type buildLayerJSON struct {
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Digest   string   `json:"digest"`
	Size     int64    `json:"size"`
	Cached   bool     `json:"cached"`
	Packages []string `json:"packages,omitempty"`
}

func runBuild(ctx context.Context, e *env, cmd *cobra.Command, dir string, f buildFlags) error {
	u := e.ui()
	start := time.Now()
	lp, err := loadProject(dir)
	if err != nil {
		return err
	}
	cfg, err := config.FromProject(lp.project)
	if err != nil {
		return err
	}
	// Flags override [tool.canto].
	changed := cmd.Flags().Changed
	pick := func(flag, fromFlag, fromCfg, def string) string {
		if changed(flag) {
			return fromFlag
		}
		if fromCfg != "" {
			return fromCfg
		}
		return def
	}
	pickList := func(flag string, fromFlag, fromCfg []string) []string {
		if changed(flag) {
			return fromFlag
		}
		return fromCfg
	}
	baseRef := pick("base", f.base, cfg.Base, "")
	if baseRef == "" {
		return &usageError{errors.New("no base image: pass --base or set [tool.canto] base\nhint: e.g. --base python:3.11-slim-bookworm or --base oci:./images:slim")}
	}
	base, err := image.ParseReference(baseRef)
	if err != nil {
		return &usageError{err}
	}
	outputs := pickList("output", f.outputs, cfg.Outputs)
	if len(outputs) == 0 {
		return &usageError{errors.New("no output: pass -o (repeatable) or set [tool.canto] outputs\nhint: e.g. -o oci:./out:myapp or -o registry.example.com/me/myapp:latest")}
	}
	var dests []image.Reference
	for _, o := range outputs {
		d, err := image.ParseReference(o)
		if err != nil {
			return &usageError{err}
		}
		dests = append(dests, d)
	}
	sel := f.sel
	if !changed("only") && !changed("with") && !changed("without") {
		sel.only, sel.with, sel.without = cfg.Only, cfg.With, cfg.Without
	}
	if !changed("extras") {
		sel.extras = cfg.Extras
	}
	if !changed("all-extras") {
		sel.allExtras = cfg.AllExtras
	}
	groups, err := plan.SelectGroups(lp.project, sel.only, sel.with, sel.without)
	if err != nil {
		return &usageError{err}
	}
	env, err := keyValues("env", pickList("env", f.env, mapToList(cfg.Env)))
	if err != nil {
		return err
	}
	labels, err := keyValues("label", pickList("label", f.labels, mapToList(cfg.Labels)))
	if err != nil {
		return err
	}
	created, err := image.SourceDateEpoch()
	if err != nil {
		return &usageError{err}
	}

	if f.maxWheelSize <= 0 || f.maxWheelMembers <= 0 || f.maxRatio <= 0 {
		return &usageError{errors.New("--max-wheel-size, --max-wheel-members and --max-compression-ratio must be positive")}
	}

	// Check every output before any work, so a typo costs nothing.
	pubOpts := []publish.Option{publish.WithInsecure(f.insecure)}
	for _, d := range dests {
		if err := publish.Check(ctx, d, pubOpts...); err != nil {
			return err
		}
	}

	cacheDir := f.cacheDir
	if cacheDir == "" {
		if cacheDir, err = cache.DefaultDir(); err != nil {
			return err
		}
	}
	c, err := cache.Open(cacheDir, cache.WithLogger(u.logger()))
	if err != nil {
		return err
	}
	if changed("retries") {
		pubOpts = append(pubOpts, publish.WithRetries(f.retries, time.Second))
	}
	builderRef, err := image.ParseReference(pick("builder", f.builder, cfg.Builder, baseRef))
	if err != nil {
		return &usageError{err}
	}
	// Shared libraries come from a builder named as such, never the base.
	var libsBuilder image.Reference
	if changed("builder") || cfg.Builder != "" {
		libsBuilder = builderRef
	} else if f.vendorLibs {
		return &usageError{errors.New("--vendor-libs needs a builder image to copy libraries from\nhint: pass --builder IMAGE or set [tool.canto] builder")}
	}
	platform := pick("platform", f.platform, cfg.Platform, "")
	sdists := sdistBuilder(u, c, builderRef, platform, f.insecure)
	if ref := pick("cache-repo", f.cacheRepo, cfg.CacheRepo, ""); ref != "" {
		if err := shareWheels(sdists, u, ref, f.insecure); err != nil {
			return &usageError{err}
		}
	}
	resolver, err := newResolver(resolverConfig{
		dir: dir, project: lp.project, cache: c, indexURL: f.indexURL, jobs: f.jobs,
		getenv: e.getenv, ui: u, created: created,
		indexOpts: []index.Option{index.WithRetries(f.retries), index.WithStallTimeout(f.stallTimeout)},
		builder:   sdists,
	})
	if err != nil {
		return err
	}
	b, err := build.New(
		build.WithCache(c),
		build.WithResolver(resolver),
		build.WithProjectBuilder(build.LocalProjectBuilder{Cache: c, Created: created, Trees: sdists}),
		build.WithLogger(u.logger()),
		build.WithProgress(func(ev build.Event) { u.infof("%s", renderEvent(ev)) }),
		build.WithImageOptions(image.WithInsecure(f.insecure)),
		build.WithWheelLimits(wheel.WithMaxTotalSize(f.maxWheelSize), wheel.WithMaxMembers(f.maxWheelMembers),
			wheel.WithMaxCompressionRatio(f.maxRatio, wheel.DefaultCompressionRatioMinSize)),
	)
	if err != nil {
		return err
	}
	res, err := b.Build(ctx, build.Request{
		Dir: dir, Project: lp.project, Lock: lp.lock,
		Base: base, Platform: platform,
		Groups: groups, Extras: sel.extras, AllExtras: sel.allExtras,
		Venv:       pick("venv", f.venv, cfg.Venv, config.DefaultVenv),
		Entrypoint: pickList("entrypoint", f.entrypoint, cfg.Entrypoint),
		Cmd:        pickList("cmd", f.cmd, cfg.Cmd),
		User:       pick("user", f.user, cfg.User, config.DefaultUser),
		WorkingDir: pick("workdir", f.workdir, cfg.WorkingDir, ""),
		Ports:      pickList("port", f.ports, cfg.Ports),
		Env:        env,
		Labels:     listToMap(labels),
		Created:    created,
		CheckLibs:  !f.noCheckLibs, VendorLibs: f.vendorLibs, Builder: libsBuilder,
		CompileBytecode: cfg.CompileBytecode && !changed("compile-bytecode") || f.compileBytecode,
	})
	if err != nil {
		return withLimitHint(err)
	}
	reused := 0
	for _, l := range res.Layers {
		if l.Cached {
			reused++
		}
	}
	u.infof("built %s for %s: %d packages, %d layers added (%d reused) in %s",
		res.Digest, res.Target, len(res.Plan.Packages), len(res.Layers), reused, time.Since(start).Round(time.Millisecond))
	for _, d := range dests {
		u.infof("writing %s", d)
		if _, err := publish.Write(ctx, res.Image, d, pubOpts...); err != nil {
			return fmt.Errorf("writing %s: %w", d, err)
		}
	}
	if f.asJSON {
		out := buildJSON{Digest: res.Digest.String(), Outputs: outputs, Target: res.Target.String()}
		for _, l := range res.Layers {
			out.Layers = append(out.Layers, buildLayerJSON{Kind: l.Kind, Name: l.Name, Digest: l.Digest.String(), Size: l.Size, Cached: l.Cached, Packages: l.Packages})
		}
		for _, p := range res.Plan.Packages {
			out.Plan = append(out.Plan, planPackageJSON{Name: p.Name, Version: p.Version, Artifact: artifactJSON(p.Artifact)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	_, err = fmt.Fprintln(e.stdout, res.Digest)
	return err
}

// withLimitHint names the flag that raises a wheel limit that was hit.
func withLimitHint(err error) error {
	var le *wheel.LimitError
	if !errors.As(err, &le) {
		return err
	}
	flag := map[string]string{
		"WithMaxTotalSize":        "--max-wheel-size",
		"WithMaxMembers":          "--max-wheel-members",
		"WithMaxCompressionRatio": "--max-compression-ratio",
	}[le.Option]
	if flag == "" {
		return err
	}
	// The library's hint names its Go option; the user needs the flag.
	return &rewordedError{msg: strings.ReplaceAll(err.Error(), "wheel."+le.Option, flag), err: err}
}

// rewordedError changes an error's text but not what it wraps.
type rewordedError struct {
	msg string
	err error
}

func (e *rewordedError) Error() string { return e.msg }
func (e *rewordedError) Unwrap() error { return e.err }

func renderEvent(ev build.Event) string {
	if ev.Total > 0 {
		return fmt.Sprintf("[%s %d/%d] %s", ev.Phase, ev.Current, ev.Total, ev.Message)
	}
	return fmt.Sprintf("[%s] %s", ev.Phase, ev.Message)
}

func mapToList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func listToMap(list []string) map[string]string {
	m := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func keyValues(flag string, list []string) ([]string, error) {
	for _, kv := range list {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, &usageError{fmt.Errorf("--%s %q: want KEY=VALUE", flag, kv)}
		}
	}
	return list, nil
}
