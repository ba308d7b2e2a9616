package bench

import (
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// ReadLayout returns the image tagged tag (org.opencontainers.image.ref.name)
// in the OCI layout at dir, or its only image when tag is empty.
func ReadLayout(dir, tag string) (v1.Image, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", dir, err)
	}
	var found []v1.Descriptor
	for _, d := range m.Manifests {
		if tag == "" || d.Annotations["org.opencontainers.image.ref.name"] == tag {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("reading %q: %d images tagged %q, want 1", dir, len(found), tag)
	}
	img, err := idx.Image(found[0].Digest)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", dir, err)
	}
	return img, nil
}

func diffIDs(img v1.Image) ([]string, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	out := make([]string, len(cf.RootFS.DiffIDs))
	for i, d := range cf.RootFS.DiffIDs {
		out[i] = d.String()
	}
	return out, nil
}

// compressedSizes returns the blob sizes of the layers ids of img.
func compressedSizes(img v1.Image, ids []string) (map[string]int64, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	ls, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image's layers: %w", err)
	}
	out := map[string]int64{}
	for _, l := range ls {
		d, err := l.DiffID()
		if err != nil {
			return nil, fmt.Errorf("reading a layer's diff ID: %w", err)
		}
		if !want[d.String()] {
			continue
		}
		s, err := l.Size()
		if err != nil {
			return nil, fmt.Errorf("reading the size of layer %s: %w", d, err)
		}
		out[d.String()] = s
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, fmt.Errorf("layer %s is not in the image", id)
		}
	}
	return out, nil
}

// uncompressedSize adds up the uncompressed sizes of img's layers.
func uncompressedSize(img v1.Image) (int64, error) {
	ls, err := img.Layers()
	if err != nil {
		return 0, fmt.Errorf("reading the image's layers: %w", err)
	}
	var total int64
	for _, l := range ls {
		rc, err := l.Uncompressed()
		if err != nil {
			return 0, fmt.Errorf("reading a layer: %w", err)
		}
		n, err := io.Copy(io.Discard, rc)
		_ = rc.Close()
		if err != nil {
			return 0, fmt.Errorf("reading a layer: %w", err)
		}
		total += n
	}
	return total, nil
}
