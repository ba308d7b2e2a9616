package bench

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/gzip"
)

// Docker is an Engine that runs the docker command-line client.
type Docker struct {
	bin      string
	buildKit bool
	network  string
	env      []string
	logger   *slog.Logger

	mu         sync.Mutex
	compressed map[string]int64 // by diff ID
}

// DockerOption configures NewDocker.
type DockerOption func(*Docker)

// WithDockerBinary sets the docker client to run (default "docker" from
// PATH).
func WithDockerBinary(path string) DockerOption { return func(d *Docker) { d.bin = path } }

// WithBuildKit selects BuildKit (DOCKER_BUILDKIT=1, the default) or the
// classic builder (DOCKER_BUILDKIT=0).
func WithBuildKit(on bool) DockerOption { return func(d *Docker) { d.buildKit = on } }

// WithNetwork sets the network of builds and containers (default "host",
// which the offline test world's engine needs).
func WithNetwork(n string) DockerOption { return func(d *Docker) { d.network = n } }

// WithDockerEnv adds environment variables for the client (default: the
// process's environment only).
func WithDockerEnv(kv ...string) DockerOption {
	return func(d *Docker) { d.env = append(d.env, kv...) }
}

// WithDockerLogger sets the logger for the client's output (default:
// discard).
func WithDockerLogger(l *slog.Logger) DockerOption { return func(d *Docker) { d.logger = l } }

