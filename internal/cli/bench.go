package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/canto-build/canto/pkg/bench"
	"github.com/canto-build/canto/pkg/config"
	"github.com/canto-build/canto/pkg/dockerfile"
)

type benchFlags struct {
	strategies                  []string
	repeat                      int
	asJSON, keep, vendorLibs    bool
	compileBytecode             bool
	svg, jsonOut                string
	docker                      string
	probeURL                    string
	probeTimeout                time.Duration
	cmd, cantoEntrypoint        string
	addDependency, poetry       string
	codeFile, tmpDir            string
	indexURL, poetryVersion     string
	base, builderBase, fullBase string
	cantoBase, cantoBuilder     string
}

// allBenchStrategies are the Dockerfile strategies and canto's native build.
func allBenchStrategies() []string {
	out := make([]string, 0, len(dockerfile.Strategies)+1)
	for _, s := range dockerfile.Strategies {
		out = append(out, string(s))
	}
	return append(out, bench.Native)
}

// benchEngine is a container engine that can say whether it is there.
type benchEngine interface {
	bench.Engine
	Ping(ctx context.Context) (string, error)
}

// benchDeps are the outside world of canto bench; tests replace them.
type benchDeps struct {
	engine func(f benchFlags, u *ui) benchEngine
	native func(f benchFlags, u *ui) (bench.NativeBuilder, error)
	clock  func() time.Time
}

func defaultBenchDeps() benchDeps {
	return benchDeps{
		engine: func(f benchFlags, u *ui) benchEngine {
			return bench.NewDocker(bench.WithDockerBinary(f.docker), bench.WithBuildKit(true), bench.WithDockerLogger(u.logger()))
		},
		native: selfNativeBuilder,
		clock:  time.Now,
	}
}

