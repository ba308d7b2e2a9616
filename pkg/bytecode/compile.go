package bytecode

import (
	"bytes"
	"context"
	_ "embed" // compiler.py
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/canto-build/canto/pkg/sandbox"
	"github.com/canto-build/canto/pkg/wheel"
)

//go:embed compiler.py
var compilerPy []byte

// Mode names the kind of .pyc files this package writes, for cache keys:
// PEP 552 hash-based files that the interpreter does not check against
// their source (py_compile's PycInvalidationMode.UNCHECKED_HASH).
const Mode = "unchecked-hash"

// workDir is where a batch's work directory appears inside the sandbox.
const workDir = "/canto-bytecode"

// maxOutput bounds how much of the interpreter's output is kept for an
// error message.
const maxOutput = 16 << 10

// Runner runs a sandbox; sandbox.Run is the default.
type Runner func(ctx context.Context, spec sandbox.Spec) (*sandbox.Result, error)

// Compiler compiles Python sources with one interpreter inside a root
// filesystem, one [Batch] at a time.
type Compiler struct {
	rootfs, python string
	run            Runner
	log            *slog.Logger
	tempDir        string
}

// Option configures a [Compiler].
type Option func(*Compiler)

// WithRunner replaces sandbox.Run, e.g. to count or wrap sandbox runs.
func WithRunner(r Runner) Option { return func(c *Compiler) { c.run = r } }

// WithLogger receives a debug line for each file that does not compile
// (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *Compiler) { c.log = l } }

// WithTempDir sets where batches keep their sources while they wait to be
// compiled (default os.TempDir()).
func WithTempDir(dir string) Option { return func(c *Compiler) { c.tempDir = dir } }

// New returns a Compiler that runs python, an absolute path inside the
// unpacked root filesystem rootfs (see sandbox.RootFS), which must be able
// to run on this machine.
func New(rootfs, python string, opts ...Option) (*Compiler, error) {
	c := &Compiler{rootfs: rootfs, python: python, run: sandbox.Run, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(c)
	}
	if !filepath.IsAbs(rootfs) {
		return nil, fmt.Errorf("creating a bytecode compiler: root filesystem %q is not an absolute path", rootfs)
	}
	if !path.IsAbs(python) || path.Clean(python) != python {
		return nil, fmt.Errorf("creating a bytecode compiler: interpreter %q is not a clean absolute path", python)
	}
	return c, nil
}

// Stats says what a batch compiled.
type Stats struct {
	// Compiled counts the .pyc files written.
	Compiled int
	// Failed lists the sources that do not compile, one "path: error" line
	// each (Python 2 code in a test directory, say). pip and uv leave them
	// uncompiled too, and so does a Batch.
	Failed []string
}

// Batch is a [wheel.Destination] that passes every file on to another
// destination and keeps a copy of each Python source under the batch's
// directories; [Batch.Finish] compiles those in one fresh interpreter and
// writes the .pyc files into the same destination, beside their sources in
// __pycache__ as the interpreter looks for them. A batch is one layer:
// the same files in the same batch always give the same bytes.
//
// The .pyc files are not listed in the installed projects' RECORD files, as
// with uv's --compile-bytecode; uninstallers remove __pycache__ anyway.
type Batch struct {
	c    *Compiler
	dst  wheel.Destination
	dirs []string
	work string

	mu      sync.Mutex
	next    int      // number of the next source kept
	sources []source // the sources kept in full
	written map[string]bool
}

type source struct {
	path string
	num  int
}

// NewBatch starts a batch that writes into dst and compiles the ".py"
// files written below any of dirs (absolute paths, such as a venv's
// site-packages). Close removes its temporary files.
func (c *Compiler) NewBatch(dst wheel.Destination, dirs ...string) (*Batch, error) {
	for _, d := range dirs {
		if !path.IsAbs(d) || path.Clean(d) != d {
			return nil, fmt.Errorf("starting a bytecode batch: directory %q is not a clean absolute path", d)
		}
	}
	work, err := os.MkdirTemp(c.tempDir, "canto-bytecode-")
	if err != nil {
		return nil, fmt.Errorf("starting a bytecode batch: %w", err)
	}
	for _, d := range []string{"src", "out"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o755); err != nil {
			_ = os.RemoveAll(work) // best effort: the error that matters is the one above
			return nil, fmt.Errorf("starting a bytecode batch: %w", err)
		}
	}
	return &Batch{c: c, dst: dst, dirs: slices.Clone(dirs), work: work, written: map[string]bool{}}, nil
}

