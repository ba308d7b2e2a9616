package publish

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
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/canto-build/canto/pkg/image"
)

// ociLayoutFile is the content of the oci-layout file (image-spec
// image-layout.md, "oci-layout file").
const ociLayoutFile = `{"imageLayoutVersion":"1.0.0"}`

// blob is one content-addressed file of an image.
type blob struct {
	digest v1.Hash
	size   int64
	open   func() (io.ReadCloser, error)
}

// imageBlobs lists img's layers, config and manifest, manifest last.
func imageBlobs(img v1.Image) ([]blob, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	var blobs []blob
	seen := map[v1.Hash]bool{}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		size, err := l.Size()
		if err != nil {
			return nil, err
		}
		blobs = append(blobs, blob{digest: d, size: size, open: l.Compressed})
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cd, err := img.ConfigName()
	if err != nil {
		return nil, err
	}
	blobs = append(blobs, bytesBlob(cd, raw))
	m, err := img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	md, err := img.Digest()
	if err != nil {
		return nil, err
	}
	return append(blobs, bytesBlob(md, m)), nil
}

func bytesBlob(d v1.Hash, b []byte) blob {
	return blob{digest: d, size: int64(len(b)), open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// progressCounter reports bytes written, at most every reportEvery bytes
// and at each blob's end.
type progressCounter struct {
	f            func(Progress)
	done, total  int64
	lastReported int64
}

const reportEvery = 4 << 20

func (p *progressCounter) add(n int64, force bool) {
	p.done += n
	if p.f != nil && (force || p.done-p.lastReported >= reportEvery) {
		p.lastReported = p.done
		p.f(Progress{Phase: PhaseWrite, Done: p.done, Total: p.total})
	}
}

type countingWriter struct {
	w io.Writer
	p *progressCounter
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.p.add(int64(n), false)
	return n, err
}

// writeLayout writes img into the OCI image layout at dir, creating it if
// needed, and points index.json at it: tagged with tag through the
// org.opencontainers.image.ref.name annotation, replacing an entry with the
// same tag; or, with no tag, replacing the untagged entries. Blobs are
// verified while written and renamed into place, and index.json is replaced
// atomically, so an interrupted write leaves the previous layout intact.
func writeLayout(ctx context.Context, dir, tag string, img v1.Image, progress func(Progress)) error {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); errors.Is(err, fs.ErrNotExist) {
		if err := writeFileAtomic(filepath.Join(dir, "oci-layout"), func(f *os.File) error {
			_, err := io.WriteString(f, ociLayoutFile)
			return err
		}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	blobs, err := imageBlobs(img)
	if err != nil {
		return err
	}
	pc := &progressCounter{f: progress}
	for _, b := range blobs {
		pc.total += b.size
	}
	for _, b := range blobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeBlob(dir, b, pc); err != nil {
			return fmt.Errorf("writing blob %s: %w", b.digest, err)
		}
	}
	return updateIndex(dir, tag, img)
}

func writeBlob(dir string, b blob, pc *progressCounter) error {
	if b.digest.Algorithm != "sha256" {
		return fmt.Errorf("unsupported digest algorithm %q", b.digest.Algorithm)
	}
	final := filepath.Join(dir, "blobs", "sha256", b.digest.Hex)
	if st, err := os.Stat(final); err == nil && st.Size() == b.size {
		pc.add(b.size, true)
		return nil
	}
	rc, err := b.open()
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	return writeFileAtomic(final, func(f *os.File) error {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(countingWriter{w: f, p: pc}, h), rc)
		if err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != b.digest.Hex || n != b.size {
			return fmt.Errorf("content has digest sha256:%s and size %d, want %s and %d", got, n, b.digest, b.size)
		}
		pc.add(0, true)
		return nil
	})
}

func updateIndex(dir, tag string, img v1.Image) error {
	indexPath := filepath.Join(dir, "index.json")
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	if raw, err := os.ReadFile(indexPath); err == nil {
		if err := json.Unmarshal(raw, &index); err != nil {
			return fmt.Errorf("reading %q: %w", indexPath, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	mt, err := img.MediaType()
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	size, err := img.Size()
	if err != nil {
		return err
	}
	desc := v1.Descriptor{MediaType: mt, Digest: digest, Size: size}
	if cf, err := img.ConfigFile(); err == nil && cf.OS != "" {
		desc.Platform = cf.Platform()
	}
	if tag != "" {
		desc.Annotations = map[string]string{image.RefNameAnnotation: tag}
	}
	index.Manifests = slices.DeleteFunc(index.Manifests, func(d v1.Descriptor) bool {
		return d.Annotations[image.RefNameAnnotation] == tag
	})
	index.Manifests = append(index.Manifests, desc)
	raw, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(indexPath, func(f *os.File) error {
		_, err := f.Write(raw)
		return err
	})
}

// writeOCIArchive writes img as a layout into a temporary directory beside
// p and tars it, with sorted entries, fixed owners, modes and times, into p.
func writeOCIArchive(ctx context.Context, p, tag string, img v1.Image, progress func(Progress)) error {
	tmpDir, err := os.MkdirTemp(filepath.Dir(p), "."+filepath.Base(p)+".layout-*")
	if err != nil {
		return fmt.Errorf("creating temporary layout for %q: %w", p, err)
	}
	defer func() { _ = os.RemoveAll(tmpDir) }()
	if err := writeLayout(ctx, tmpDir, tag, img, progress); err != nil {
		return err
	}
	return writeFileAtomic(p, func(f *os.File) error {
		return tarDir(tmpDir, f)
	})
}

func tarDir(root string, w io.Writer) error {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(paths)
	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0)
	for _, p := range paths {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: filepath.ToSlash(rel), ModTime: epoch, Format: tar.FormatPAX}
		if st.IsDir() {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, hdr.Name+"/", 0o755
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			continue
		}
		hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, st.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return tw.Close()
}