func newBenchCommand(e *env) *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench [DIR]",
		Short: "Measure the classic Dockerfile strategies and canto's build side by side",
		Long: `bench measures, on temporary copies of the project in DIR (which is never
modified), each named strategy: the Dockerfile strategies of "canto dockerfile"
(built by Docker with BuildKit) and canto's native build ("canto"). For each
strategy and repetition it times a cold build (Docker: docker builder prune -af
then --no-cache; canto: an empty cache directory), then rebuilds after a comment
is appended to pyproject.toml (the classic comparison's cache bust), after
"poetry add --lock NAME" adds a dependency, and after a comment is appended to
a Python file of the project. It records the image size as "docker images"
shows it, the compressed size, the layer count, the compressed bytes of the
layers that are new after the dependency change (what a push sends), and with
--probe-url the time from starting a container to its first HTTP answer.

Strategies are interleaved: every repetition runs each once, starting one
later each time, to spread the noise of the machine. The table shows the median
and the spread (min–max). Without a Docker engine the Dockerfile strategies are
skipped and canto's build is still measured. Images are removed afterwards
unless --keep. See docs/benchmarks.md.`,
		Example: `  # Everything, three times, with a chart
  canto bench ./myapp --canto-base python:3.11-slim-bookworm --svg bench.svg

  # In the offline test world
  canto bench examples/gunicorn-web --strategies recommended,canto --repeat 1 \
      --index-url $CANTO_TW_INDEX_URL --base canto-testworld/slim \
      --canto-base $CANTO_TW_BASE_SLIM --docker /usr/bin/docker \
      --probe-url http://127.0.0.1:8001/ --json`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runBench(cmd.Context(), e, dir, f, defaultBenchDeps())
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.strategies, "strategies", allBenchStrategies(), "`NAMES` of the strategies to measure, comma-separated: "+strings.Join(allBenchStrategies(), ", "))
	fl.IntVar(&f.repeat, "repeat", bench.DefaultRepeat, "`N` times to measure each strategy")
	fl.BoolVar(&f.asJSON, "json", false, "print the results as JSON instead of a Markdown table")
	fl.StringVar(&f.svg, "svg", "", "also write a bar chart of the results to `FILE`")
	fl.StringVar(&f.jsonOut, "json-out", "", "also write the results as JSON to `FILE`")
	fl.BoolVar(&f.keep, "keep", false, "keep the images and project copies")
	fl.StringVar(&f.docker, "docker", "docker", "docker client `BINARY` (BuildKit builds need Docker 23+, or 18.09+ with DOCKER_BUILDKIT=1, which bench sets)")
	fl.StringVar(&f.probeURL, "probe-url", "", "`URL` to fetch from a started container, to time its first answer; each image is started once untimed, then timed (default: not measured)")
	fl.DurationVar(&f.probeTimeout, "probe-timeout", 60*time.Second, "how long to wait for the first answer")
	fl.StringVar(&f.cmd, "cmd", "", "the containers' `COMMAND` in the Dockerfiles, split like a shell would (default: the project's only console script)")
	fl.StringVar(&f.cantoEntrypoint, "canto-entrypoint", "", "the `ENTRYPOINT` of canto's image, split like a shell would (default: [tool.canto] or the project's only console script)")
	fl.StringVar(&f.addDependency, "add-dependency", "canto-testpkg", "the `PACKAGE` that `poetry add --lock` adds for the dependency change")
	fl.StringVar(&f.poetry, "poetry", "poetry", "Poetry `BINARY` for the dependency change")
	fl.StringVar(&f.codeFile, "code-file", "", "the Python `FILE` (relative to DIR) the code change appends to (default: the first package __init__.py)")
	fl.StringVar(&f.tmpDir, "tmp-dir", "", "`DIR` to put the project copies in (default: the system's temporary directory)")
	fl.StringVar(&f.indexURL, "index-url", "", "package index `URL` for the Dockerfiles' pip and Poetry and for canto")
	fl.StringVar(&f.poetryVersion, "poetry-version", dockerfile.DefaultPoetryVersion, "Poetry `VERSION` the Dockerfiles pin")
	fl.StringVar(&f.base, "base", "", "base `IMAGE` of the Dockerfiles' final stage (default python:X.Y-slim-bookworm)")
	fl.StringVar(&f.builderBase, "builder-base", "", "base `IMAGE` of the Dockerfiles' build stages (default: --base)")
	fl.StringVar(&f.fullBase, "full-base", "", "base `IMAGE` of the full strategy (default: --builder-base, else python:X.Y-bookworm)")
	fl.StringVar(&f.cantoBase, "canto-base", "", "base `IMAGE` of canto's build, as canto build --base (default: [tool.canto] base)")
	fl.BoolVar(&f.vendorLibs, "canto-vendor-libs", false, "pass --vendor-libs to canto build: copy the shared libraries the venv needs from --canto-builder")
	fl.BoolVar(&f.compileBytecode, "canto-compile-bytecode", false, "pass --compile-bytecode to canto build: precompile .pyc files, as the Dockerfiles' pip and Poetry do")
	fl.StringVar(&f.cantoBuilder, "canto-builder", "", "`IMAGE` canto compiles sdists in, as canto build --builder (default: --canto-base)")
	return cmd
}

