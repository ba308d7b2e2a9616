package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func TestLayerFromTarDeterministic(t *testing.T) {
	tb := tarOf(t, dir("app/"), file("app/main.py", "print('hi')\n"))
	a, err := LayerFromTar(opener(tb))
	if err != nil {
		t.Fatal(err)
	}
	b, err := LayerFromTar(opener(bytes.Clone(tb)))
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("same tar gave digests %s and %s", da, db)
	}
	if err := validate.Layer(a); err != nil {
		t.Errorf("validate.Layer: %v", err)
	}
	diffID, _ := a.DiffID()
	sum := sha256.Sum256(tb)
	if diffID.Hex != hex.EncodeToString(sum[:]) {
		t.Errorf("DiffID = %s, want sha256 of the tar %x", diffID, sum)
	}
	mt, _ := a.MediaType()
	if mt != types.OCILayer {
		t.Errorf("default media type = %s, want %s", mt, types.OCILayer)
	}
	rc, err := a.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	gz, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	// RFC 1952: ID1 ID2 CM FLG MTIME(4) XFL OS; no FNAME flag, zero MTIME.
	if len(gz) < 10 || gz[3] != 0 || !bytes.Equal(gz[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("gzip header %x carries a name or a time", gz[:10])
	}
	if lvl, err := LayerFromTar(opener(tb), WithCompressionLevel(9)); err != nil {
		t.Fatal(err)
	} else if d, _ := lvl.Digest(); d == da {
		t.Errorf("level 9 gave the same digest as the default level; the option had no effect")
	}
}

