package sandbox_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/sandbox"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// layer makes an image layer holding files (name → content; a name ending
// in "/" is a directory, content "->x" a symlink to x).
func layer(t *testing.T, files ...[2]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f[0], Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(f[1]))}
		switch {
		case strings.HasSuffix(f[0], "/"):
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case strings.HasPrefix(f[1], "->"):
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, f[1][2:], 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(f[1])); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func testImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image,
		layer(t, [2]string{"bin/", ""}, [2]string{"bin/sh", "lower"}, [2]string{"etc/", ""},
			[2]string{"etc/gone", "x"}, [2]string{"etc/keep", "k"}, [2]string{"opt/", ""}, [2]string{"opt/old", "o"},
			[2]string{"lib", "->usr/lib"}, [2]string{"usr/lib/", ""}, [2]string{"usr/lib/libc.so", "c"}),
		layer(t, [2]string{"bin/sh", "upper"}, [2]string{"etc/.wh.gone", ""}, [2]string{"opt/.wh..wh..opq", ""},
			[2]string{"opt/new", "n"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestUnpackRootFS(t *testing.T) {
	dir := t.TempDir()
	if err := sandbox.UnpackRootFS(context.Background(), testImage(t), dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"bin/sh": "upper", "etc/keep": "k", "opt/new": "n", "lib/libc.so": "c",
	} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, gone := range []string{"etc/gone", "opt/old", "etc/.wh.gone", "opt/.wh..wh..opq"} {
		if _, err := os.Lstat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s exists after its whiteout (err %v)", gone, err)
		}
	}
	err := sandbox.UnpackRootFS(context.Background(), testImage(t), dir)
	want := `unpacking root filesystem into "` + dir + `": directory is not empty`
	if err == nil || err.Error() != want {
		t.Errorf("second unpack into the same dir: %v, want %q", err, want)
	}
}

func TestRootFSCached(t *testing.T) {
	cacheDir := t.TempDir()
	img := testImage(t)
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	first, err := sandbox.RootFS(context.Background(), cacheDir, img)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cacheDir, "rootfs", "sha256-"+d.Hex); first != want {
		t.Errorf("RootFS dir = %q, want %q", first, want)
	}
	// A second call reuses the tree: a marker left in it survives.
	if err := os.WriteFile(filepath.Join(first, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := sandbox.RootFS(context.Background(), cacheDir, img)
	if err != nil || second != first {
		t.Fatalf("second RootFS = %q, %v; want %q", second, err, first)
	}
	if _, err := os.Stat(filepath.Join(second, "marker")); err != nil {
		t.Errorf("second RootFS unpacked again: %v", err)
	}
	ents, err := os.ReadDir(filepath.Join(cacheDir, "rootfs"))
	if err != nil || len(ents) != 1 {
		t.Errorf("rootfs cache holds %v (%v), want only the tree, no temporary dirs", ents, err)
	}
}

func TestRunInUnpackedRootFS(t *testing.T) {
	needSandbox(t)
	// The test image has no shell of its own: bind the host's /usr and
	// C library onto mount points an extra layer makes, and run its sh.
	img, err := mutate.AppendLayers(testImage(t), layer(t, [2]string{"lib64/", ""}, [2]string{"usr/lib/x86_64-linux-gnu/", ""}))
	if err != nil {
		t.Fatal(err)
	}
	root, err := sandbox.RootFS(context.Background(), t.TempDir(), img)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := sandbox.Run(context.Background(), sandbox.Spec{
		RootFS: root,
		Binds: []sandbox.Bind{
			{Source: "/usr", Target: "/host/usr"}, {Source: "/lib64", Target: "/lib64"},
			{Source: "/usr/lib/x86_64-linux-gnu", Target: "/usr/lib/x86_64-linux-gnu"},
		},
		Env:    []string{"PATH=/host/usr/bin"},
		Args:   []string{"/host/usr/bin/sh", "-c", "/host/usr/bin/cat /bin/sh /etc/keep /lib/libc.so"},
		Stdout: &out, Stderr: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || out.String() != "upperkc" {
		t.Errorf("exit %d, output %q; want 0, \"upperkc\"", res.ExitCode, out.String())
	}
}