func runBench(ctx context.Context, e *env, dir string, f benchFlags, deps benchDeps) error {
	u := e.ui()
	if f.repeat < 1 {
		return &usageError{fmt.Errorf("--repeat must be at least 1, got %d", f.repeat)}
	}
	var dockerStrategies []dockerfile.Strategy
	native := false
	seen := map[string]bool{}
	for _, s := range f.strategies {
		s = strings.TrimSpace(s)
		if seen[s] {
			return &usageError{fmt.Errorf("--strategies names %q twice", s)}
		}
		seen[s] = true
		if s == bench.Native {
			native = true
			continue
		}
		st, err := dockerfile.ParseStrategy(s)
		if err != nil {
			return &usageError{fmt.Errorf("--strategies: %w", withNative(err))}
		}
		dockerStrategies = append(dockerStrategies, st)
	}
	if len(dockerStrategies) == 0 && !native {
		return &usageError{errors.New("--strategies is empty\nhint: e.g. --strategies recommended,canto")}
	}
	var command []string
	if f.cmd != "" {
		var err error
		if command, err = splitCommand(f.cmd); err != nil {
			return &usageError{fmt.Errorf("reading --cmd: %w", err)}
		}
	}
	if f.cantoEntrypoint != "" {
		if _, err := splitCommand(f.cantoEntrypoint); err != nil {
			return &usageError{fmt.Errorf("reading --canto-entrypoint: %w", err)}
		}
	}
	lp, err := loadProject(dir)
	if err != nil {
		return err
	}
	if native && f.cantoBase == "" {
		cfg, err := config.FromProject(lp.project)
		if err != nil {
			return err
		}
		if cfg.Base == "" {
			return &usageError{errors.New("canto's build needs a base image: pass --canto-base or set [tool.canto] base\nhint: e.g. --canto-base python:3.11-slim-bookworm or --canto-base oci:./images:slim")}
		}
	}

	engine := deps.engine(f, u)
	version, perr := engine.Ping(ctx)
	var skipped []bench.Skip
	var subjects []bench.Subject
	if perr != nil {
		reason := "no Docker engine: " + firstLine(perr.Error())
		if len(dockerStrategies) > 0 {
			u.infof("skipping the Dockerfile strategies: %s", reason)
		}
		if native {
			u.infof("canto's image is measured without Docker: its size is the sum of its uncompressed layers, and it is not run")
		}
		for _, s := range dockerStrategies {
			skipped = append(skipped, bench.Skip{Name: string(s), Reason: reason})
		}
		engine = nil
	} else {
		u.infof("docker engine %s (BuildKit)", version)
	}
	tagSuffix := fmt.Sprintf("%d", os.Getpid())
	if engine != nil {
		for _, s := range dockerStrategies {
			base := f.base
			if s == dockerfile.Full {
				base = f.fullBase
				if base == "" {
					base = f.builderBase
				}
			}
			res, err := dockerfile.Generate(dockerfile.Options{
				Strategy: s, Project: lp.project, Lock: lp.lock,
				Base: base, BuilderBase: f.builderBase,
				PoetryVersion: f.poetryVersion, IndexURL: f.indexURL, Cmd: command,
			})
			if err != nil {
				return fmt.Errorf("writing the %s Dockerfile: %w", s, err)
			}
			tag := "canto-bench/" + string(s) + ":" + tagSuffix
			subjects = append(subjects, bench.NewDockerfileSubject(string(s), "docker buildkit", engine, tag, res.Dockerfile, res.Dockerignore))
		}
	}
	if native {
		nb, err := deps.native(f, u)
		if err != nil {
			return err
		}
		var eng bench.Engine
		if engine != nil {
			eng = engine
		}
		subjects = append(subjects, bench.NewNativeSubject(nb, eng, "canto-bench/canto:"+tagSuffix))
	}
	if len(subjects) == 0 {
		return errors.New("nothing left to measure: every strategy needs a Docker engine\nhint: start Docker, pass --docker BINARY, or add canto to --strategies")
	}

	opts := []bench.Option{
		bench.WithRepeat(f.repeat), bench.WithClock(deps.clock), bench.WithLogger(u.logger()),
		bench.WithKeep(f.keep), bench.WithTempDir(f.tmpDir), bench.WithSkipped(skipped...),
		bench.WithCodeFile(f.codeFile),
		bench.WithProgress(func(ev bench.Event) { u.infof("%s", renderBenchEvent(ev)) }),
	}
	if f.addDependency != "" {
		opts = append(opts, bench.WithDependencyChange(bench.PoetryAdd(f.poetry, f.addDependency,
			[]string{"PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring"})))
	}
	if f.probeURL != "" {
		opts = append(opts, bench.WithProbe(f.probeURL, bench.HTTPProber(f.probeURL, 50*time.Millisecond, f.probeTimeout)))
	}
	rep, runErr := bench.Run(ctx, dir, subjects, opts...)
	if rep == nil {
		return runErr
	}
	if f.svg != "" {
		var b bytes.Buffer
		if err := bench.WriteSVG(&b, rep); err != nil {
			return err
		}
		if err := writeFileAtomic(f.svg, b.Bytes()); err != nil {
			return err
		}
		u.infof("wrote %s", f.svg)
	}
	if f.jsonOut != "" {
		var b bytes.Buffer
		if err := bench.WriteJSON(&b, rep); err != nil {
			return err
		}
		if err := writeFileAtomic(f.jsonOut, b.Bytes()); err != nil {
			return err
		}
		u.infof("wrote %s", f.jsonOut)
	}
	if f.asJSON {
		err = bench.WriteJSON(e.stdout, rep)
	} else {
		err = bench.WriteMarkdown(e.stdout, rep)
	}
	if err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if len(rep.Failures) > 0 {
		return fmt.Errorf("%d measurement(s) failed; the first: %s, repetition %d, %s", len(rep.Failures), rep.Failures[0].Subject, rep.Failures[0].Rep, rep.Failures[0].Error)
	}
	return nil
}