// NewDocker returns an Engine that runs the docker client.
func NewDocker(opts ...DockerOption) *Docker {
	d := &Docker{bin: "docker", buildKit: true, network: "host", logger: slog.New(slog.NewTextHandler(io.Discard, nil)), compressed: map[string]int64{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Ping checks that the client reaches a daemon, and returns its version.
func (d *Docker) Ping(ctx context.Context) (string, error) {
	out, err := d.run(ctx, nil, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func (d *Docker) cmd(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, d.bin, args...)
	c.Env = append(os.Environ(), d.env...)
	if d.buildKit {
		c.Env = append(c.Env, "DOCKER_BUILDKIT=1")
	} else {
		c.Env = append(c.Env, "DOCKER_BUILDKIT=0")
	}
	return c
}

// run runs the client and returns its stdout; an error carries the end of
// its stderr.
func (d *Docker) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	c := d.cmd(ctx, args...)
	c.Stdin = stdin
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	d.logger.Debug("docker", "args", args)
	if err := c.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("running docker %s: %w\n%s", args[0], err, tail(errb.String(), 20))
	}
	return out.Bytes(), nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Build implements Engine: docker build --network N --tag T --file F DIR.
func (d *Docker) Build(ctx context.Context, req BuildRequest) error {
	args := []string{"build", "--network", d.network, "--tag", req.Tag, "--file", req.Dockerfile}
	if req.NoCache {
		args = append(args, "--no-cache")
	}
	if d.buildKit {
		args = append(args, "--progress", "plain")
	}
	args = append(args, req.Dir)
	_, err := d.run(ctx, nil, args...)
	return err
}

// PruneBuildCache implements Engine: docker builder prune -af.
func (d *Docker) PruneBuildCache(ctx context.Context) error {
	_, err := d.run(ctx, nil, "builder", "prune", "-af")
	return err
}

// Inspect implements Engine with docker image inspect.
func (d *Docker) Inspect(ctx context.Context, ref string) (ImageInfo, error) {
	out, err := d.run(ctx, nil, "image", "inspect", "--format", "{{json .Id}} {{json .Size}} {{json .RootFS.Layers}}", ref)
	if err != nil {
		return ImageInfo{}, err
	}
	return parseInspect(out)
}

func parseInspect(out []byte) (ImageInfo, error) {
	fields := strings.SplitN(strings.TrimSpace(string(out)), " ", 3)
	if len(fields) != 3 {
		return ImageInfo{}, fmt.Errorf("parsing docker image inspect output %q: want 3 fields", out)
	}
	var info ImageInfo
	if err := json.Unmarshal([]byte(fields[0]), &info.ID); err != nil {
		return ImageInfo{}, fmt.Errorf("parsing the image ID %q: %w", fields[0], err)
	}
	size, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("parsing the image size %q: %w", fields[1], err)
	}
	info.Size = size
	if err := json.Unmarshal([]byte(fields[2]), &info.DiffIDs); err != nil {
		return ImageInfo{}, fmt.Errorf("parsing the layers %q: %w", fields[2], err)
	}
	return info, nil
}

// CompressedSizes implements Engine. The engine stores layers
// uncompressed; a push gzips them. So the layers are read with docker save,
// each layer tar is identified by its sha256 (its diff ID) and gzipped at
// the default level, as docker push does, and the compressed bytes are
// counted. Sizes are remembered by diff ID, so shared base layers are
// compressed once per Docker value.
func (d *Docker) CompressedSizes(ctx context.Context, ref string, ids []string) (map[string]int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int64{}
	var missing []string
	for _, id := range ids {
		if s, ok := d.compressed[id]; ok {
			out[id] = s
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	c := d.cmd(ctx, "save", ref)
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("running docker save: %w", err)
	}
	var errb bytes.Buffer
	c.Stderr = &errb
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("running docker save: %w", err)
	}
	found, rerr := compressLayers(stdout, missing)
	if rerr != nil {
		_, _ = io.Copy(io.Discard, stdout)
	}
	werr := c.Wait()
	if rerr != nil {
		return nil, fmt.Errorf("reading docker save %s: %w", ref, rerr)
	}
	if werr != nil {
		return nil, fmt.Errorf("running docker save %s: %w\n%s", ref, werr, tail(errb.String(), 20))
	}
	for id, s := range found {
		d.compressed[id] = s
	}
	for _, id := range ids {
		s, ok := d.compressed[id]
		if !ok {
			return nil, fmt.Errorf("reading docker save %s: layer %s not found", ref, id)
		}
		out[id] = s
	}
	return out, nil
}

// compressLayers reads a docker save (or OCI) tar stream and returns the
// gzip size of every layer tar whose sha256 is in want. Each member is
// spooled to a temporary file while hashed, and compressed only when
// wanted.
func compressLayers(r io.Reader, want []string) (map[string]int64, error) {
	wanted := map[string]bool{}
	for _, id := range want {
		wanted[id] = true
	}
	spool, err := os.CreateTemp("", "canto-bench-layer-")
	if err != nil {
		return nil, fmt.Errorf("making a spool file: %w", err)
	}
	defer func() { _ = spool.Close(); _ = os.Remove(spool.Name()) }()
	out := map[string]int64{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		isLayer := strings.HasSuffix(h.Name, "/layer.tar") || strings.HasPrefix(h.Name, "blobs/sha256/")
		if h.Typeflag != tar.TypeReg || !isLayer {
			continue
		}
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		if err := spool.Truncate(0); err != nil {
			return nil, err
		}
		sum := sha256.New()
		if _, err := io.Copy(io.MultiWriter(sum, spool), tr); err != nil {
			return nil, err
		}
		id := "sha256:" + hex.EncodeToString(sum.Sum(nil))
		if !wanted[id] {
			continue
		}
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		n, err := gzipSize(spool)
		if err != nil {
			return nil, err
		}
		out[id] = n
	}
}

// gzipSize returns the size of r gzipped at the default level.
func gzipSize(r io.Reader) (int64, error) {
	var cw countingWriter
	zw := gzip.NewWriter(&cw)
	if _, err := io.Copy(zw, r); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// Load implements Engine: the image is streamed to docker load as a
// docker-archive tarball.
func (d *Docker) Load(ctx context.Context, img v1.Image, ref string) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("parsing %q: %w", ref, err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.Write(tag, img, pw)) }()
	_, err = d.run(ctx, pr, "load", "--quiet")
	_ = pr.Close()
	return err
}

// Start implements Engine: docker run -d --network N REF.
func (d *Docker) Start(ctx context.Context, ref string) (string, error) {
	out, err := d.run(ctx, nil, "run", "--detach", "--network", d.network, ref)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Stop implements Engine: docker rm -f ID.
func (d *Docker) Stop(ctx context.Context, id string) error {
	_, err := d.run(ctx, nil, "rm", "--force", id)
	return err
}

// Remove implements Engine: docker image rm -f, each image on its own so
// that one missing image does not keep the others.
func (d *Docker) Remove(ctx context.Context, refs ...string) error {
	var errs []error
	seen := map[string]bool{}
	for _, r := range refs {
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		if _, err := d.run(ctx, nil, "image", "rm", "--force", r); err != nil && !strings.Contains(err.Error(), "No such image") {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
