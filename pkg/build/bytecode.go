package build

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/canto-build/canto/pkg/bytecode"
	"github.com/canto-build/canto/pkg/sandbox"
	"github.com/canto-build/canto/pkg/target"
	"github.com/canto-build/canto/pkg/venv"
	"github.com/canto-build/canto/pkg/wheel"
)

// lazyCompiler unpacks the base image and makes its bytecode compiler the
// first time a layer has to be built, so a build whose layers are all
// cached never touches the sandbox. A nil *lazyCompiler compiles nothing.
type lazyCompiler struct {
	b      *Builder
	base   v1.Image
	python string
	name   string

	once sync.Once
	c    *bytecode.Compiler
	err  error
}

func (l *lazyCompiler) get(ctx context.Context) (*bytecode.Compiler, error) {
	l.once.Do(func() {
		l.b.progress(Event{Phase: "bytecode", Message: "unpacking " + l.name + " to run its Python"})
		rootfs, err := sandbox.RootFS(ctx, filepath.Join(l.b.cache.Dir(), "rootfs"), l.base)
		if err != nil {
			l.err = fmt.Errorf("unpacking base image %s to compile bytecode: %w", l.name, err)
			return
		}
		l.c, l.err = bytecode.New(rootfs, l.python, append([]bytecode.Option{bytecode.WithLogger(l.b.log)}, l.b.pycOpts...)...)
	})
	return l.c, l.err
}

// install runs fill against dst, through a bytecode batch when l is set,
// then writes the layer (dst.Close).
func (l *lazyCompiler) install(ctx context.Context, dst *venv.TarDestination, layout venv.Layout, what string, fill func(wheel.Destination) error) error {
	if l == nil {
		if err := fill(dst); err != nil {
			return err
		}
		return dst.Close()
	}
	c, err := l.get(ctx)
	if err != nil {
		return err
	}
	s := layout.Scheme()
	batch, err := c.NewBatch(dst, slices.Compact([]string{s.Purelib, s.Platlib})...)
	if err != nil {
		return err
	}
	defer func() { _ = batch.Close() }() // removing temporary files cannot change the layer
	if err := fill(batch); err != nil {
		return err
	}
	st, err := batch.Finish(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	msg := fmt.Sprintf("%s: %s compiled to bytecode", what, plural(st.Compiled, "file"))
	if n := len(st.Failed); n > 0 {
		msg += fmt.Sprintf(", %s that do not compile left as source (-vv lists them)", plural(n, "file"))
	}
	l.b.progress(Event{Phase: "bytecode", Message: msg})
	return dst.Close()
}

// runsHere says whether this machine can run the target's interpreter.
func runsHere(t target.Target) error {
	if here := "linux/" + runtime.GOARCH; runtime.GOOS != "linux" || t.Platform() != here {
		return fmt.Errorf("the base's Python is %s, which cannot run on this %s/%s machine\nhint: build without --compile-bytecode, or on a %s machine",
			t.Platform(), runtime.GOOS, runtime.GOARCH, t.Platform())
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
