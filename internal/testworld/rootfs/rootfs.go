package rootfs

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// DefaultEnv is the environment of the images' config unless WithEnv is given.
var DefaultEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"LANG=C.UTF-8",
}

// DefaultCmd is the command of the images' config unless WithCmd is given.
var DefaultCmd = []string{"python3"}

// skippedContents are directories whose contents never go into a layer: the
// runtime mounts them. The directories themselves are kept.
var skippedContents = []string{"proc", "sys", "dev"}

type options struct {
	epoch     time.Time
	level     int
	env       []string
	cmd       []string
	createdBy string
	logger    *slog.Logger
}

// Option configures WriteTar, Layer and Image.
type Option func(*options)

// WithEpoch sets the time that clamps every entry's modification time and
// becomes the image's creation time. Default: the Unix epoch (0).
func WithEpoch(t time.Time) Option {
	return func(o *options) { o.epoch = t.UTC().Truncate(time.Second) }
}

// WithCompressionLevel sets the gzip level of the layer.
// Default: gzip.DefaultCompression.
func WithCompressionLevel(level int) Option { return func(o *options) { o.level = level } }

// WithEnv sets the config's environment. Default: DefaultEnv.
func WithEnv(env []string) Option { return func(o *options) { o.env = env } }

// WithCmd sets the config's command. Default: DefaultCmd.
func WithCmd(cmd []string) Option { return func(o *options) { o.cmd = cmd } }

// WithCreatedBy sets the history entry's created_by. Default: "canto-testrootfs".
func WithCreatedBy(s string) Option { return func(o *options) { o.createdBy = s } }

// WithLogger sets the logger for skipped entries. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

func makeOptions(opts []Option) (*options, error) {
	o := &options{
		epoch:     time.Unix(0, 0).UTC(),
		level:     gzip.DefaultCompression,
		env:       DefaultEnv,
		cmd:       DefaultCmd,
		createdBy: "canto-testrootfs",
		logger:    slog.New(slog.DiscardHandler),
	}
	for _, opt := range opts {
		opt(o)
	}
	if o.level < gzip.HuffmanOnly || o.level > gzip.BestCompression {
		return nil, fmt.Errorf("checking options: gzip level %d out of range", o.level)
	}
	return o, nil
}

type inode struct{ dev, ino uint64 }

// WriteTar writes the tree under dir to w as an uncompressed tar stream.
// Entries come in lexical walk order with each directory before its contents;
// numeric owners and permission bits (with setuid, setgid and sticky) are
// kept, names are not; modification times are clamped to the epoch; files
// seen before through another hard link become hard-link entries. The contents
// of proc, sys and dev, sockets and device files are left out.
func WriteTar(ctx context.Context, dir string, w io.Writer, opts ...Option) error {
	o, err := makeOptions(opts)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	seen := map[inode]string{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if parent, _, ok := strings.Cut(rel, "/"); ok && isSkipped(parent) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return writeEntry(tw, path, rel, fi, seen, o)
	})
	if err != nil {
		return fmt.Errorf("archiving %q: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("archiving %q: %w", dir, err)
	}
	return nil
}

func isSkipped(top string) bool {
	for _, s := range skippedContents {
		if top == s {
			return true
		}
	}
	return false
}

func writeEntry(tw *tar.Writer, path, rel string, fi fs.FileInfo, seen map[inode]string, o *options) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("reading owner of %q: no stat data", path)
	}
	mtime := fi.ModTime().UTC().Truncate(time.Second)
	if mtime.After(o.epoch) {
		mtime = o.epoch
	}
	hdr := &tar.Header{
		Name:    rel,
		Mode:    tarMode(fi.Mode()),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: mtime,
	}
	mode := fi.Mode()
	switch {
	case mode.IsRegular():
		id := inode{dev: uint64(st.Dev), ino: st.Ino} //nolint:unconvert // Dev is not uint64 on every platform
		if first, ok := seen[id]; ok && st.Nlink > 1 {
			hdr.Typeflag = tar.TypeLink
			hdr.Linkname = first
			return tw.WriteHeader(hdr)
		}
		if st.Nlink > 1 {
			seen[id] = rel
		}
		hdr.Typeflag = tar.TypeReg
		hdr.Size = fi.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		return copyFile(tw, path, fi.Size())
	case mode.IsDir():
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = target
	case mode&fs.ModeNamedPipe != 0:
		hdr.Typeflag = tar.TypeFifo
	default:
		o.logger.Debug("skipping special file", "path", rel, "mode", mode.String())
		return nil
	}
	return tw.WriteHeader(hdr)
}

