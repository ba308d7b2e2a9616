package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// fakeEngine records calls, takes fixed fake time per build, and gives
// each build of a tag new top layers that depend on the context.
type fakeEngine struct {
	clock    *fakeClock
	log      []string
	buildFor func(req BuildRequest) time.Duration
	images   map[string]ImageInfo
	builds   int
	failOn   string
	running  map[string]bool
}

func newFakeEngine(c *fakeClock) *fakeEngine {
	return &fakeEngine{clock: c, images: map[string]ImageInfo{}, running: map[string]bool{},
		buildFor: func(req BuildRequest) time.Duration {
			if req.NoCache {
				return 100 * time.Second
			}
			return 10 * time.Second
		}}
}

func (f *fakeEngine) record(format string, args ...any) {
	f.log = append(f.log, fmt.Sprintf(format, args...))
}

func (f *fakeEngine) Build(_ context.Context, req BuildRequest) error {
	f.record("build %s nocache=%v", req.Tag, req.NoCache)
	if f.failOn != "" && strings.Contains(req.Tag, f.failOn) {
		return fmt.Errorf("boom")
	}
	// The layers: a base, a dependency layer keyed on the lock, a code layer keyed on everything.
	lock, err := os.ReadFile(filepath.Join(req.Dir, "poetry.lock"))
	if err != nil {
		return err
	}
	code, err := os.ReadFile(filepath.Join(req.Dir, "pkg", "__init__.py"))
	if err != nil {
		return err
	}
	f.builds++
	f.images[req.Tag] = ImageInfo{
		ID:      fmt.Sprintf("sha256:id%d", f.builds),
		Size:    1000 + int64(len(lock)),
		DiffIDs: []string{"sha256:base", fmt.Sprintf("sha256:deps-%d", len(lock)), fmt.Sprintf("sha256:code-%d", len(code))},
	}
	f.clock.advance(f.buildFor(req))
	return nil
}

func (f *fakeEngine) PruneBuildCache(context.Context) error {
	f.record("prune")
	f.clock.advance(time.Hour) // untimed: must not show in any metric
	return nil
}

func (f *fakeEngine) Inspect(_ context.Context, ref string) (ImageInfo, error) {
	info, ok := f.images[ref]
	if !ok {
		return ImageInfo{}, fmt.Errorf("no such image %s", ref)
	}
	return info, nil
}

func (f *fakeEngine) CompressedSizes(_ context.Context, ref string, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, id := range ids {
		switch {
		case id == "sha256:base":
			out[id] = 500
		case strings.HasPrefix(id, "sha256:deps-"):
			out[id] = 200
		default:
			out[id] = 7
		}
	}
	return out, nil
}

func (f *fakeEngine) Load(_ context.Context, img v1.Image, ref string) error {
	f.record("load %s", ref)
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	var ids []string
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	for _, d := range cf.RootFS.DiffIDs {
		ids = append(ids, d.String())
	}
	f.clock.advance(5 * time.Second) // untimed: loading is not part of any metric
	f.images[ref] = ImageInfo{ID: "sha256:loaded", Size: 4242 + int64(len(m.Layers)), DiffIDs: ids}
	return nil
}

func (f *fakeEngine) Start(_ context.Context, ref string) (string, error) {
	f.record("start %s", ref)
	f.running[ref] = true
	return "c-" + ref, nil
}

func (f *fakeEngine) Stop(_ context.Context, id string) error {
	f.record("stop %s", id)
	delete(f.running, strings.TrimPrefix(id, "c-"))
	return nil
}

func (f *fakeEngine) Remove(_ context.Context, refs ...string) error {
	f.record("remove %s", strings.Join(refs, " "))
	return nil
}
