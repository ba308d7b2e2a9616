// Command canto-testrootfs turns a root filesystem directory of canto's test
// world into a deterministic single-layer OCI image, tagged in an OCI layout
// and optionally written as a docker-archive tarball.
//
// On success it prints key=value lines on stdout: digest (manifest digest),
// id (config digest, which Docker shows as the image ID) and size (bytes of
// the compressed layer).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/canto-build/canto/internal/testworld/rootfs"
)

// refNameAnnotation names an image in an OCI layout (image-spec annotations.md).
const refNameAnnotation = "org.opencontainers.image.ref.name"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "canto-testrootfs: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("canto-testrootfs", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("rootfs", "", "root filesystem directory (required)")
	layoutDir := fl.String("layout", "", "OCI layout to write the image into (required)")
	tag := fl.String("tag", "", "tag of the image in the layout, its org.opencontainers.image.ref.name (required)")
	archive := fl.String("archive", "", "also write a docker-archive tarball to this file")
	ref := fl.String("ref", "", "image reference recorded in the docker-archive (default: TAG:latest)")
	epochDefault := int64(0)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("parsing SOURCE_DATE_EPOCH %q: %w", s, err)
		}
		epochDefault = v
	}
	epoch := fl.Int64("epoch", epochDefault, "clamp mtimes to, and date the image at, this Unix time (default: $SOURCE_DATE_EPOCH or 0)")
	createdBy := fl.String("created-by", "canto-testrootfs", "created_by of the image's history entry")
	tmp := fl.String("tmp", "", "directory for the temporary layer file (default: the layout directory)")
	verbose := fl.Bool("v", false, "log skipped special files")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *layoutDir == "" || *tag == "" || fl.NArg() > 0 {
		fl.Usage()
		return errors.New("checking flags: -rootfs, -layout and -tag are required and no arguments are taken")
	}
	if *ref == "" {
		*ref = *tag + ":latest"
	}
	if *tmp == "" {
		*tmp = *layoutDir
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	p, err := openLayout(*layoutDir)
	if err != nil {
		return err
	}
	img, cleanup, err := rootfs.Build(ctx, *dir, *tmp,
		rootfs.WithEpoch(time.Unix(*epoch, 0)),
		rootfs.WithCreatedBy(*createdBy),
		rootfs.WithLogger(logger))
	if err != nil {
		return err
	}
	defer cleanup()

	ann := map[string]string{refNameAnnotation: *tag}
	if err := p.ReplaceImage(img, match.Name(*tag), layout.WithAnnotations(ann)); err != nil {
		return fmt.Errorf("writing %q to layout %q: %w", *tag, *layoutDir, err)
	}
	if err := collectGarbage(p); err != nil {
		return err
	}
	if *archive != "" {
		if err := writeArchive(*archive, *ref, img); err != nil {
			return err
		}
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("hashing manifest: %w", err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("hashing config: %w", err)
	}
	size, err := layerSize(img)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "digest=%s\nid=%s\nsize=%d\n", digest, id, size)
	return err
}

func openLayout(dir string) (layout.Path, error) {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
		p, err := layout.FromPath(dir)
		if err != nil {
			return "", fmt.Errorf("opening layout %q: %w", dir, err)
		}
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating layout %q: %w", dir, err)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return "", fmt.Errorf("creating layout %q: %w", dir, err)
	}
	return p, nil
}

// collectGarbage removes blobs that no tagged image references any more, so
// rebuilding an image does not leave its old layer behind.
func collectGarbage(p layout.Path) error {
	unused, err := p.GarbageCollect() //nolint:staticcheck // experimental, but exactly what is needed here
	if err != nil {
		return fmt.Errorf("collecting garbage in %q: %w", string(p), err)
	}
	for _, h := range unused {
		if err := p.RemoveBlob(h); err != nil {
			return fmt.Errorf("removing blob %q: %w", h.String(), err)
		}
	}
	return nil
}

func writeArchive(path, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("parsing reference %q: %w", ref, err)
	}
	tmp := path + ".tmp"
	if err := tarball.WriteToFile(tmp, tag, img); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing docker-archive %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing docker-archive %q: %w", path, err)
	}
	return nil
}

func layerSize(img v1.Image) (int64, error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, fmt.Errorf("listing layers: %w", err)
	}
	var total int64
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return 0, fmt.Errorf("sizing layer: %w", err)
		}
		total += n
	}
	return total, nil
}
