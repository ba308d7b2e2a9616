package image

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// DefaultCompressionLevel is the gzip level of LayerFromTar.
const DefaultCompressionLevel = gzip.DefaultCompression

// LayerOption configures LayerFromTar.
type LayerOption func(*layerOptions)

type layerOptions struct {
	mediaType types.MediaType
	level     int
}

// WithLayerMediaType sets the layer's media type: types.OCILayer (the
// default) or types.DockerLayer. LayerMediaType says which one matches a
// base image; Append corrects a mismatch anyway.
func WithLayerMediaType(mt types.MediaType) LayerOption {
	return func(o *layerOptions) { o.mediaType = mt }
}

// WithCompressionLevel sets the gzip level, gzip.BestSpeed to
// gzip.BestCompression. Default: DefaultCompressionLevel. The same tar at the
// same level gives the same digest.
func WithCompressionLevel(level int) LayerOption {
	return func(o *layerOptions) { o.level = level }
}

// LayerMediaType returns the gzip layer media type that matches base: the
// Docker one for a Docker schema 2 manifest, the OCI one otherwise.
func LayerMediaType(base v1.Image) (types.MediaType, error) {
	mt, err := base.MediaType()
	if err != nil {
		return "", fmt.Errorf("reading base manifest media type: %w", err)
	}
	if mt == types.DockerManifestSchema2 {
		return types.DockerLayer, nil
	}
	return types.OCILayer, nil
}

// tarLayer is a gzip-compressed layer made from a tar stream that can be
// reopened. Its digest, size and diff ID are computed once, up front.
type tarLayer struct {
	open      func() (io.ReadCloser, error)
	level     int
	mediaType types.MediaType
	digest    v1.Hash
	diffID    v1.Hash
	size      int64
}

var _ v1.Layer = (*tarLayer)(nil)

// LayerFromTar makes a gzip layer from the uncompressed tar stream that open
// returns; open is called again whenever the layer's bytes are needed, and
// must return the same bytes each time. The gzip header carries no name and
// no time, so the same tar always gives the same digest.
func LayerFromTar(open func() (io.ReadCloser, error), opts ...LayerOption) (v1.Layer, error) {
	o := layerOptions{mediaType: types.OCILayer, level: DefaultCompressionLevel}
	for _, opt := range opts {
		opt(&o)
	}
	if o.mediaType != types.OCILayer && o.mediaType != types.DockerLayer {
		return nil, fmt.Errorf("making layer: media type %q is not a gzip layer type", o.mediaType)
	}
	if o.level < gzip.HuffmanOnly || o.level > gzip.BestCompression {
		return nil, fmt.Errorf("making layer: gzip level %d out of range", o.level)
	}
	l := &tarLayer{open: open, level: o.level, mediaType: o.mediaType}
	rc, err := open()
	if err != nil {
		return nil, fmt.Errorf("making layer: opening tar: %w", err)
	}
	defer func() { _ = rc.Close() }()
	diffHash := sha256.New()
	digestHash := sha256.New()
	counter := &countWriter{w: digestHash}
	if err := l.compress(counter, io.TeeReader(rc, diffHash)); err != nil {
		return nil, fmt.Errorf("making layer: %w", err)
	}
	l.diffID = hashOf(diffHash)
	l.digest = hashOf(digestHash)
	l.size = counter.n
	return l, nil
}

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// compress gzips r into w with a header free of name and time.
func (l *tarLayer) compress(w io.Writer, r io.Reader) error {
	zw, err := gzip.NewWriterLevel(w, l.level)
	if err != nil {
		return err
	}
	if _, err := io.Copy(zw, r); err != nil {
		return fmt.Errorf("compressing tar: %w", err)
	}
	return zw.Close()
}

func (l *tarLayer) Digest() (v1.Hash, error)             { return l.digest, nil }
func (l *tarLayer) DiffID() (v1.Hash, error)             { return l.diffID, nil }
func (l *tarLayer) Size() (int64, error)                 { return l.size, nil }
func (l *tarLayer) MediaType() (types.MediaType, error)  { return l.mediaType, nil }
func (l *tarLayer) Uncompressed() (io.ReadCloser, error) { return l.open() }

// Compressed gzips the tar again; a stream whose bytes differ from the
// first read fails at its end.
func (l *tarLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.open()
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		defer func() { _ = rc.Close() }()
		h := sha256.New()
		err := l.compress(io.MultiWriter(pw, h), rc)
		if err == nil && hashOf(h) != l.digest {
			err = errors.New("layer tar changed between reads: compressed digest mismatch")
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}
