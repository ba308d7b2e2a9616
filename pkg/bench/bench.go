package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// SizeKind says how an image size was measured.
type SizeKind string

const (
	// DockerSize is the size `docker images` reports.
	DockerSize SizeKind = "docker"
	// UncompressedLayers is the sum of the uncompressed layers, used when
	// no Docker engine can load the image.
	UncompressedLayers SizeKind = "uncompressed-layers"
)

// ErrCannotRun is returned by Subject.Start when the subject has no way to
// run its image (canto's native build with no Docker engine).
var ErrCannotRun = errors.New("no engine can run this image")

// Workspace is where one measurement of one subject happens.
type Workspace struct {
	// Project is a fresh copy of the project; the subject may write into it.
	Project string
	// Scratch is an empty directory for the subject's caches and outputs.
	Scratch string
}

// A Subject is one way of building the project: a Dockerfile strategy
// built by a container engine, or canto's native build. Run calls Prepare,
// then Build with cold set, then Build again after each change; Layers,
// Size, Compressed and Start describe the image of the latest Build.
type Subject interface {
	// Name is the subject's name in tables, e.g. "slim" or "canto".
	Name() string
	// Builder says what builds it, e.g. "docker buildkit" or "canto".
	Builder() string
	// Prepare readies a workspace, e.g. writes the Dockerfile into it.
	Prepare(ctx context.Context, ws Workspace) error
	// Build builds the image. When cold is set, every cache it could use
	// (build cache, cache mounts, downloaded and built wheels) is emptied
	// first; emptying caches is part of the timed call only if it cannot
	// be separated, and subjects are expected to separate it.
	Build(ctx context.Context, cold bool) error
	// Layers returns the image's layer diff IDs, bottom first.
	Layers(ctx context.Context) ([]string, error)
	// Size returns the image's size and how it was measured.
	Size(ctx context.Context) (int64, SizeKind, error)
	// Compressed returns the compressed size of each of the given layers.
	Compressed(ctx context.Context, diffIDs []string) (map[string]int64, error)
	// Start starts a container of the image and returns the function that
	// stops it; ErrCannotRun if the subject cannot run images.
	Start(ctx context.Context) (stop func(context.Context) error, err error)
	// Cleanup removes the images and caches the subject made.
	Cleanup(ctx context.Context) error
}

// ColdPreparer is implemented by subjects that must empty caches before a
// cold build; Run calls it untimed, just before the timed cold Build.
type ColdPreparer interface {
	PrepareCold(ctx context.Context) error
}

// RunPreparer is implemented by subjects that must do work before Start
// that is not part of starting a container (canto's image is loaded into
// the engine); Run calls it untimed, just before the timed Start.
type RunPreparer interface {
	PrepareRun(ctx context.Context) error
}

// Prober waits until a started container answers, returning nil at the
// first answer.
type Prober func(ctx context.Context) error

// Change edits a project copy in place, e.g. adds a dependency.
type Change func(ctx context.Context, dir string) error

// Event is a progress report. Run hands them to the WithProgress callback.
type Event struct {
	// Rep is the repetition (1-based) out of Repeat.
	Rep, Repeat int
	// Subject is the subject's name.
	Subject string
	// Step is what happened: "copy", "cold build", "rebuild: ...", "sizes",
	// "probe", "cleanup", "failed".
	Step string
	// Took is the measured duration of a timed step.
	Took time.Duration
	// Message is a detail for people.
	Message string
}

// Skip records a subject that was not measured at all, and why.
type Skip struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Failure records a measurement that failed; the other subjects go on.
type Failure struct {
	Subject string `json:"subject"`
	Rep     int    `json:"rep"`
	Step    string `json:"step"`
	Error   string `json:"error"`
}

// SubjectResult is what was measured of one subject.
type SubjectResult struct {
	Name     string           `json:"name"`
	Builder  string           `json:"builder"`
	SizeKind SizeKind         `json:"size_kind,omitempty"`
	Metrics  map[Metric]Stats `json:"metrics"`
}

// Report is the outcome of Run.
type Report struct {
	Project  string          `json:"project"`
	Repeat   int             `json:"repeat"`
	ProbeURL string          `json:"probe_url,omitempty"`
	Started  time.Time       `json:"started"`
	Took     float64         `json:"took_seconds"`
	Subjects []SubjectResult `json:"subjects"`
	Skipped  []Skip          `json:"skipped,omitempty"`
	Failures []Failure       `json:"failures,omitempty"`
}

// Subject returns the result named name, or nil.
func (r *Report) Subject(name string) *SubjectResult {
	for i := range r.Subjects {
		if r.Subjects[i].Name == name {
			return &r.Subjects[i]
		}
	}
	return nil
}