// withNative adds canto to an unknown-strategy hint.
func withNative(err error) error {
	var us *dockerfile.UnknownStrategyError
	if !errors.As(err, &us) {
		return err
	}
	return fmt.Errorf("unknown strategy %q\nhint: choose from %s", us.Name, strings.Join(allBenchStrategies(), ", "))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func renderBenchEvent(ev bench.Event) string {
	head := fmt.Sprintf("[%d/%d %s] %s", ev.Rep, ev.Repeat, ev.Subject, ev.Step)
	switch {
	case ev.Took > 0:
		return fmt.Sprintf("%s: %.1f s", head, ev.Took.Seconds())
	case ev.Message != "":
		return head + ": " + firstLine(ev.Message)
	}
	return head
}

// selfNativeBuilder runs this very binary's `canto build`, so the time
// measured is what a user of the command waits for.
func selfNativeBuilder(f benchFlags, u *ui) (bench.NativeBuilder, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the canto binary: %w", err)
	}
	var entry []string
	if f.cantoEntrypoint != "" {
		words, err := splitCommand(f.cantoEntrypoint)
		if err != nil {
			return nil, &usageError{fmt.Errorf("reading --canto-entrypoint: %w", err)}
		}
		for _, w := range words {
			entry = append(entry, "--entrypoint", w)
		}
	}
	return bench.NativeBuilderFunc(func(ctx context.Context, req bench.NativeRequest) error {
		args := []string{"build", req.Dir, "--quiet", "--cache-dir", req.CacheDir, "-o", "oci:" + req.Layout + ":" + req.Tag}
		if f.cantoBase != "" {
			args = append(args, "--base", f.cantoBase)
		}
		if f.cantoBuilder != "" {
			args = append(args, "--builder", f.cantoBuilder)
		}
		if f.indexURL != "" {
			args = append(args, "--index-url", f.indexURL)
		}
		if f.vendorLibs {
			args = append(args, "--vendor-libs")
		}
		if f.compileBytecode {
			args = append(args, "--compile-bytecode")
		}
		args = append(args, entry...)
		c := exec.CommandContext(ctx, self, args...)
		var errb bytes.Buffer
		c.Stderr = &errb
		u.logger().Debug("canto build", "args", args)
		if err := c.Run(); err != nil {
			// The first error line says what went wrong; the rest is detail.
			why := err.Error()
			for _, l := range strings.Split(errb.String(), "\n") {
				if msg, ok := strings.CutPrefix(l, "error: "); ok {
					why = msg
					break
				}
			}
			return fmt.Errorf("canto build: %s\ncanto %s: %w\n%s", why, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
		}
		return nil
	}), nil
}