func (b *Batch) wanted(p string) bool {
	if !strings.HasSuffix(p, ".py") || path.Base(p) == ".py" {
		return false
	}
	for _, d := range b.dirs {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// WriteFile implements [wheel.Destination].
func (b *Batch) WriteFile(p string, mode fs.FileMode, size int64, r io.Reader) error {
	b.mu.Lock()
	b.written[p] = true
	if !b.wanted(p) {
		b.mu.Unlock()
		return b.dst.WriteFile(p, mode, size, r)
	}
	num := b.next
	b.next++
	b.mu.Unlock()

	name := filepath.Join(b.work, "src", strconv.Itoa(num))
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("keeping %q for bytecode: %w", p, err)
	}
	werr := b.dst.WriteFile(p, mode, size, io.TeeReader(r, f))
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return fmt.Errorf("keeping %q for bytecode: %w", p, cerr)
	}
	b.mu.Lock()
	b.sources = append(b.sources, source{path: p, num: num})
	b.mu.Unlock()
	return nil
}

// Finish compiles the batch's sources in one sandboxed run of the
// interpreter and writes each .pyc into the destination. A source that
// does not compile is left without one and reported in Stats.Failed. A
// .pyc the destination was already given (a wheel that ships its own) is
// kept. Finish writes nothing and runs nothing when there is no source.
func (b *Batch) Finish(ctx context.Context) (Stats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	todo := slices.Clone(b.sources)
	if len(todo) == 0 {
		return Stats{}, nil
	}
	slices.SortFunc(todo, func(x, y source) int { return strings.Compare(x.path, y.path) })
	var list bytes.Buffer
	for _, s := range todo {
		fmt.Fprintf(&list, "%d\x00%s\x00", s.num, s.path)
	}
	if err := os.WriteFile(filepath.Join(b.work, "list"), list.Bytes(), 0o644); err != nil {
		return Stats{}, fmt.Errorf("compiling bytecode: %w", err)
	}
	if err := os.WriteFile(filepath.Join(b.work, "compiler.py"), compilerPy, 0o644); err != nil {
		return Stats{}, fmt.Errorf("compiling bytecode: %w", err)
	}
	out := &tailBuffer{max: maxOutput}
	res, err := b.c.run(ctx, sandbox.Spec{
		RootFS: b.c.rootfs,
		Binds:  []sandbox.Bind{{Source: b.work, Target: workDir, Writable: true}},
		Args:   []string{b.c.python, "-s", "-S", "-B", "-W", "ignore", workDir + "/compiler.py", workDir},
		Env: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
			"PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1",
		},
		Stdout: out,
		Stderr: out,
	})
	if err != nil {
		return Stats{}, fmt.Errorf("compiling bytecode with %s: %w", b.c.python, err)
	}
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(out.String())
		if msg == "" {
			msg = "(no output)"
		}
		return Stats{}, fmt.Errorf("compiling bytecode with %s: exit code %d:\n%s", b.c.python, res.ExitCode, msg)
	}
	tagData, err := os.ReadFile(filepath.Join(b.work, "tag"))
	if err != nil {
		return Stats{}, fmt.Errorf("compiling bytecode with %s: %w", b.c.python, err)
	}
	tag := string(tagData)
	if !validTag.MatchString(tag) {
		return Stats{}, fmt.Errorf("compiling bytecode with %s: unusable cache tag %q", b.c.python, tag)
	}
	var st Stats
	for _, s := range todo {
		pyc := CachePath(s.path, tag)
		if b.written[pyc] {
			continue
		}
		name := filepath.Join(b.work, "out", strconv.Itoa(s.num))
		data, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // reported in errors
		}
		if err != nil {
			return st, fmt.Errorf("compiling bytecode: %w", err)
		}
		if err := b.dst.WriteFile(pyc, 0o644, int64(len(data)), bytes.NewReader(data)); err != nil {
			return st, fmt.Errorf("writing %q: %w", pyc, err)
		}
		b.written[pyc] = true
		st.Compiled++
	}
	errs, err := os.ReadFile(filepath.Join(b.work, "errors"))
	if err != nil {
		return st, fmt.Errorf("compiling bytecode: %w", err)
	}
	for _, line := range strings.Split(string(errs), "\n") {
		if line != "" {
			st.Failed = append(st.Failed, line)
			b.c.log.Debug("source left without bytecode", "error", line)
		}
	}
	return st, nil
}

// Close removes the batch's temporary files.
func (b *Batch) Close() error {
	if err := os.RemoveAll(b.work); err != nil {
		return fmt.Errorf("removing bytecode work directory: %w", err)
	}
	return nil
}

var validTag = regexp.MustCompile(`^[a-z][a-z0-9_.-]*$`)

// CachePath is where the interpreter with cache tag tag looks for the
// bytecode of the source file p, as importlib.util.cache_from_source says
// at optimization level 0: "dir/x.py" -> "dir/__pycache__/x.<tag>.pyc".
func CachePath(p, tag string) string {
	dir, file := path.Split(p)
	stem := file
	if i := strings.LastIndexByte(file, '.'); i > 0 {
		stem = file[:i]
	}
	return path.Join(dir, "__pycache__", stem+"."+tag+".pyc")
}

// tailBuffer keeps the last max bytes written to it; it is safe for the
// sandbox's stdout and stderr copiers to share.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = slices.Delete(t.buf, 0, over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