// DefaultRepeat is how many times each measurement is repeated by default.
const DefaultRepeat = 3

// PyprojectComment is the line appended to pyproject.toml to bust caches,
// as in the classic comparison.
const PyprojectComment = "# cache busting comment\n"

// CodeComment is the line appended to a Python file of the project.
const CodeComment = "# canto bench: code change\n"

type options struct {
	repeat   int
	clock    func() time.Time
	progress func(Event)
	logger   *slog.Logger
	prober   Prober
	probeURL string
	addDep   Change
	codeFile string
	tempDir  string
	keep     bool
	skipped  []Skip
}

// Option configures Run.
type Option func(*options)

// WithRepeat sets how many times each subject is measured (default
// DefaultRepeat).
func WithRepeat(n int) Option { return func(o *options) { o.repeat = n } }

// WithClock sets the clock that times steps (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithProgress sets a callback for progress events (default none).
func WithProgress(f func(Event)) Option { return func(o *options) { o.progress = f } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithProbe measures FirstAnswer with p; url is recorded in the report
// (default: no probe, and no FirstAnswer metric).
func WithProbe(url string, p Prober) Option {
	return func(o *options) { o.probeURL, o.prober = url, p }
}

// WithDependencyChange sets the change that adds a dependency, e.g.
// PoetryAdd (default: none, and no RebuildDependency or PushAfterDependency
// metric).
func WithDependencyChange(c Change) Option { return func(o *options) { o.addDep = c } }

// WithCodeFile sets the Python file, relative to the project, that the code
// change appends to (default: the first package __init__.py outside tests,
// in lexical order; see CodeFile).
func WithCodeFile(rel string) Option { return func(o *options) { o.codeFile = rel } }

// WithTempDir sets where the project copies go (default os.TempDir()).
// Run makes one directory inside it and removes it afterwards unless
// WithKeep.
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithKeep keeps the images and copies Run made (default: removed).
func WithKeep(keep bool) Option { return func(o *options) { o.keep = keep } }

// WithSkipped records subjects the caller could not measure (e.g. with no
// Docker engine), so the report says so.
func WithSkipped(s ...Skip) Option { return func(o *options) { o.skipped = append(o.skipped, s...) } }

// Run measures each subject on fresh copies of the project in dir, which
// it never modifies. Each repetition measures every subject once, in an
// order rotated by one per repetition, so that slow phases of a noisy
// machine spread over all subjects. For each subject and repetition:
// a cold build (after PrepareCold), the image's size, compressed size and
// layer count, a rebuild after PyprojectComment is appended to
// pyproject.toml, a rebuild after the dependency change (and the push
// bytes it causes), a rebuild after CodeComment is appended to the code
// file, and the time to the first answer of a container of the last image.
// A failed measurement is recorded in Report.Failures and the next subject
// goes on; Run returns an error only when nothing could be measured.
func Run(ctx context.Context, dir string, subjects []Subject, opts ...Option) (*Report, error) {
	o := options{repeat: DefaultRepeat, clock: time.Now, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, opt := range opts {
		opt(&o)
	}
	if o.repeat < 1 {
		return nil, fmt.Errorf("repeat must be at least 1, got %d", o.repeat)
	}
	if len(subjects) == 0 {
		return nil, errors.New("nothing to measure\nhint: name at least one strategy")
	}
	if (o.probeURL == "") != (o.prober == nil) {
		return nil, errors.New("a probe needs both a URL and a prober")
	}
	seen := map[string]bool{}
	for _, s := range subjects {
		if seen[s.Name()] {
			return nil, fmt.Errorf("subject %q given twice", s.Name())
		}
		seen[s.Name()] = true
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving %q: %w", dir, err)
	}
	for _, f := range []string{"pyproject.toml", "poetry.lock"} {
		if _, err := os.Stat(filepath.Join(abs, f)); err != nil {
			return nil, fmt.Errorf("reading %q: %w\nhint: canto bench needs a Poetry project with a lock", filepath.Join(dir, f), err)
		}
	}
	if o.codeFile == "" {
		if o.codeFile, err = CodeFile(abs); err != nil {
			return nil, err
		}
	}
	tmp, err := os.MkdirTemp(o.tempDir, "canto-bench-")
	if err != nil {
		return nil, fmt.Errorf("making a work directory: %w", err)
	}
	r := &runner{o: o, src: abs, tmp: tmp}
	rep := &Report{Project: filepath.Base(abs), Repeat: o.repeat, ProbeURL: o.probeURL, Started: o.clock().UTC(), Skipped: o.skipped}
	samples := make([]map[Metric][]float64, len(subjects))
	sizeKinds := make([]SizeKind, len(subjects))
	for i := range samples {
		samples[i] = map[Metric][]float64{}
	}
	measured := 0
	// However Run ends, the report holds what was measured and the work
	// directory goes.
	defer func() {
		for i, s := range subjects {
			res := SubjectResult{Name: s.Name(), Builder: s.Builder(), SizeKind: sizeKinds[i], Metrics: map[Metric]Stats{}}
			for m, vs := range samples[i] {
				if st := Summarize(vs); st.N > 0 {
					res.Metrics[m] = st
				}
			}
			rep.Subjects = append(rep.Subjects, res)
		}
		rep.Took = o.clock().Sub(rep.Started).Seconds()
		if !o.keep {
			if err := os.RemoveAll(tmp); err != nil {
				o.logger.Warn("removing the work directory", "dir", tmp, "err", err)
			}
		}
	}()
	for k := 0; k < o.repeat; k++ {
		for j := range subjects {
			i := (j + k) % len(subjects)
			s := subjects[i]
			vals, kind, err := r.measure(ctx, k+1, s)
			if kind != "" {
				sizeKinds[i] = kind
			}
			for m, v := range vals {
				samples[i][m] = append(samples[i][m], v)
			}
			if err != nil {
				var f *stepError
				step, msg := "", err.Error()
				if errors.As(err, &f) {
					step, msg = f.step, f.err.Error()
				}
				rep.Failures = append(rep.Failures, Failure{Subject: s.Name(), Rep: k + 1, Step: step, Error: msg})
				r.emit(Event{Rep: k + 1, Subject: s.Name(), Step: "failed", Message: err.Error()})
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
			} else {
				measured++
			}
		}
	}
	if measured == 0 {
		return rep, errors.New("every measurement failed")
	}
	return rep, nil
}

type runner struct {
	o   options
	src string
	tmp string
}

type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func (r *runner) emit(ev Event) {
	if r.o.progress != nil {
		ev.Repeat = r.o.repeat
		r.o.progress(ev)
	}
}

// measure runs the sequence of one repetition of one subject. Values of
// steps that ran before a failure are kept.
func (r *runner) measure(ctx context.Context, rep int, s Subject) (vals map[Metric]float64, kind SizeKind, err error) {
	vals = map[Metric]float64{}
	fail := func(step string, err error) (map[Metric]float64, SizeKind, error) {
		return vals, kind, &stepError{step: step, err: err}
	}
	base := filepath.Join(r.tmp, fmt.Sprintf("%d-%s", rep, s.Name()))
	ws := Workspace{Project: filepath.Join(base, "project"), Scratch: filepath.Join(base, "scratch")}
	if err := copyTree(r.src, ws.Project); err != nil {
		return fail("copy", err)
	}
	if err := os.MkdirAll(ws.Scratch, 0o755); err != nil {
		return fail("copy", err)
	}
	defer func() {
		if r.o.keep {
			return
		}
		if cerr := s.Cleanup(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = &stepError{step: "cleanup", err: cerr}
		}
		if rerr := os.RemoveAll(base); rerr != nil {
			r.o.logger.Warn("removing a project copy", "dir", base, "err", rerr)
		}
		r.emit(Event{Rep: rep, Subject: s.Name(), Step: "cleanup"})
	}()
	if err := s.Prepare(ctx, ws); err != nil {
		return fail("prepare", err)
	}
	timed := func(m Metric, step string, cold bool) error {
		if cold {
			if cp, ok := s.(ColdPreparer); ok {
				if err := cp.PrepareCold(ctx); err != nil {
					return &stepError{step: step, err: err}
				}
			}
		}
		r.emit(Event{Rep: rep, Subject: s.Name(), Step: step, Message: "building"})
		start := r.o.clock()
		if err := s.Build(ctx, cold); err != nil {
			return &stepError{step: step, err: err}
		}
		took := r.o.clock().Sub(start)
		vals[m] = took.Seconds()
		r.emit(Event{Rep: rep, Subject: s.Name(), Step: step, Took: took})
		return nil
	}

	// 1. Cold build, then what the image weighs.
	if err := timed(ColdBuild, "cold build", true); err != nil {
		return vals, kind, err
	}
	size, k, err := s.Size(ctx)
	if err != nil {
		return fail("size", err)
	}
	kind = k
	vals[ImageSize] = float64(size)
	ids, err := s.Layers(ctx)
	if err != nil {
		return fail("layers", err)
	}
	vals[LayerCount] = float64(len(ids))
	comp, err := s.Compressed(ctx, ids)
	if err != nil {
		return fail("compressed size", err)
	}
	vals[CompressedSize] = float64(sumOf(ids, comp))
	r.emit(Event{Rep: rep, Subject: s.Name(), Step: "sizes", Message: fmt.Sprintf("%d bytes (%s), %d compressed, %d layers", size, kind, sumOf(ids, comp), len(ids))})

	// 2. The classic cache bust: a comment appended to pyproject.toml.
	if err := appendTo(filepath.Join(ws.Project, "pyproject.toml"), PyprojectComment); err != nil {
		return fail("rebuild: pyproject comment", err)
	}
	if err := timed(RebuildPyproject, "rebuild: pyproject comment", false); err != nil {
		return vals, kind, err
	}

	// 3. A real dependency change, and what a push of its image sends.
	if r.o.addDep != nil {
		before, err := s.Layers(ctx)
		if err != nil {
			return fail("layers", err)
		}
		if err := r.o.addDep(ctx, ws.Project); err != nil {
			return fail("add dependency", err)
		}
		if err := timed(RebuildDependency, "rebuild: dependency added", false); err != nil {
			return vals, kind, err
		}
		after, err := s.Layers(ctx)
		if err != nil {
			return fail("layers", err)
		}
		fresh := newLayers(before, after)
		comp, err := s.Compressed(ctx, fresh)
		if err != nil {
			return fail("push size", err)
		}
		vals[PushAfterDependency] = float64(sumOf(fresh, comp))
		r.emit(Event{Rep: rep, Subject: s.Name(), Step: "push size", Message: fmt.Sprintf("%d new layers, %d bytes", len(fresh), sumOf(fresh, comp))})
	}

	// 4. A code change.
	if err := appendTo(filepath.Join(ws.Project, r.o.codeFile), CodeComment); err != nil {
		return fail("rebuild: code change", err)
	}
	if err := timed(RebuildCode, "rebuild: code change", false); err != nil {
		return vals, kind, err
	}

	// 5. Start to first answer.
	if r.o.prober != nil {
		took, err := r.probe(ctx, s)
		switch {
		case errors.Is(err, ErrCannotRun):
			r.emit(Event{Rep: rep, Subject: s.Name(), Step: "probe", Message: "skipped: " + err.Error()})
		case err != nil:
			return fail("probe", err)
		default:
			vals[FirstAnswer] = took.Seconds()
			r.emit(Event{Rep: rep, Subject: s.Name(), Step: "probe", Took: took})
		}
	}
	return vals, kind, nil
}

func (r *runner) probe(ctx context.Context, s Subject) (time.Duration, error) {
	if rp, ok := s.(RunPreparer); ok {
		if err := rp.PrepareRun(ctx); err != nil {
			return 0, err
		}
	}
	// The first start of an image the engine has just built or loaded pays
	// one-off costs that later starts do not (0.1–0.5 s for a freshly
	// loaded image on the test world's Docker), and only canto's image is
	// loaded right before its probe. So every subject gets one untimed start
	// first, and the timed start is the second.
	if _, err := r.startAndAnswer(ctx, s); err != nil {
		return 0, err
	}
	return r.startAndAnswer(ctx, s)
}

// startAndAnswer starts a container of s, waits for its first answer and
// stops it, returning the time from the start to the answer.
func (r *runner) startAndAnswer(ctx context.Context, s Subject) (took time.Duration, err error) {
	start := r.o.clock()
	stop, err := s.Start(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		if serr := stop(context.WithoutCancel(ctx)); serr != nil && err == nil {
			err = fmt.Errorf("stopping the container: %w", serr)
		}
	}()
	if err := r.o.prober(ctx); err != nil {
		return 0, err
	}
	return r.o.clock().Sub(start), nil
}

// sumOf adds the sizes of ids; Subject.Compressed reports every one.
func sumOf(ids []string, sizes map[string]int64) int64 {
	var n int64
	for _, id := range ids {
		n += sizes[id]
	}
	return n
}

// newLayers returns the layers of after that before did not have, in
// order, each once.
func newLayers(before, after []string) []string {
	had := map[string]bool{}
	for _, id := range before {
		had[id] = true
	}
	var out []string
	for _, id := range after {
		if !had[id] {
			out = append(out, id)
			had[id] = true
		}
	}
	return out
}

func appendTo(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("appending to %q: %w", path, err)
	}
	if _, err := io.WriteString(f, text); err != nil {
		_ = f.Close()
		return fmt.Errorf("appending to %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("appending to %q: %w", path, err)
	}
	return nil
}
