package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Engine is a container engine: it builds Dockerfiles, describes, loads,
// runs and removes images. Docker implements it with the docker CLI; tests
// use a fake.
type Engine interface {
	// Build builds req.Dockerfile with req.Dir as context and tags it.
	Build(ctx context.Context, req BuildRequest) error
	// PruneBuildCache empties the build cache, cache mounts included.
	PruneBuildCache(ctx context.Context) error
	// Inspect describes an image.
	Inspect(ctx context.Context, ref string) (ImageInfo, error)
	// CompressedSizes returns the gzip-compressed size of each of the given
	// layers (by diff ID) of the image ref.
	CompressedSizes(ctx context.Context, ref string, diffIDs []string) (map[string]int64, error)
	// Load loads img into the engine under ref.
	Load(ctx context.Context, img v1.Image, ref string) error
	// Start starts a container of ref and returns its ID.
	Start(ctx context.Context, ref string) (string, error)
	// Stop stops and removes a container.
	Stop(ctx context.Context, id string) error
	// Remove removes images; missing ones are not an error.
	Remove(ctx context.Context, refs ...string) error
}

// BuildRequest is one Dockerfile build.
type BuildRequest struct {
	Dir        string
	Dockerfile string
	Tag        string
	NoCache    bool
}

// ImageInfo describes an image in an engine.
type ImageInfo struct {
	ID      string
	Size    int64
	DiffIDs []string
}

// DockerfileSubject measures a Dockerfile built by an Engine.
type DockerfileSubject struct {
	name, builder string
	engine        Engine
	dockerfile    []byte
	dockerignore  []byte
	tag           string
	dir           string
	ids           []string
}

// NewDockerfileSubject returns a subject named name that writes dockerfile
// and dockerignore into each project copy and builds it with engine under
// tag; builder describes the engine, e.g. "docker buildkit".
func NewDockerfileSubject(name, builder string, engine Engine, tag string, dockerfile, dockerignore []byte) *DockerfileSubject {
	return &DockerfileSubject{name: name, builder: builder, engine: engine, tag: tag, dockerfile: dockerfile, dockerignore: dockerignore}
}

// Name implements Subject.
func (d *DockerfileSubject) Name() string { return d.name }

// Builder implements Subject.
func (d *DockerfileSubject) Builder() string { return d.builder }

// Prepare writes the Dockerfile and .dockerignore into the copy, unless
// it already has them under the same names, in which case it fails.
func (d *DockerfileSubject) Prepare(_ context.Context, ws Workspace) error {
	d.dir = ws.Project
	for name, data := range map[string][]byte{"Dockerfile": d.dockerfile, ".dockerignore": d.dockerignore} {
		p := filepath.Join(ws.Project, name)
		if data == nil {
			continue
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("writing %q: %w", p, err)
		}
	}
	return nil
}

// PrepareCold empties the engine's build cache.
func (d *DockerfileSubject) PrepareCold(ctx context.Context) error {
	return d.engine.PruneBuildCache(ctx)
}

// Build implements Subject: a cold build also passes --no-cache.
func (d *DockerfileSubject) Build(ctx context.Context, cold bool) error {
	err := d.engine.Build(ctx, BuildRequest{Dir: d.dir, Dockerfile: filepath.Join(d.dir, "Dockerfile"), Tag: d.tag, NoCache: cold})
	if err != nil {
		return err
	}
	info, err := d.engine.Inspect(ctx, d.tag)
	if err != nil {
		return err
	}
	d.ids = append(d.ids, info.ID)
	return nil
}

// Layers implements Subject.
func (d *DockerfileSubject) Layers(ctx context.Context) ([]string, error) {
	info, err := d.engine.Inspect(ctx, d.tag)
	return info.DiffIDs, err
}

// Size implements Subject: the engine's figure.
func (d *DockerfileSubject) Size(ctx context.Context) (int64, SizeKind, error) {
	info, err := d.engine.Inspect(ctx, d.tag)
	return info.Size, DockerSize, err
}

// Compressed implements Subject.
func (d *DockerfileSubject) Compressed(ctx context.Context, diffIDs []string) (map[string]int64, error) {
	if len(diffIDs) == 0 {
		return map[string]int64{}, nil
	}
	return d.engine.CompressedSizes(ctx, d.tag, diffIDs)
}

// Start implements Subject.
func (d *DockerfileSubject) Start(ctx context.Context) (func(context.Context) error, error) {
	id, err := d.engine.Start(ctx, d.tag)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return d.engine.Stop(ctx, id) }, nil
}

// Cleanup removes the tag and every image the subject built.
func (d *DockerfileSubject) Cleanup(ctx context.Context) error {
	refs := append([]string{d.tag}, d.ids...)
	d.ids = nil
	return d.engine.Remove(ctx, refs...)
}

// NativeRequest is one build by canto's native builder.
type NativeRequest struct {
	// Dir is the project.
	Dir string
	// CacheDir is the cache directory to use; empty for a cold build.
	CacheDir string
	// Layout is an OCI layout directory to write the image to, tagged Tag.
	Layout, Tag string
}

