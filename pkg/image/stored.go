package image

import (
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Compress gzips a tar stream exactly as LayerFromTar does, so a layer
// compressed once and stored keeps its digest.
func Compress(w io.Writer, r io.Reader, level int) error {
	zw, err := gzip.NewWriterLevel(w, level)
	if err != nil {
		return err
	}
	if _, err := io.Copy(zw, r); err != nil {
		return fmt.Errorf("compressing tar: %w", err)
	}
	return zw.Close()
}

// StoredLayer describes a compressed layer kept in a file, whose digests are
// already known; canto's layer cache hands these out so that an unchanged
// layer is never tarred or compressed again.
type StoredLayer struct {
	// Path is the gzip file.
	Path string
	// Digest is the sha256 of the file, DiffID that of the tar inside.
	Digest, DiffID v1.Hash
	Size           int64
	MediaType      types.MediaType
}

// Layer returns the v1.Layer view of s.
func (s StoredLayer) Layer() v1.Layer { return &storedLayer{s} }

type storedLayer struct{ s StoredLayer }

func (l *storedLayer) Digest() (v1.Hash, error)            { return l.s.Digest, nil }
func (l *storedLayer) DiffID() (v1.Hash, error)            { return l.s.DiffID, nil }
func (l *storedLayer) Size() (int64, error)                { return l.s.Size, nil }
func (l *storedLayer) MediaType() (types.MediaType, error) { return l.s.MediaType, nil }
func (l *storedLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.s.Path) }

func (l *storedLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.s.Path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("reading layer %s: %w", l.s.Digest, err)
	}
	return &gzipFile{zr: zr, f: f}, nil
}

type gzipFile struct {
	zr *gzip.Reader
	f  *os.File
}

func (g *gzipFile) Read(p []byte) (int, error) { return g.zr.Read(p) }
func (g *gzipFile) Close() error {
	err := g.zr.Close()
	if cerr := g.f.Close(); err == nil {
		err = cerr
	}
	return err
}
