package sdist_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/sdist"
	"github.com/canto-build/canto/pkg/wheel"
)

func openWheel(t *testing.T, p, name string) *wheel.Wheel {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	w, err := wheel.Open(f, fi.Size(), name)
	if err != nil {
		t.Fatalf("built wheel does not open: %v", err)
	}
	return w
}

func TestBuildPure(t *testing.T) {
	c := openCache(t)
	req := hostRequest(t, pureSdist(t, t.TempDir()), c)
	var log bytes.Buffer
	req.Log = &log
	var runs counter
	res, err := sdist.Build(context.Background(), req, sdist.WithRunner(runs.run))
	if err != nil {
		t.Fatalf("Build: %v\nlog:\n%s", err, log.String())
	}
	if res.WheelFilename != "pure-1.0-py3-none-any.whl" || res.FromCache {
		t.Errorf("result = %+v, want pure-1.0-py3-none-any.whl, built", res)
	}
	w := openWheel(t, res.WheelPath, res.WheelFilename)
	if w.Name() != "pure" || w.Version() != "1.0" {
		t.Errorf("wheel is %s %s", w.Name(), w.Version())
	}
	// env, requires and build: three sandbox runs.
	if got := runs.n.Load(); got != 3 {
		t.Errorf("sandbox runs = %d, want 3", got)
	}
	logged, err := os.ReadFile(res.LogPath)
	if err != nil || !strings.Contains(string(logged), "canto: built pure-1.0-py3-none-any.whl") {
		t.Errorf("log %q: %v, want the build's output", res.LogPath, err)
	}
	if !bytes.Equal(logged, log.Bytes()) {
		t.Error("the streamed log and the stored log differ")
	}

	again, err := sdist.Build(context.Background(), req, sdist.WithRunner(runs.run))
	if err != nil {
		t.Fatal(err)
	}
	if !again.FromCache || again.SHA256 != res.SHA256 || again.WheelFilename != res.WheelFilename || again.LogPath != res.LogPath {
		t.Errorf("second build = %+v, want the cached %+v", again, res)
	}
	if got := runs.n.Load(); got != 3 {
		t.Errorf("sandbox runs after the cached build = %d, want still 3", got)
	}

	// Another target is another cache entry.
	req.Target = "cp311-manylinux_2_36_x86_64"
	req.MarkerEnv = hostEnv
	third, err := sdist.Build(context.Background(), req, sdist.WithRunner(runs.run))
	if err != nil {
		t.Fatal(err)
	}
	// With the marker environment given, no env step runs.
	if third.FromCache || runs.n.Load() != 5 {
		t.Errorf("build for another target: FromCache %v, runs %d; want a build of 2 runs (total 5)", third.FromCache, runs.n.Load())
	}
	// SOURCE_DATE_EPOCH makes the wheel reproducible.
	if third.SHA256 != res.SHA256 {
		t.Errorf("rebuilt wheel sha256 %s differs from %s", third.SHA256, res.SHA256)
	}
}

func TestBuildCExtension(t *testing.T) {
	if _, err := os.Stat("/usr/include/python3.11/Python.h"); err != nil {
		t.Skip("the host lacks python3.11-dev")
	}
	req := hostRequest(t, cextSdist(t, t.TempDir(), "1.0", cextC), openCache(t))
	var log bytes.Buffer
	req.Log = &log
	res, err := sdist.Build(context.Background(), req)
	if err != nil {
		t.Fatalf("Build: %v\nlog:\n%s", err, log.String())
	}
	if want := "cext-1.0-cp311-cp311-linux_x86_64.whl"; res.WheelFilename != want {
		t.Errorf("wheel = %s, want %s", res.WheelFilename, want)
	}
	w := openWheel(t, res.WheelPath, res.WheelFilename)
	found := false
	for _, e := range w.Record() {
		found = found || e.Path == "cext.cpython-311-x86_64-linux-gnu.so"
	}
	if !found {
		t.Errorf("wheel has no compiled module; RECORD: %+v", w.Record())
	}
	if !strings.Contains(log.String(), "x86_64-linux-gnu-gcc") && !strings.Contains(log.String(), "gcc") {
		t.Errorf("the log shows no compiler run:\n%s", log.String())
	}
}

func TestBuildCompileError(t *testing.T) {
	if _, err := os.Stat("/usr/include/python3.11/Python.h"); err != nil {
		t.Skip("the host lacks python3.11-dev")
	}
	broken := strings.Replace(cextC, "return PyModule_Create(&mod);", "return canto_undeclared_symbol;", 1)
	req := hostRequest(t, cextSdist(t, t.TempDir(), "2.0", broken), openCache(t))
	var runs counter
	_, err := sdist.Build(context.Background(), req, sdist.WithRunner(runs.run))
	var be *sdist.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("Build error = %v, want *BuildError", err)
	}
	if be.Package != "cext 2.0" || be.Step != "build" || be.ExitCode != 1 {
		t.Errorf("BuildError = {%q %q %d}, want {\"cext 2.0\" \"build\" 1}", be.Package, be.Step, be.ExitCode)
	}
	tail := strings.Join(be.Tail, "\n")
	if !strings.Contains(tail, "cext.c") || !strings.Contains(tail, "canto_undeclared_symbol") || !strings.Contains(tail, "error:") {
		t.Errorf("tail lacks gcc's error:\n%s", tail)
	}
	if len(be.Tail) > sdist.TailLines {
		t.Errorf("tail has %d lines, want at most %d", len(be.Tail), sdist.TailLines)
	}
	if !strings.Contains(err.Error(), "canto_undeclared_symbol") || !strings.Contains(err.Error(), "\nhint: the whole log is "+be.LogPath) {
		t.Errorf("Error() lacks the tail or the log path:\n%v", err)
	}
	if data, err := os.ReadFile(be.LogPath); err != nil || !strings.Contains(string(data), "canto_undeclared_symbol") {
		t.Errorf("log %q: %v", be.LogPath, err)
	}
	// Failures are not cached: the next attempt builds again.
	before := runs.n.Load()
	_, err = sdist.Build(context.Background(), req, sdist.WithRunner(runs.run))
	if !errors.As(err, &be) || runs.n.Load() == before {
		t.Errorf("second attempt: %v after %d runs, want a new failing build", err, runs.n.Load()-before)
	}
}

func TestBuildMissingRequirement(t *testing.T) {
	dir := t.TempDir()
	p := writeSdist(t, dir, "needs-1.0.tar.gz", files("needs-1.0", map[string]string{
		"pyproject.toml": "[build-system]\nrequires = [\"setuptools\", \"cython>=3\"]\nbuild-backend = \"setuptools.build_meta\"\n",
	}))
	req := hostRequest(t, p, openCache(t))
	req.MarkerEnv = hostEnv
	var runs counter
	_, err := sdist.Build(context.Background(), req, sdist.WithRunner(runs.run))
	var nw *sdist.NoWheelError
	if !errors.As(err, &nw) {
		t.Fatalf("Build error = %v, want *NoWheelError", err)
	}
	want := "building \"needs-1.0.tar.gz\": resolving build requirement \"cython>=3\" (from [build-system] requires): no wheel for build requirement \"cython>=3\"\nhint: add a wheel of it to the sources canto builds from, or use a wheel of the package that needs building"
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	if runs.n.Load() != 0 {
		t.Errorf("%d sandbox runs before the requirements were complete", runs.n.Load())
	}
}