func copyFile(w io.Writer, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	n, err := io.Copy(w, io.LimitReader(f, size))
	if err != nil {
		return fmt.Errorf("copying %q: %w", path, err)
	}
	if n != size {
		return fmt.Errorf("copying %q: file shrank from %d to %d bytes while archiving", path, size, n)
	}
	return nil
}

// tarMode maps a Go file mode to tar's mode bits.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// Layer archives dir (see WriteTar) into a gzip-compressed file in tmpDir and
// returns it as an OCI layer backed by that file. The caller removes the file
// (the returned path) when done with the layer.
func Layer(ctx context.Context, dir, tmpDir string, opts ...Option) (v1.Layer, string, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, "", err
	}
	f, err := os.CreateTemp(tmpDir, "layer-*.tar.gz")
	if err != nil {
		return nil, "", fmt.Errorf("creating layer file: %w", err)
	}
	name := f.Name()
	fail := func(err error) (v1.Layer, string, error) {
		_ = f.Close()
		_ = os.Remove(name)
		return nil, "", err
	}
	zw, err := gzip.NewWriterLevel(f, o.level)
	if err != nil {
		return fail(fmt.Errorf("compressing layer: %w", err))
	}
	if err := WriteTar(ctx, dir, zw, opts...); err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(fmt.Errorf("compressing layer: %w", err))
	}
	if err := f.Close(); err != nil {
		return fail(fmt.Errorf("writing %q: %w", name, err))
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return os.Open(name) },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		_ = os.Remove(name)
		return nil, "", fmt.Errorf("reading layer %q: %w", name, err)
	}
	// Hide the tarball layer's Descriptor method: it reports an empty, non-nil
	// annotations map that the serialized manifest omits, which validate flags.
	return plainLayer{layer}, name, nil
}

// plainLayer exposes only the v1.Layer methods of the layer it wraps.
type plainLayer struct{ v1.Layer }

// Image wraps layer into a single-layer OCI image for linux on the running
// architecture, with the configured environment, command and creation time.
func Image(layer v1.Layer, opts ...Option) (v1.Image, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	created := v1.Time{Time: o.epoch}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		History:   v1.History{Created: created, CreatedBy: o.createdBy, Comment: "root filesystem"},
		MediaType: types.OCILayer,
	})
	if err != nil {
		return nil, fmt.Errorf("adding layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = runtime.GOARCH
	cf.Created = created
	cf.Config.Env = append([]string(nil), o.env...)
	cf.Config.Cmd = append([]string(nil), o.cmd...)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("setting config: %w", err)
	}
	return img, nil
}

// ErrNoRootfs is returned by Build when dir is not a directory.
var ErrNoRootfs = errors.New("not a root filesystem directory")

// Build is Layer followed by Image. The returned cleanup removes the layer
// file; call it after the image has been written.
func Build(ctx context.Context, dir, tmpDir string, opts ...Option) (v1.Image, func(), error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, nil, fmt.Errorf("reading %q: %w\nhint: build it first with testworld/up.sh 30-images", dir, ErrNoRootfs)
	}
	layer, name, err := Layer(ctx, dir, tmpDir, opts...)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = os.Remove(name) }
	img, err := Image(layer, opts...)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return img, cleanup, nil
}
