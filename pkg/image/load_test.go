package image

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func platformImage(t *testing.T, p v1.Platform) v1.Image {
	t.Helper()
	img := imageOf(t, v1.Config{Env: []string{"ARCH=" + p.Architecture}}, debianLayer())
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	img, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// multiPlatform is an index of linux/amd64 and linux/arm64/v8 images and an
// attestation manifest.
func multiPlatform(t *testing.T) (v1.ImageIndex, map[string]v1.Hash) {
	t.Helper()
	digests := map[string]v1.Hash{}
	idx := v1.ImageIndex(empty.Index)
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}} {
		img := platformImage(t, p)
		d, _ := img.Digest()
		digests[platformString(p)] = d
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	att := platformImage(t, v1.Platform{OS: "unknown", Architecture: "unknown"})
	idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"},
	}})
	return idx, digests
}

func TestLoadBaseRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	idx, digests := multiPlatform(t)
	idxRef, _ := name.ParseReference(host + "/base:multi")
	if err := remote.WriteIndex(idxRef, idx); err != nil {
		t.Fatal(err)
	}
	single := platformImage(t, v1.Platform{OS: "linux", Architecture: "amd64"})
	singleRef, _ := name.ParseReference(host + "/base:single")
	if err := remote.Write(singleRef, single); err != nil {
		t.Fatal(err)
	}
	digests["single"], _ = single.Digest()
	ctx := context.Background()
	opts := []Option{WithKeychain(authn.NewMultiKeychain())}

	for _, tc := range []struct{ ref, platform, want string }{
		{host + "/base:multi", "linux/arm64", "linux/arm64/v8"},
		{"docker://" + host + "/base:multi", "linux/arm64/v8", "linux/arm64/v8"},
		{host + "/base:multi", "", "linux/amd64"},
		{host + "/base:single", "linux/amd64", "single"},
	} {
		t.Run(tc.ref+"@"+tc.platform, func(t *testing.T) {
			ref, err := ParseReference(tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			img, err := LoadBase(ctx, ref, tc.platform, opts...)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := img.Digest()
			if d != digests[tc.want] {
				t.Errorf("got %s, want the %s image %s", d, tc.want, digests[tc.want])
			}
		})
	}

	t.Run("missing platform", func(t *testing.T) {
		ref, _ := ParseReference(host + "/base:multi")
		_, err := LoadBase(ctx, ref, "linux/s390x", opts...)
		var pe *PlatformError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is not a *PlatformError", err)
		}
		want := `loading base image "docker://` + host + `/base:multi": no image for platform linux/s390x in docker://` + host + `/base:multi (available: linux/amd64, linux/arm64/v8)` +
			"\nhint: pick one of the available platforms or another base image"
		if err.Error() != want {
			t.Errorf("error:\n got %q\nwant %q", err.Error(), want)
		}
	})
	t.Run("single image for another platform", func(t *testing.T) {
		ref, _ := ParseReference(host + "/base:single")
		_, err := LoadBase(ctx, ref, "linux/arm64", opts...)
		var pe *PlatformError
		if !errors.As(err, &pe) || cmp.Diff([]v1.Platform{{OS: "linux", Architecture: "amd64"}}, pe.Available) != "" {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("missing tag", func(t *testing.T) {
		ref, _ := ParseReference(host + "/base:nope")
		_, err := LoadBase(ctx, ref, "", opts...)
		if err == nil || !strings.Contains(err.Error(), "MANIFEST_UNKNOWN") {
			t.Fatalf("error = %v, want MANIFEST_UNKNOWN", err)
		}
	})
	t.Run("bad platform", func(t *testing.T) {
		ref, _ := ParseReference(host + "/base:multi")
		_, err := LoadBase(ctx, ref, "linux", opts...)
		want := `parsing platform "linux": want os/arch[/variant]` + "\nhint: write a platform such as linux/amd64 or linux/arm64/v8"
		if err == nil || err.Error() != want {
			t.Fatalf("error = %v, want %q", err, want)
		}
	})
}

func TestLoadBaseLayout(t *testing.T) {
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	idx, digests := multiPlatform(t)
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{RefNameAnnotation: "multi"})); err != nil {
		t.Fatal(err)
	}
	plain := platformImage(t, v1.Platform{OS: "linux", Architecture: "amd64"})
	plainDigest, _ := plain.Digest()
	if err := p.AppendImage(plain, layout.WithAnnotations(map[string]string{RefNameAnnotation: "plain"})); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	load := func(s, platform string) (v1.Image, error) {
		ref, err := ParseReference(s)
		if err != nil {
			t.Fatal(err)
		}
		return LoadBase(ctx, ref, platform)
	}
	for _, tc := range []struct {
		ref, platform string
		want          v1.Hash
	}{
		{"oci:" + dir + ":multi", "linux/arm64", digests["linux/arm64/v8"]},
		{"oci:" + dir + ":multi", "linux/amd64", digests["linux/amd64"]},
		{"oci:" + dir + ":plain", "linux/amd64", plainDigest},
	} {
		t.Run(tc.ref+"@"+tc.platform, func(t *testing.T) {
			img, err := load(tc.ref, tc.platform)
			if err != nil {
				t.Fatal(err)
			}
			if d, _ := img.Digest(); d != tc.want {
				t.Errorf("got %s, want %s", d, tc.want)
			}
		})
	}

	errs := []struct{ ref, want string }{
		{"oci:" + dir, `loading base image "oci:` + dir + `": OCI layout "` + dir + `" holds 2 images (tags: multi, plain)` + "\nhint: name one, as oci:" + dir + ":TAG"},
		{"oci:" + dir + ":other", `loading base image "oci:` + dir + `:other": no image tagged "other" in OCI layout "` + dir + `" (tags: multi, plain)` + "\nhint: name one of the tags, as oci:" + dir + ":TAG"},
		{"oci-archive:x.tar", `loading base image "oci-archive:x.tar": reading oci-archive images is not supported` + "\nhint: unpack the archive with tar -xf into a directory and use oci:DIR"},
	}
	for _, tc := range errs {
		t.Run("error/"+tc.ref, func(t *testing.T) {
			_, err := load(tc.ref, "")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		missing := filepath.Join(dir, "missing")
		_, err := load("oci:"+missing, "")
		if !errors.Is(err, os.ErrNotExist) || !strings.HasSuffix(err.Error(), "hint: the directory must hold an OCI image layout (oci-layout, index.json, blobs/)") {
			t.Fatalf("error = %v", err)
		}
	})

	t.Run("untagged platform index at the top", func(t *testing.T) {
		d2 := t.TempDir()
		if _, err := layout.Write(d2, idx); err != nil {
			t.Fatal(err)
		}
		img, err := load("oci:"+d2, "linux/arm64")
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := img.Digest(); d != digests["linux/arm64/v8"] {
			t.Errorf("got %s, want the arm64 image", d)
		}
	})
	t.Run("single untagged image", func(t *testing.T) {
		d3 := t.TempDir()
		l, _ := layout.Write(d3, empty.Index)
		if err := l.AppendImage(plain); err != nil {
			t.Fatal(err)
		}
		img, err := load("oci:"+d3, "")
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := img.Digest(); d != plainDigest {
			t.Errorf("got %s, want %s", d, plainDigest)
		}
	})
}

func TestLoadBaseDockerArchive(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "img.tar")
	img := platformImage(t, v1.Platform{OS: "linux", Architecture: "amd64"})
	tag, _ := name.NewTag("example.com/app:1.0")
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		t.Fatal(err)
	}
	want, _ := img.ConfigName()
	for _, s := range []string{"docker-archive:" + file, "docker-archive:" + file + ":example.com/app:1.0"} {
		t.Run(s, func(t *testing.T) {
			ref, err := ParseReference(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := LoadBase(context.Background(), ref, "linux/amd64")
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := got.ConfigName(); c != want {
				t.Errorf("config %s, want %s", c, want)
			}
			info, err := Inspect(context.Background(), got)
			if err != nil {
				t.Fatal(err)
			}
			if info.Python == nil || info.Python.Path != "/usr/bin/python3.11" {
				t.Errorf("Inspect of the archive image: %+v", info.Python)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		ref, _ := ParseReference("docker-archive:" + filepath.Join(dir, "nope.tar"))
		_, err := LoadBase(context.Background(), ref, "")
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("error = %v, want not-exist", err)
		}
	})
}

func TestLoadBaseDaemonUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	ref, _ := ParseReference("docker-daemon:app:latest")
	_, err := LoadBase(context.Background(), ref, "")
	if err == nil {
		t.Fatal("LoadBase from a daemon that is not there succeeded")
	}
	if !strings.HasPrefix(err.Error(), `loading base image "docker-daemon:app:latest": reading from the docker daemon: `) ||
		!strings.HasSuffix(err.Error(), "hint: is Docker running and DOCKER_HOST set correctly? Or save the image with docker save and use docker-archive:FILE") {
		t.Errorf("error = %q", err)
	}
}

func TestLayerMediaType(t *testing.T) {
	for _, tc := range []struct {
		img  v1.Image
		want types.MediaType
	}{
		{empty.Image, types.DockerLayer},
		{mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCILayer},
	} {
		got, err := LayerMediaType(tc.img)
		if err != nil || got != tc.want {
			t.Errorf("LayerMediaType = %s, %v; want %s", got, err, tc.want)
		}
	}
}
