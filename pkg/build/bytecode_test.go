package build

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/bytecode"
	"github.com/canto-build/canto/pkg/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Init()
	os.Exit(m.Run())
}

// hostPython runs the bytecode compiler with this machine's Debian Python
// over its own root: the test base image has only an empty
// /usr/bin/python3.11. It counts the runs.
func hostPython(t *testing.T, runs *int) bytecode.Option {
	t.Helper()
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
	if _, err := os.Stat("/usr/bin/python3.11"); err != nil {
		t.Skip("no /usr/bin/python3.11 on this machine (make deps installs python3)")
	}
	return bytecode.WithRunner(func(ctx context.Context, spec sandbox.Spec) (*sandbox.Result, error) {
		*runs++
		spec.RootFS = "/"
		return sandbox.Run(ctx, spec)
	})
}

func TestBuildCompilesBytecode(t *testing.T) {
	base := debianBase(t)
	p, l := project(t, "click==8.1.7", "flask==3.0.0")
	req := Request{Project: p, Lock: l, Base: base, Platform: "linux/amd64", Groups: []string{"main"}}
	plain, _ := newBuilder(t, t.TempDir())
	r0, err := plain.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}

	req.CompileBytecode = true
	var runs1, runs2 int
	b1, _ := newBuilder(t, t.TempDir())
	b1.pycOpts = []bytecode.Option{hostPython(t, &runs1)}
	r1, err := b1.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Digest == r0.Digest {
		t.Fatal("compiling bytecode did not change the image")
	}
	files := imageFiles(t, r1.Image)
	sp := "opt/venv/lib/python3.11/site-packages/"
	for _, pkg := range []string{"click", "flask"} {
		pyc := files[sp+pkg+"/__pycache__/__init__.cpython-311.pyc"]
		if len(pyc) < 16 || string(pyc[4:8]) != "\x01\x00\x00\x00" {
			t.Errorf("%s has no unchecked-hash .pyc (%d bytes)", pkg, len(pyc))
		}
	}
	for name := range files {
		if strings.HasPrefix(name, "opt/venv/bin/") && strings.HasSuffix(name, ".pyc") {
			t.Errorf("%s: scripts are not compiled", name)
		}
	}
	// Every layer that was built ran the compiler once, in a fresh process;
	// the venv layer has no Python source.
	if want := len(r1.Layers) - 1; runs1 != want {
		t.Errorf("%d compiler runs for %d layers, want %d", runs1, len(r1.Layers), want)
	}

	// Another cache gives the same bytes; a warm build compiles nothing.
	b2, _ := newBuilder(t, t.TempDir())
	b2.pycOpts = []bytecode.Option{hostPython(t, &runs2)}
	r2, err := b2.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Digest != r1.Digest {
		t.Fatalf("digests differ across caches with bytecode: %s vs %s", r1.Digest, r2.Digest)
	}
	before := runs2
	r3, err := b2.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Digest != r1.Digest || runs2 != before {
		t.Errorf("warm build: digest %s (want %s), %d more compiler runs (want 0)", r3.Digest, r1.Digest, runs2-before)
	}
}

func TestBytecodeNeedsARunnableBase(t *testing.T) {
	p, l := project(t, "click==8.1.7")
	b, _ := newBuilder(t, t.TempDir())
	_, err := b.Build(context.Background(), Request{Project: p, Lock: l, Base: debianBaseFor(t, "arm64"), Platform: "linux/arm64", Groups: []string{"main"}, CompileBytecode: true})
	if err == nil || !strings.Contains(err.Error(), "the base's Python is linux/arm64, which cannot run on this") || !strings.Contains(err.Error(), "hint: build without --compile-bytecode") {
		t.Errorf("arm64 base with bytecode: %v", err)
	}
}
