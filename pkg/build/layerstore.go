package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/venv"
)

// layerMeta is what the cache keeps about a compressed layer, besides the
// blob itself (stored under its digest).
type layerMeta struct {
	Digest string `json:"digest"`
	DiffID string `json:"diff_id"`
	Size   int64  `json:"size"`
}

// storeLayer returns the layer cached under key, or builds it with write
// (which gets a temporary file to write the tar into), compresses it once and
// caches the result. A cached layer is never tarred or compressed again.
func (b *Builder) storeLayer(ctx context.Context, key string, mt types.MediaType, write func(*os.File) error) (image.StoredLayer, bool, error) {
	metaKey := "layer/" + key
	if p, _, ok, err := b.cache.GetKey(metaKey); err == nil && ok {
		if s, ok := b.loadStored(p, mt); ok {
			return s, true, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return image.StoredLayer{}, false, err
	}
	tmp, err := os.CreateTemp("", "canto-layer-*.tar")
	if err != nil {
		return image.StoredLayer{}, false, err
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	if err := write(tmp); err != nil {
		return image.StoredLayer{}, false, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return image.StoredLayer{}, false, err
	}
	diff := sha256.New()
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(image.Compress(pw, io.TeeReader(tmp, diff), image.DefaultCompressionLevel))
	}()
	digest, blobPath, err := b.cache.Add(ctx, pr)
	_ = pr.Close()
	if err != nil {
		return image.StoredLayer{}, false, fmt.Errorf("caching layer: %w", err)
	}
	st, err := os.Stat(blobPath)
	if err != nil {
		return image.StoredLayer{}, false, err
	}
	meta := layerMeta{Digest: "sha256:" + digest, DiffID: "sha256:" + hex.EncodeToString(diff.Sum(nil)), Size: st.Size()}
	raw, err := json.Marshal(meta)
	if err != nil {
		return image.StoredLayer{}, false, err
	}
	if _, _, err := b.cache.PutKey(ctx, metaKey, bytes.NewReader(raw)); err != nil {
		return image.StoredLayer{}, false, fmt.Errorf("caching layer: %w", err)
	}
	s, ok := b.storedFrom(meta, blobPath, mt)
	if !ok {
		return image.StoredLayer{}, false, fmt.Errorf("caching layer: bad digests %+v", meta)
	}
	return s, false, nil
}

// loadStoredKey returns the layer cached under key, if it is there whole.
func (b *Builder) loadStoredKey(key string, mt types.MediaType) (image.StoredLayer, bool) {
	p, _, ok, err := b.cache.GetKey("layer/" + key)
	if err != nil || !ok {
		return image.StoredLayer{}, false
	}
	return b.loadStored(p, mt)
}

// loadStored reads a cached layer's metadata and finds its blob; a missing
// or corrupt blob (the cache verifies it) is a miss.
func (b *Builder) loadStored(metaPath string, mt types.MediaType) (image.StoredLayer, bool) {
	raw, err := os.ReadFile(metaPath)
	if err != nil {
		return image.StoredLayer{}, false
	}
	var meta layerMeta
	if json.Unmarshal(raw, &meta) != nil {
		return image.StoredLayer{}, false
	}
	h, err := v1.NewHash(meta.Digest)
	if err != nil {
		return image.StoredLayer{}, false
	}
	blob, ok, err := b.cache.Get(h.Hex)
	if err != nil || !ok {
		return image.StoredLayer{}, false
	}
	return b.storedFrom(meta, blob, mt)
}

func (b *Builder) storedFrom(meta layerMeta, blob string, mt types.MediaType) (image.StoredLayer, bool) {
	d, err1 := v1.NewHash(meta.Digest)
	di, err2 := v1.NewHash(meta.DiffID)
	if err1 != nil || err2 != nil || meta.Size <= 0 {
		return image.StoredLayer{}, false
	}
	return image.StoredLayer{Path: filepath.Clean(blob), Digest: d, DiffID: di, Size: meta.Size, MediaType: mt}, true
}

// skeletonDigest identifies the venv layer's content.
func skeletonDigest(entries []venv.Entry, dirs []string) string {
	h := sha256.New()
	for _, e := range entries {
		fmt.Fprintf(h, "%s\x00%o\x00%s\x00%x\x00", e.Path, uint32(e.Mode), e.Target, sha256.Sum256(e.Data))
	}
	for _, d := range dirs {
		fmt.Fprintf(h, "dir\x00%s\x00", d)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