func TestLayerFromTarErrors(t *testing.T) {
	tb := tarOf(t, file("a", "b"))
	tests := []struct {
		name string
		opts []LayerOption
		want string
	}{
		{"bad media type", []LayerOption{WithLayerMediaType(types.OCILayerZStd)}, `making layer: media type "application/vnd.oci.image.layer.v1.tar+zstd" is not a gzip layer type`},
		{"bad level", []LayerOption{WithCompressionLevel(12)}, "making layer: gzip level 12 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LayerFromTar(opener(tb), tc.opts...)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLayerDetectsChangingTar(t *testing.T) {
	n := 0
	open := func() (io.ReadCloser, error) {
		n++
		return io.NopCloser(bytes.NewReader(tarOf(t, file("f", string(rune('a'+n)))))), nil
	}
	l, err := LayerFromTar(open)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	if err == nil || err.Error() != "layer tar changed between reads: compressed digest mismatch" {
		t.Fatalf("reading a layer whose tar changed: %v", err)
	}
}

func ociBase(t *testing.T) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, mustLayer(t, tarOf(t, dir("usr/"), file("usr/README", "base")), types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config = v1.Config{Env: []string{"PATH=/usr/bin", "LANG=C"}, Cmd: []string{"python3"}, Labels: map[string]string{"base": "yes"}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func mustLayer(t *testing.T, tb []byte, mt types.MediaType) v1.Layer {
	t.Helper()
	l, err := LayerFromTar(opener(tb), WithLayerMediaType(mt))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func buildApp(t *testing.T, base v1.Image, created time.Time) v1.Image {
	t.Helper()
	l := mustLayer(t, tarOf(t, dir("app/"), file("app/main.py", "print('hi')\n")), types.OCILayer)
	img, err := Append(base, []Addendum{{Layer: l, History: v1.History{CreatedBy: "canto: app", Comment: "app"}}}, ConfigChanges{
		Entrypoint:   []string{"/app/bin/python", "-m", "app"},
		Env:          []string{"PATH=/app/bin:/usr/bin", "VIRTUAL_ENV=/app"},
		User:         "65532",
		WorkingDir:   "/app",
		ExposedPorts: []string{"8000", "9000/udp"},
		Labels:       map[string]string{"org.example": "x"},
		Created:      created,
		BaseName:     "docker.io/library/python:3.12-slim",
		Source:       "https://example.com/app",
		Revision:     "abc123",
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestAppendReproducible(t *testing.T) {
	for _, tc := range []struct {
		name string
		base func(t *testing.T) v1.Image
	}{
		{"oci base", ociBase},
		{"docker base", func(t *testing.T) v1.Image { return imageOf(t, v1.Config{Cmd: []string{"sh"}}, debianLayer()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := tc.base(t)
			created := time.Unix(1700000000, 0)
			a := buildApp(t, base, created)
			b := buildApp(t, base, created)
			da, err := a.Digest()
			if err != nil {
				t.Fatal(err)
			}
			db, _ := b.Digest()
			if da != db {
				t.Errorf("two builds gave %s and %s", da, db)
			}
			if err := validate.Image(a); err != nil {
				t.Errorf("validate.Image: %v", err)
			}
			later := buildApp(t, base, created.Add(time.Second))
			if dl, _ := later.Digest(); dl == da {
				t.Errorf("a different creation time gave the same digest")
			}
		})
	}
}

func TestAppendConfigAndAnnotations(t *testing.T) {
	base := ociBase(t)
	created := time.Unix(1700000000, 0)
	img := buildApp(t, base, created)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	want := v1.Config{
		Entrypoint:   []string{"/app/bin/python", "-m", "app"},
		Env:          []string{"PATH=/app/bin:/usr/bin", "LANG=C", "VIRTUAL_ENV=/app"},
		User:         "65532",
		WorkingDir:   "/app",
		ExposedPorts: map[string]struct{}{"8000/tcp": {}, "9000/udp": {}},
		Labels:       map[string]string{"base": "yes", "org.example": "x"},
	}
	if diff := cmp.Diff(want, cf.Config); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if !cf.Created.Equal(created) {
		t.Errorf("config created = %v, want %v", cf.Created.Time, created)
	}
	last := cf.History[len(cf.History)-1]
	if diff := cmp.Diff(v1.History{Created: v1.Time{Time: created.UTC()}, CreatedBy: "canto: app", Comment: "app"}, last); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	bd, _ := base.Digest()
	wantAnn := map[string]string{
		AnnotationBaseName:   "docker.io/library/python:3.12-slim",
		AnnotationBaseDigest: bd.String(),
		AnnotationCreated:    "2023-11-14T22:13:20Z",
		AnnotationSource:     "https://example.com/app",
		AnnotationRevision:   "abc123",
	}
	if diff := cmp.Diff(wantAnn, m.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if mt := m.Layers[len(m.Layers)-1].MediaType; mt != types.OCILayer {
		t.Errorf("layer media type %s on an OCI base", mt)
	}
}

func TestAppendMatchesDockerBase(t *testing.T) {
	base := imageOf(t, v1.Config{Cmd: []string{"sh"}}, debianLayer())
	img := buildApp(t, base, time.Time{})
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.DockerManifestSchema2 {
		t.Errorf("manifest media type %s, want the base's %s", m.MediaType, types.DockerManifestSchema2)
	}
	for i, l := range m.Layers {
		if l.MediaType != types.DockerLayer {
			t.Errorf("layer %d media type %s, want %s", i, l.MediaType, types.DockerLayer)
		}
	}
	if m.Annotations != nil {
		t.Errorf("docker manifest got annotations %v", m.Annotations)
	}
	cf, _ := img.ConfigFile()
	if !cf.Created.Equal(time.Unix(0, 0)) {
		t.Errorf("zero Created gave %v, want the epoch", cf.Created.Time)
	}
	if cf.Config.Cmd != nil {
		t.Errorf("setting Entrypoint kept the base Cmd %q", cf.Config.Cmd)
	}
}

func TestAppendNilLayer(t *testing.T) {
	_, err := Append(ociBase(t), []Addendum{{}}, ConfigChanges{})
	if err == nil || err.Error() != "appending layers: addendum 0 has no layer" {
		t.Fatalf("error = %v", err)
	}
}

func TestParseSourceDateEpoch(t *testing.T) {
	good := map[string]time.Time{"": time.Unix(0, 0).UTC(), "0": time.Unix(0, 0).UTC(), "1700000000": time.Unix(1700000000, 0).UTC()}
	for in, want := range good {
		got, err := ParseSourceDateEpoch(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSourceDateEpoch(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "1.5", "soon", " 1"} {
		_, err := ParseSourceDateEpoch(in)
		want := `parsing SOURCE_DATE_EPOCH "` + in + `": not a non-negative integer number of seconds` + "\nhint: set it to the output of git log -1 --format=%ct, or unset it"
		if err == nil || err.Error() != want {
			t.Errorf("ParseSourceDateEpoch(%q) error = %v, want %q", in, err, want)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "42")
	if got, err := SourceDateEpoch(); err != nil || !got.Equal(time.Unix(42, 0)) {
		t.Errorf("SourceDateEpoch() = %v, %v", got, err)
	}
}
