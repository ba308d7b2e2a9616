package sdist_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/canto-build/canto/pkg/pep508"
	"github.com/canto-build/canto/pkg/sdist"
)

func TestWheelFiles(t *testing.T) {
	r, err := sdist.WheelFiles(
		"/w/setuptools-66.1.1-py3-none-any.whl", "/w/setuptools-70.0.0-py3-none-any.whl",
		"/w/setuptools-71.0.0b1-py3-none-any.whl", "/w/Cython-3.0.0-cp311-cp311-linux_x86_64.whl",
		"/w/wheel-0.38.4-py3-none-any.whl",
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req, want, wantErr string
	}{
		{req: "setuptools", want: "setuptools-70.0.0-py3-none-any.whl"},
		{req: "setuptools<70", want: "setuptools-66.1.1-py3-none-any.whl"},
		{req: "setuptools>=71.0.0b1", want: "setuptools-71.0.0b1-py3-none-any.whl"},
		{req: "cython>=3", want: "Cython-3.0.0-cp311-cp311-linux_x86_64.whl"},
		{req: "Wheel", want: "wheel-0.38.4-py3-none-any.whl"},
		{req: "wheel>=0.40", wantErr: "no wheel for build requirement \"wheel>=0.40\" (only wheel-0.38.4-py3-none-any.whl)\nhint: add a wheel of it to the sources canto builds from, or use a wheel of the package that needs building"},
		{req: "hatchling", wantErr: "no wheel for build requirement \"hatchling\"\nhint: add a wheel of it to the sources canto builds from, or use a wheel of the package that needs building"},
		{req: "wheel @ https://example.com/wheel-0.38.4-py3-none-any.whl", wantErr: "no wheel for build requirement \"wheel @ https://example.com/wheel-0.38.4-py3-none-any.whl\" (only wheel-0.38.4-py3-none-any.whl)\nhint: add a wheel of it to the sources canto builds from, or use a wheel of the package that needs building"},
	} {
		t.Run(tc.req, func(t *testing.T) {
			req, err := pep508.ParseRequirement(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r(context.Background(), req)
			if tc.wantErr != "" {
				var nw *sdist.NoWheelError
				if !errors.As(err, &nw) || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want *NoWheelError %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || filepath.Base(got) != tc.want {
				t.Errorf("got %q, %v; want %s", got, err, tc.want)
			}
		})
	}
	if _, err := sdist.WheelFiles("/w/not-a-wheel.tar.gz"); err == nil {
		t.Error("WheelFiles accepted a file that is not a wheel")
	}
}

func TestBuildErrorText(t *testing.T) {
	err := &sdist.BuildError{Package: "uwsgi 2.0.21", Step: "build", ExitCode: 1, LogPath: "/c/log", Tail: []string{"a.c:1: error: x", "error: command gcc failed"}}
	want := "building uwsgi 2.0.21: the build step exited with status 1; the output ends with:\n  | a.c:1: error: x\n  | error: command gcc failed\nhint: the whole log is /c/log; a missing header or library usually means the builder image lacks a -dev package"
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestBuildRequestErrors(t *testing.T) {
	c := openCache(t)
	resolve := func(context.Context, pep508.Requirement) (string, error) { return "", errors.New("unused") }
	p := pureSdist(t, t.TempDir())
	ok := sdist.Request{Sdist: p, BuilderRootFS: "/", BuilderDigest: "d", BuilderPython: "/usr/bin/python3.11", Target: "t", Resolve: resolve, Cache: c}
	for _, tc := range []struct {
		name   string
		change func(*sdist.Request)
		want   string
	}{
		{"no cache", func(r *sdist.Request) { r.Cache = nil }, `building "pure-1.0.tar.gz": no cache given`},
		{"no resolver", func(r *sdist.Request) { r.Resolve = nil }, `building "pure-1.0.tar.gz": no resolver for build requirements given`},
		{"no target", func(r *sdist.Request) { r.Target = "" }, `building "pure-1.0.tar.gz": no target given`},
		{"relative python", func(r *sdist.Request) { r.BuilderPython = "python3" }, `building "pure-1.0.tar.gz": builder python "python3" is not an absolute path`},
		{"no builder", func(r *sdist.Request) { r.BuilderRootFS = "" }, `building "pure-1.0.tar.gz": no builder image or root filesystem given`},
		{"rootfs without digest", func(r *sdist.Request) { r.BuilderDigest = "" }, `building "pure-1.0.tar.gz": a builder root filesystem needs a BuilderDigest naming it for the cache`},
		{"unknown python version", func(r *sdist.Request) { r.BuilderPython = "/usr/bin/python3" },
			"building \"pure-1.0.tar.gz\": cannot tell the Python version from \"/usr/bin/python3\"\nhint: set PythonVersion"},
		{"sha256 mismatch", func(r *sdist.Request) { r.SdistSHA256 = "00" },
			`building "pure-1.0.tar.gz": sha256 mismatch: the file has ` + sha256File(t, p) + `, expected 00`},
		{"not an sdist name", func(r *sdist.Request) { r.Sdist = "/x/pure.txt" }, `building "pure.txt": parsing sdist filename "pure.txt": extension must be ".tar.gz" or ".zip" (or legacy ".tar.bz2" or ".tgz")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := ok
			tc.change(&req)
			var runs counter
			_, err := sdist.Build(context.Background(), req, sdist.WithRunner(runs.run))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
			if runs.n.Load() != 0 {
				t.Errorf("%d sandbox runs for an invalid request", runs.n.Load())
			}
		})
	}
}