// NativeBuilder builds a project with canto's native builder.
type NativeBuilder interface {
	Build(ctx context.Context, req NativeRequest) error
}

// NativeBuilderFunc adapts a function to NativeBuilder.
type NativeBuilderFunc func(ctx context.Context, req NativeRequest) error

// Build implements NativeBuilder.
func (f NativeBuilderFunc) Build(ctx context.Context, req NativeRequest) error { return f(ctx, req) }

// NativeSubject measures canto's native build. Its image is written to an
// OCI layout; when it has an engine, the image is loaded into it to read
// the size `docker images` shows and to run it.
type NativeSubject struct {
	builder NativeBuilder
	engine  Engine
	tag     string
	ws      Workspace
	layout  string
	img     v1.Image
	loaded  bool
}

// NewNativeSubject returns the "canto" subject. engine may be nil: sizes
// are then the sums of uncompressed layers and the image is not run.
func NewNativeSubject(b NativeBuilder, engine Engine, tag string) *NativeSubject {
	return &NativeSubject{builder: b, engine: engine, tag: tag}
}

// Name implements Subject.
func (n *NativeSubject) Name() string { return "canto" }

// Builder implements Subject.
func (n *NativeSubject) Builder() string { return "canto build" }

// Prepare implements Subject.
func (n *NativeSubject) Prepare(_ context.Context, ws Workspace) error {
	n.ws, n.img, n.loaded = ws, nil, false
	return nil
}

// PrepareCold empties the cache directory.
func (n *NativeSubject) PrepareCold(context.Context) error {
	dir := filepath.Join(n.ws.Scratch, "cache")
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("emptying %q: %w", dir, err)
	}
	return os.MkdirAll(dir, 0o755)
}

// Build implements Subject. Every build of a workspace writes to the same
// OCI layout, as a user's repeated `canto build -o oci:DIR:TAG` does: blobs
// already there are not written again, and the tag moves to the new image.
func (n *NativeSubject) Build(ctx context.Context, _ bool) error {
	n.layout = filepath.Join(n.ws.Scratch, "oci")
	n.img, n.loaded = nil, false
	return n.builder.Build(ctx, NativeRequest{Dir: n.ws.Project, CacheDir: filepath.Join(n.ws.Scratch, "cache"), Layout: n.layout, Tag: "bench"})
}

func (n *NativeSubject) image() (v1.Image, error) {
	if n.img != nil {
		return n.img, nil
	}
	if n.layout == "" {
		return nil, errors.New("no image built yet")
	}
	img, err := ReadLayout(n.layout, "bench")
	if err != nil {
		return nil, err
	}
	n.img = img
	return img, nil
}

// Layers implements Subject.
func (n *NativeSubject) Layers(context.Context) ([]string, error) {
	img, err := n.image()
	if err != nil {
		return nil, err
	}
	return diffIDs(img)
}

// Size implements Subject: as `docker images` reports it after loading
// the image, or the sum of uncompressed layers with no engine.
func (n *NativeSubject) Size(ctx context.Context) (int64, SizeKind, error) {
	img, err := n.image()
	if err != nil {
		return 0, "", err
	}
	if n.engine == nil {
		s, err := uncompressedSize(img)
		return s, UncompressedLayers, err
	}
	if err := n.load(ctx); err != nil {
		return 0, "", err
	}
	info, err := n.engine.Inspect(ctx, n.tag)
	return info.Size, DockerSize, err
}

func (n *NativeSubject) load(ctx context.Context) error {
	if n.loaded {
		return nil
	}
	img, err := n.image()
	if err != nil {
		return err
	}
	if err := n.engine.Load(ctx, img, n.tag); err != nil {
		return err
	}
	n.loaded = true
	return nil
}

// Compressed implements Subject: the sizes of the layer blobs canto wrote,
// which are what it pushes.
func (n *NativeSubject) Compressed(_ context.Context, ids []string) (map[string]int64, error) {
	img, err := n.image()
	if err != nil {
		return nil, err
	}
	return compressedSizes(img, ids)
}

// PrepareRun loads the latest image into the engine, so that loading is
// not counted in the time to the first answer.
func (n *NativeSubject) PrepareRun(ctx context.Context) error {
	if n.engine == nil {
		return ErrCannotRun
	}
	return n.load(ctx)
}

// Start implements Subject.
func (n *NativeSubject) Start(ctx context.Context) (func(context.Context) error, error) {
	if n.engine == nil {
		return nil, ErrCannotRun
	}
	if err := n.load(ctx); err != nil {
		return nil, err
	}
	id, err := n.engine.Start(ctx, n.tag)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return n.engine.Stop(ctx, id) }, nil
}

// Cleanup removes the loaded image; the layouts and cache go with the
// workspace.
func (n *NativeSubject) Cleanup(ctx context.Context) error {
	if n.engine == nil {
		return nil
	}
	return n.engine.Remove(ctx, n.tag)
}
