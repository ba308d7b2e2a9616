package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// project writes a small Poetry project and returns its directory.
func project(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proj")
	files := map[string]string{
		"pyproject.toml":     "[tool.poetry]\nname = \"proj\"\n",
		"poetry.lock":        "# lock\n",
		"pkg/__init__.py":    "VALUE = 1\n",
		"pkg/main.py":        "print(1)\n",
		"tests/test_main.py": "def test(): pass\n",
		".git/HEAD":          "ref: refs/heads/main\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// treeHash hashes every path, mode and content under dir.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		h.Write([]byte(rel + "\x00" + info.Mode().String() + "\x00" + info.ModTime().String() + "\x00"))
		if d.Type().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func addDep(ctx context.Context, dir string) error {
	return appendTo(filepath.Join(dir, "poetry.lock"), "[[package]]\nname = \"new\"\n")
}

func TestRunInterleavesAndMeasures(t *testing.T) {
	dir := project(t)
	before := treeHash(t, dir)
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	eng := newFakeEngine(clock)
	eng.buildFor = func(req BuildRequest) time.Duration {
		// b is slower, and every build of the second repetition is slower still.
		d := 10 * time.Second
		if req.NoCache {
			d = 100 * time.Second
		}
		if strings.Contains(req.Tag, "b:") {
			d *= 2
		}
		if eng.builds > 8 {
			d += time.Second
		}
		return d
	}
	a := NewDockerfileSubject("a", "docker buildkit", eng, "bench/a:1", []byte("FROM x\n"), []byte(".git\n"))
	b := NewDockerfileSubject("b", "docker buildkit", eng, "bench/b:1", []byte("FROM y\n"), nil)
	var events []string
	// The first start of each probe is an untimed warm-up, and slower: the
	// metric must be the second's 1.5 s, not the first's 5 s.
	probes := 0
	prober := func(context.Context) error {
		probes++
		if probes%2 == 1 {
			clock.advance(5 * time.Second)
		} else {
			clock.advance(1500 * time.Millisecond)
		}
		return nil
	}
	rep, err := Run(context.Background(), dir, []Subject{a, b},
		WithRepeat(2), WithClock(clock.now), WithDependencyChange(addDep),
		WithProbe("http://127.0.0.1:1/", prober), WithTempDir(t.TempDir()),
		WithProgress(func(ev Event) {
			if ev.Step == "cold build" && ev.Took == 0 {
				events = append(events, ev.Subject)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	if got := treeHash(t, dir); got != before {
		t.Error("the source directory changed")
	}
	if diff := cmp.Diff([]string{"a", "b", "b", "a"}, events); diff != "" {
		t.Errorf("order of cold builds (-want +got):\n%s", diff)
	}
	wantLog := []string{
		"prune", "build bench/a:1 nocache=true", "build bench/a:1 nocache=false", "build bench/a:1 nocache=false", "build bench/a:1 nocache=false",
		"start bench/a:1", "stop c-bench/a:1", "start bench/a:1", "stop c-bench/a:1", "remove bench/a:1 sha256:id1 sha256:id2 sha256:id3 sha256:id4",
	}
	if diff := cmp.Diff(wantLog, eng.log[:len(wantLog)]); diff != "" {
		t.Errorf("first subject's calls (-want +got):\n%s", diff)
	}
	if len(eng.running) != 0 {
		t.Errorf("containers left running: %v", eng.running)
	}
	lockLen := float64(len("# lock\n"))
	wantA := map[Metric]Stats{
		ColdBuild:           {N: 2, Median: 100.5, Min: 100, Max: 101, Samples: []float64{100, 101}},
		RebuildPyproject:    {N: 2, Median: 10.5, Min: 10, Max: 11, Samples: []float64{10, 11}},
		RebuildDependency:   {N: 2, Median: 10.5, Min: 10, Max: 11, Samples: []float64{10, 11}},
		RebuildCode:         {N: 2, Median: 10.5, Min: 10, Max: 11, Samples: []float64{10, 11}},
		ImageSize:           {N: 2, Median: 1000 + lockLen, Min: 1000 + lockLen, Max: 1000 + lockLen, Samples: []float64{1000 + lockLen, 1000 + lockLen}},
		CompressedSize:      {N: 2, Median: 707, Min: 707, Max: 707, Samples: []float64{707, 707}},
		LayerCount:          {N: 2, Median: 3, Min: 3, Max: 3, Samples: []float64{3, 3}},
		PushAfterDependency: {N: 2, Median: 200, Min: 200, Max: 200, Samples: []float64{200, 200}},
		FirstAnswer:         {N: 2, Median: 1.5, Min: 1.5, Max: 1.5, Samples: []float64{1.5, 1.5}},
	}
	if diff := cmp.Diff(wantA, rep.Subject("a").Metrics); diff != "" {
		t.Errorf("metrics of a (-want +got):\n%s", diff)
	}
	if got := rep.Subject("b").Metrics[ColdBuild]; got.Median != 200.5 {
		t.Errorf("b's cold build median = %v, want 200.5", got.Median)
	}
	if rep.Repeat != 2 || rep.ProbeURL != "http://127.0.0.1:1/" || rep.Project != "proj" {
		t.Errorf("report header = %+v", rep)
	}
	// Prunes are untimed: an hour each, 4 of them, plus builds and probes.
	if rep.Took < 4*3600 {
		t.Errorf("took = %v, want the whole run", rep.Took)
	}
}

func TestRunWritesIntoCopies(t *testing.T) {
	dir := project(t)
	before := treeHash(t, dir)
	clock := &fakeClock{}
	eng := newFakeEngine(clock)
	var seen []string
	a := NewDockerfileSubject("a", "docker", eng, "bench/a:1", []byte("FROM x\n"), []byte("x\n"))
	tmp := t.TempDir()
	_, err := Run(context.Background(), dir, []Subject{a}, WithRepeat(1), WithClock(clock.now), WithTempDir(tmp),
		WithDependencyChange(func(ctx context.Context, d string) error {
			seen = append(seen, d)
			if d == dir || !strings.HasPrefix(d, tmp) {
				t.Errorf("dependency change in %q, not a copy under %q", d, tmp)
			}
			if _, err := os.Stat(filepath.Join(d, ".git")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf(".git was copied: %v", err)
			}
			df, err := os.ReadFile(filepath.Join(d, "Dockerfile"))
			if err != nil || string(df) != "FROM x\n" {
				t.Errorf("Dockerfile in the copy = %q, %v", df, err)
			}
			return addDep(ctx, d)
		}))
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("dependency change ran %d times, want 1", len(seen))
	}
	if got := treeHash(t, dir); got != before {
		t.Error("the source directory changed")
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("work directory left behind: %v", left)
	}
}

func TestRunKeepsGoingAfterAFailure(t *testing.T) {
	dir := project(t)
	clock := &fakeClock{}
	eng := newFakeEngine(clock)
	eng.failOn = "bad"
	bad := NewDockerfileSubject("bad", "docker", eng, "bench/bad:1", []byte("FROM x\n"), nil)
	good := NewDockerfileSubject("good", "docker", eng, "bench/good:1", []byte("FROM x\n"), nil)
	rep, err := Run(context.Background(), dir, []Subject{bad, good}, WithRepeat(1), WithClock(clock.now), WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	want := []Failure{{Subject: "bad", Rep: 1, Step: "cold build", Error: "boom"}}
	if diff := cmp.Diff(want, rep.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if got := rep.Subject("good").Metrics[RebuildCode].N; got != 1 {
		t.Errorf("good was not measured: %d samples", got)
	}
	if _, ok := rep.Subject("good").Metrics[RebuildDependency]; ok {
		t.Error("a dependency rebuild was measured with no dependency change")
	}
	if _, ok := rep.Subject("good").Metrics[FirstAnswer]; ok {
		t.Error("a first answer was measured with no probe")
	}

	eng.failOn = "good"
	_, err = Run(context.Background(), dir, []Subject{good}, WithRepeat(1), WithClock(clock.now), WithTempDir(t.TempDir()))
	if err == nil || err.Error() != "every measurement failed" {
		t.Errorf("err = %v, want every measurement failed", err)
	}
}

func TestRunErrors(t *testing.T) {
	dir := project(t)
	eng := newFakeEngine(&fakeClock{})
	a := NewDockerfileSubject("a", "docker", eng, "t:1", nil, nil)
	noLock := filepath.Join(t.TempDir(), "nolock")
	if err := os.MkdirAll(noLock, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noLock, "pyproject.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		dir      string
		subjects []Subject
		opts     []Option
		want     string
	}{
		{"repeat", dir, []Subject{a}, []Option{WithRepeat(0)}, "repeat must be at least 1, got 0"},
		{"none", dir, nil, nil, "nothing to measure\nhint: name at least one strategy"},
		{"twice", dir, []Subject{a, a}, nil, `subject "a" given twice`},
		{"probe", dir, []Subject{a}, []Option{WithProbe("", func(context.Context) error { return nil })}, "a probe needs both a URL and a prober"},
		{"lock", noLock, []Subject{a}, nil, `reading "` + filepath.Join(noLock, "poetry.lock") + `": stat ` + filepath.Join(noLock, "poetry.lock") + ": no such file or directory\nhint: canto bench needs a Poetry project with a lock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.dir, tc.subjects, tc.opts...)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// writeLayout writes img into an OCI layout at dir, tagged tag.
func writeLayout(t *testing.T, dir, tag string, img v1.Image) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
		t.Fatal(err)
	}
}

func TestNativeSubjectWithoutEngine(t *testing.T) {
	dir := project(t)
	clock := &fakeClock{}
	base, err := random.Image(2000, 2)
	if err != nil {
		t.Fatal(err)
	}
	var reqs []NativeRequest
	builder := NativeBuilderFunc(func(_ context.Context, req NativeRequest) error {
		reqs = append(reqs, req)
		if entries, err := os.ReadDir(req.CacheDir); len(reqs) == 1 && (err != nil || len(entries) != 0) {
			t.Errorf("cold build's cache dir %q is not empty: %v %v", req.CacheDir, entries, err)
		}
		// The cache gets something, so the next build is warm.
		if err := os.WriteFile(filepath.Join(req.CacheDir, "x"), []byte("x"), 0o644); err != nil {
			return err
		}
		// One layer per build that depends on the lock, so the dependency change is a new layer.
		lock, err := os.ReadFile(filepath.Join(req.Dir, "poetry.lock"))
		if err != nil {
			return err
		}
		img, err := mutate.AppendLayers(base, layerFor(t, lock))
		if err != nil {
			return err
		}
		writeLayout(t, req.Layout, req.Tag, img)
		clock.advance(2 * time.Second)
		return nil
	})
	n := NewNativeSubject(builder, nil, "bench/canto:1")
	rep, err := Run(context.Background(), dir, []Subject{n}, WithRepeat(1), WithClock(clock.now), WithTempDir(t.TempDir()),
		WithDependencyChange(addDep), WithProbe("http://x/", func(context.Context) error { t.Error("probed an image that cannot run"); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 4 {
		t.Fatalf("%d builds, want 4", len(reqs))
	}
	if reqs[0].CacheDir != reqs[3].CacheDir || reqs[0].Layout != reqs[3].Layout {
		t.Errorf("builds should share the cache and the layout: %+v", reqs)
	}
	s := rep.Subject("canto")
	if s.SizeKind != UncompressedLayers {
		t.Errorf("size kind = %q", s.SizeKind)
	}
	if s.Metrics[LayerCount].Median != 3 || s.Metrics[ColdBuild].Median != 2 {
		t.Errorf("metrics = %+v", s.Metrics)
	}
	if _, ok := s.Metrics[FirstAnswer]; ok {
		t.Error("first answer measured without an engine")
	}
	ls, _ := base.Layers()
	var baseU int64
	for _, l := range ls {
		rc, _ := l.Uncompressed()
		b, _ := readAll(rc)
		baseU += int64(len(b))
	}
	if got := s.Metrics[ImageSize].Median; got <= float64(baseU) {
		t.Errorf("image size %v not above the base's %d", got, baseU)
	}
	top := layerFor(t, []byte("# lock\n[[package]]\nname = \"new\"\n"))
	topSize, _ := top.Size()
	if got := s.Metrics[PushAfterDependency].Median; got != float64(topSize) {
		t.Errorf("push after dependency = %v, want the one new layer's %d", got, topSize)
	}
}

func TestNativeSubjectWithEngine(t *testing.T) {
	dir := project(t)
	clock := &fakeClock{}
	eng := newFakeEngine(clock)
	builder := NativeBuilderFunc(func(_ context.Context, req NativeRequest) error {
		img, err := mutate.AppendLayers(empty.Image, layerFor(t, []byte(req.Dir)))
		if err != nil {
			return err
		}
		writeLayout(t, req.Layout, req.Tag, img)
		return nil
	})
	n := NewNativeSubject(builder, eng, "bench/canto:1")
	rep, err := Run(context.Background(), dir, []Subject{n}, WithRepeat(1), WithClock(clock.now), WithTempDir(t.TempDir()),
		WithProbe("http://x/", func(context.Context) error { clock.advance(time.Second); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Subject("canto")
	if s.SizeKind != DockerSize || s.Metrics[ImageSize].Median != 4243 || s.Metrics[FirstAnswer].Median != 1 {
		t.Errorf("result = %+v", s)
	}
	// One untimed start, then the timed one.
	want := []string{"load bench/canto:1", "load bench/canto:1", "start bench/canto:1", "stop c-bench/canto:1", "start bench/canto:1", "stop c-bench/canto:1", "remove bench/canto:1"}
	if diff := cmp.Diff(want, eng.log); diff != "" {
		t.Errorf("engine calls (-want +got):\n%s", diff)
	}
}

func TestSummarize(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	for _, tc := range []struct {
		name string
		in   []float64
		want Stats
	}{
		{"none", nil, Stats{}},
		{"one", []float64{3}, Stats{N: 1, Median: 3, Min: 3, Max: 3, Samples: []float64{3}}},
		{"odd", []float64{5, 1, 3}, Stats{N: 3, Median: 3, Min: 1, Max: 5, Samples: []float64{5, 1, 3}}},
		{"even", []float64{4, 1, 3, 10}, Stats{N: 4, Median: 3.5, Min: 1, Max: 10, Samples: []float64{4, 1, 3, 10}}},
		{"nan", []float64{nan, 2}, Stats{N: 1, Median: 2, Min: 2, Max: 2, Samples: []float64{2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Summarize(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewLayers(t *testing.T) {
	got := newLayers([]string{"a", "b", "c"}, []string{"a", "x", "c", "y", "x"})
	if diff := cmp.Diff([]string{"x", "y"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCodeFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  string
		err   string
	}{
		{"package", []string{"gunicorn.conf.py", "web/app.py", "web/__init__.py", "tests/__init__.py"}, "web/__init__.py", ""},
		{"src layout", []string{"src/cli_tool/main.py", "src/cli_tool/__init__.py", ".venv/lib/x/__init__.py"}, "src/cli_tool/__init__.py", ""},
		{"module only", []string{"tests/test_x.py", "app.py"}, "app.py", ""},
		{"none", []string{"README.md"}, "", "no Python file\nhint: name one with --code-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				p := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := CodeFile(dir)
			if tc.err != "" {
				if err == nil || !strings.HasSuffix(err.Error(), tc.err) {
					t.Errorf("err = %v, want …%s", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("CodeFile = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	dir := project(t)
	clock := &fakeClock{}
	eng := newFakeEngine(clock)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := NewDockerfileSubject("a", "docker", eng, "bench/a:1", []byte("FROM x\n"), nil)
	tmp := t.TempDir()
	rep, err := Run(ctx, dir, []Subject{a}, WithRepeat(3), WithClock(clock.now), WithTempDir(tmp),
		WithDependencyChange(func(ctx context.Context, d string) error {
			cancel() // interrupted during the first repetition's dependency change
			return ctx.Err()
		}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if rep == nil || rep.Subject("a") == nil || rep.Subject("a").Metrics[ColdBuild].N != 1 {
		t.Fatalf("the partial report lacks the cold build: %+v", rep)
	}
	if got := eng.log[len(eng.log)-1]; !strings.HasPrefix(got, "remove bench/a:1") {
		t.Errorf("last engine call = %q, want the images removed", got)
	}
	left, err := os.ReadDir(tmp)
	if err != nil || len(left) != 0 {
		t.Errorf("work directory left behind: %v %v", left, err)
	}
}
