package bytecode_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/canto-build/canto/pkg/bytecode"
	"github.com/canto-build/canto/pkg/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Init()
	os.Exit(m.Run())
}

// python is the host's Debian interpreter; the host's root is the sandbox's
// root filesystem in these tests.
const python = "/usr/bin/python3"

func needPython(t *testing.T) {
	t.Helper()
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no %s on this machine (make deps installs python3)", python)
	}
}

// memDest is a wheel.Destination in memory.
type memDest map[string][]byte

func (m memDest) WriteFile(p string, _ fs.FileMode, _ int64, r io.Reader) error {
	if _, dup := m[p]; dup {
		return &fs.PathError{Op: "write", Path: p, Err: fs.ErrExist}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m[p] = data
	return nil
}

func (m memDest) paths() []string {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

const site = "/opt/venv/lib/python3.11/site-packages"

type file struct{ path, content string }

func compileAll(t *testing.T, files []file, opts ...bytecode.Option) (memDest, bytecode.Stats) {
	t.Helper()
	c, err := bytecode.New("/", python, append([]bytecode.Option{bytecode.WithTempDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	dst := memDest{}
	b, err := c.NewBatch(dst, site)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}()
	for _, f := range files {
		if err := b.WriteFile(f.path, 0o644, int64(len(f.content)), strings.NewReader(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := b.Finish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dst, st
}

var demo = []file{
	{site + "/demo/__init__.py", "from .core import answer\n"},
	{site + "/demo/core.py", "# -*- coding: utf-8 -*-\nNAMES = {'é', 'b', 'c', 'd'}\ndef answer():\n    return 'compiled ' + str(len(NAMES))\n"},
	{site + "/demo/data.txt", "not python\n"},
	{site + "/demo/py2.py", "print 'python 2'\n"},
	{"/opt/venv/bin/tool.py", "print('a script, left alone')\n"},
	{site + "/demo-1.0.dist-info/RECORD", "demo/__init__.py,,\n"},
}

func TestBatchCompiles(t *testing.T) {
	needPython(t)
	dst, st := compileAll(t, demo)
	want := []string{
		"/opt/venv/bin/tool.py",
		site + "/demo-1.0.dist-info/RECORD",
		site + "/demo/__init__.py",
		site + "/demo/__pycache__/__init__.cpython-311.pyc",
		site + "/demo/__pycache__/core.cpython-311.pyc",
		site + "/demo/core.py",
		site + "/demo/data.txt",
		site + "/demo/py2.py",
	}
	if diff := cmp.Diff(want, dst.paths()); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if st.Compiled != 2 || len(st.Failed) != 1 || !strings.HasPrefix(st.Failed[0], site+"/demo/py2.py: SyntaxError: ") {
		t.Errorf("stats = %+v, want 2 compiled and py2.py failing with a SyntaxError", st)
	}
	// Sources pass through untouched.
	for _, f := range demo {
		if got := string(dst[f.path]); got != f.content {
			t.Errorf("%s = %q, want %q", f.path, got, f.content)
		}
	}
	pyc := dst[site+"/demo/__pycache__/core.cpython-311.pyc"]
	if len(pyc) < 16 {
		t.Fatalf("pyc is %d bytes", len(pyc))
	}
	if flags := binary.LittleEndian.Uint32(pyc[4:8]); flags != 1 {
		t.Errorf("pyc flags = %d, want 1 (PEP 552 hash-based, unchecked)", flags)
	}
}

// TestBytecodeIsUsed proves the interpreter loads the .pyc files without
// reading their sources: the sources on disk are replaced by code that
// fails, and the import still gives the compiled answer, with python -v
// saying which file it took.
func TestBytecodeIsUsed(t *testing.T) {
	needPython(t)
	dst, _ := compileAll(t, demo)
	root := t.TempDir()
	for p, data := range dst {
		if strings.HasSuffix(p, ".py") {
			data = []byte("raise SystemExit('the source was read: " + filepath.Base(p) + "')\n")
		}
		hp := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(hp, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	res, err := sandbox.Run(context.Background(), sandbox.Spec{
		RootFS: "/",
		Binds:  []sandbox.Bind{{Source: filepath.Join(root, "opt"), Target: "/opt"}},
		Args:   []string{python, "-v", "-c", "import sys; sys.path.insert(0, '" + site + "'); import demo; print(demo.answer())"},
		Env:    []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"},
		Stdout: &out, Stderr: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if res.ExitCode != 0 || !strings.Contains(got, "\ncompiled 4\n") {
		t.Fatalf("exit %d, output:\n%s", res.ExitCode, lastLines(got, 20))
	}
	for _, m := range []string{"__init__", "core"} {
		want := "# code object from '" + site + "/demo/__pycache__/" + m + ".cpython-311.pyc'"
		if !strings.Contains(got, want) {
			t.Errorf("python -v does not say %q:\n%s", want, lastLines(got, 20))
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestBatchIsDeterministic: the same sources, written in another order by
// another batch, give the same bytes (the batch sorts them, and each batch
// is a fresh interpreter with a fixed hash seed).
func TestBatchIsDeterministic(t *testing.T) {
	needPython(t)
	var many []file
	for i := range 40 {
		many = append(many, file{
			path:    site + "/pkg" + string(rune('a'+i%26)) + "/m" + strings.Repeat("x", i) + ".py",
			content: "S = frozenset({'alpha', 'beta', 'gamma', 'delta', 'x%d'})\nT = ('alpha', 'beta')\ndef f(x):\n    return x in {'alpha', 'beta', 'gamma'}\n",
		})
	}
	a, _ := compileAll(t, many)
	reversed := append([]file(nil), many...)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	b, _ := compileAll(t, reversed)
	if len(a) != 2*len(many) {
		t.Fatalf("%d files, want %d", len(a), 2*len(many))
	}
	for p, data := range a {
		if !bytes.Equal(data, b[p]) {
			t.Errorf("%s differs between two batches", p)
		}
	}
}

func TestBatchKeepsShippedBytecode(t *testing.T) {
	needPython(t)
	shipped := site + "/demo/__pycache__/core.cpython-311.pyc"
	dst, st := compileAll(t, append([]file{{shipped, "shipped"}}, demo...))
	if got := string(dst[shipped]); got != "shipped" {
		t.Errorf("%s = %q, want the wheel's own file", shipped, got)
	}
	if st.Compiled != 1 {
		t.Errorf("compiled %d, want 1 (only __init__)", st.Compiled)
	}
}

func TestBatchWithoutSourcesRunsNothing(t *testing.T) {
	runs := 0
	c, err := bytecode.New("/", python, bytecode.WithTempDir(t.TempDir()), bytecode.WithRunner(func(context.Context, sandbox.Spec) (*sandbox.Result, error) {
		runs++
		return &sandbox.Result{}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	dst := memDest{}
	b, err := c.NewBatch(dst, site)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFile(site+"/x.txt", 0o644, 1, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	st, err := b.Finish(context.Background())
	if err != nil || st.Compiled != 0 || runs != 0 {
		t.Errorf("Finish = %+v, %v after %d runs; want nothing done", st, err, runs)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCompilerErrors(t *testing.T) {
	needPython(t)
	c, err := bytecode.New("/", "/no/such/python3", bytecode.WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.NewBatch(memDest{}, site)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	if err := b.WriteFile(site+"/m.py", 0o644, 2, strings.NewReader("x\n")); err != nil {
		t.Fatal(err)
	}
	_, err = b.Finish(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "compiling bytecode with /no/such/python3: ") {
		t.Errorf("Finish with a missing interpreter = %v", err)
	}

	for _, tc := range []struct{ rootfs, python, want string }{
		{"root", python, `creating a bytecode compiler: root filesystem "root" is not an absolute path`},
		{"/", "python3", `creating a bytecode compiler: interpreter "python3" is not a clean absolute path`},
	} {
		if _, err := bytecode.New(tc.rootfs, tc.python); err == nil || err.Error() != tc.want {
			t.Errorf("New(%q, %q) = %v, want %q", tc.rootfs, tc.python, err, tc.want)
		}
	}
	if _, err := c.NewBatch(memDest{}, "rel/dir"); err == nil || err.Error() != `starting a bytecode batch: directory "rel/dir" is not a clean absolute path` {
		t.Errorf("NewBatch(rel/dir) = %v", err)
	}
}

func TestCachePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/a/b/x.py", "/a/b/__pycache__/x.cpython-311.pyc"},
		{"/a/x.tar.py", "/a/__pycache__/x.tar.cpython-311.pyc"},
		{"/a/__init__.py", "/a/__pycache__/__init__.cpython-311.pyc"},
	} {
		if got := bytecode.CachePath(tc.in, "cpython-311"); got != tc.want {
			t.Errorf("CachePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
