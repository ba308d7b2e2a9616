//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/sandbox"
	"github.com/canto-build/canto/pkg/sdist"
	"github.com/canto-build/canto/pkg/wheel"
)

// TestMain lets tests of this package run sandboxes in-process: sandbox.Run
// re-executes the test binary as the sandbox's init.
func TestMain(m *testing.M) {
	sandbox.Init()
	os.Exit(m.Run())
}

// TestSdistBuilderUWSGI builds the real uWSGI 2.0.21 sdist (C, needs gcc,
// python3-dev and libpcre3-dev) in the test world's `full` image, then
// builds it again and expects the cache to answer without a sandbox run.
func TestSdistBuilderUWSGI(t *testing.T) {
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
	tw := os.Getenv("CANTO_TESTWORLD")
	if tw == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		tw = filepath.Join(home, ".cache", "canto-testworld")
	}
	files := filepath.Join(tw, "index", "files")
	sdistPath := filepath.Join(files, "uwsgi-2.0.21.tar.gz")
	if _, err := os.Stat(sdistPath); err != nil {
		t.Fatalf("the test world has no uWSGI sdist: %v\nhint: bash testworld/up.sh (the index part)", err)
	}
	ociDir := filepath.Join(tw, "images", "oci")
	if _, err := os.Stat(filepath.Join(ociDir, "index.json")); err != nil {
		t.Fatalf("the test world has no images: %v\nhint: bash testworld/up.sh 10-apt 30-images", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ref, err := image.ParseReference("oci:" + ociDir + ":full")
	if err != nil {
		t.Fatal(err)
	}
	builder, err := image.LoadBase(ctx, ref, "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	info, err := image.Inspect(ctx, builder)
	if err != nil {
		t.Fatal(err)
	}
	wheels, err := filepath.Glob(filepath.Join(files, "*.whl"))
	if err != nil {
		t.Fatal(err)
	}
	resolve, err := sdist.WheelFiles(wheels...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	req := sdist.Request{
		Sdist:          sdistPath,
		Builder:        builder,
		RootFSCacheDir: t.TempDir(),
		BuilderPython:  info.Python.Path,
		PythonVersion:  info.Python.Version,
		Target:         "cp311-linux_x86_64",
		Resolve:        resolve,
		Log:            &log,
		Cache:          c,
	}
	var runs atomic.Int32
	count := sdist.WithRunner(func(ctx context.Context, spec sandbox.Spec) (*sandbox.Result, error) {
		runs.Add(1)
		return sandbox.Run(ctx, spec)
	})

	start := time.Now()
	res, err := sdist.Build(ctx, req, count)
	if err != nil {
		t.Fatalf("building uWSGI: %v", err)
	}
	t.Logf("built %s in %v with %d sandbox runs", res.WheelFilename, time.Since(start).Round(time.Second), runs.Load())
	if want := "uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl"; res.WheelFilename != want {
		t.Errorf("wheel = %s, want %s", res.WheelFilename, want)
	}
	if !strings.Contains(log.String(), "gcc") || !strings.Contains(log.String(), "pcre") {
		t.Errorf("the build log shows no compilation with pcre:\n%s", tailOf(log.String(), 40))
	}
	f, err := os.Open(res.WheelPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	w, err := wheel.Open(f, fi.Size(), res.WheelFilename)
	if err != nil {
		t.Fatalf("the built wheel does not open: %v", err)
	}
	if err := w.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	var binary string
	for _, e := range w.Record() {
		if strings.HasSuffix(e.Path, "/uwsgi") || e.Path == "uwsgi" {
			binary = e.Path
		}
	}
	if binary == "" {
		t.Errorf("the wheel has no uwsgi binary; RECORD: %v", w.Record())
	}

	built := runs.Load()
	again, err := sdist.Build(ctx, req, count)
	if err != nil {
		t.Fatal(err)
	}
	if !again.FromCache || again.SHA256 != res.SHA256 || runs.Load() != built {
		t.Errorf("second build: FromCache %v, sha256 %s (first %s), %d new sandbox runs; want a cache hit",
			again.FromCache, again.SHA256, res.SHA256, runs.Load()-built)
	}
}

func tailOf(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
