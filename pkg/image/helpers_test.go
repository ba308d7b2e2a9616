package image

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// entry is one member of a synthetic layer.
type entry struct {
	name string
	typ  byte   // tar.TypeReg when zero
	body string // file content
	link string // symlink or hardlink target
}

func dir(name string) entry               { return entry{name: name, typ: tar.TypeDir} }
func file(name, body string) entry        { return entry{name: name, body: body} }
func symlink(name, target string) entry   { return entry{name: name, typ: tar.TypeSymlink, link: target} }
func whiteout(dirname, name string) entry { return entry{name: dirname + "/.wh." + name} }

func tarOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, ModTime: time.Unix(0, 0), Linkname: e.link}
		switch e.typ {
		case 0:
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(e.body))
		case tar.TypeDir:
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func opener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func layerOf(t *testing.T, entries ...entry) v1.Layer {
	t.Helper()
	l, err := LayerFromTar(opener(tarOf(t, entries...)), WithLayerMediaType(types.DockerLayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf builds a linux/amd64 image: a random bottom layer, then one layer
// per entries list, with cfg as its config.
func imageOf(t *testing.T, cfg v1.Config, layers ...[]entry) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, es := range layers {
		img, err = mutate.AppendLayers(img, layerOf(t, es...))
		if err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config = cfg
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
