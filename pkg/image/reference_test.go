package image

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseReference(t *testing.T) {
	good := []struct {
		in   string
		want Reference
	}{
		{"docker://python:3.12-slim", Reference{Transport: TransportRegistry, Name: "python:3.12-slim"}},
		{"python:3.12-slim", Reference{Transport: TransportRegistry, Name: "python:3.12-slim"}},
		{"127.0.0.1:5000/app:tag", Reference{Transport: TransportRegistry, Name: "127.0.0.1:5000/app:tag"}},
		{"localhost:5000/app", Reference{Transport: TransportRegistry, Name: "localhost:5000/app"}},
		{"docker://127.0.0.1:5000/app:tag", Reference{Transport: TransportRegistry, Name: "127.0.0.1:5000/app:tag"}},
		{"name@sha256:" + hex64, Reference{Transport: TransportRegistry, Name: "name@sha256:" + hex64}},
		{"ghcr.io/org/app:1.0@sha256:" + hex64, Reference{Transport: TransportRegistry, Name: "ghcr.io/org/app:1.0@sha256:" + hex64}},
		// "docker:" without "//" is the image named docker.
		{"docker:latest", Reference{Transport: TransportRegistry, Name: "docker:latest"}},
		{"oci:/tmp/layout", Reference{Transport: TransportOCI, Path: "/tmp/layout"}},
		{"oci:layout:latest", Reference{Transport: TransportOCI, Path: "layout", Name: "latest"}},
		// The path ends at the first ":"; later ones belong to the reference.
		{"oci:out/dir:app:1.0", Reference{Transport: TransportOCI, Path: "out/dir", Name: "app:1.0"}},
		{"oci:dir:example.com/app@v1+x", Reference{Transport: TransportOCI, Path: "dir", Name: "example.com/app@v1+x"}},
		{"oci-archive:img.tar", Reference{Transport: TransportOCIArchive, Path: "img.tar"}},
		{"oci-archive:img.tar:v1", Reference{Transport: TransportOCIArchive, Path: "img.tar", Name: "v1"}},
		{"docker-archive:/tmp/app.tar", Reference{Transport: TransportDockerArchive, Path: "/tmp/app.tar"}},
		{"docker-archive:app.tar:example.com/app:1.0", Reference{Transport: TransportDockerArchive, Path: "app.tar", Name: "example.com/app:1.0"}},
		{"docker-daemon:app:latest", Reference{Transport: TransportDockerDaemon, Name: "app:latest"}},
		{"docker-daemon:app", Reference{Transport: TransportDockerDaemon, Name: "app"}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseReference(tc.in)
			if err != nil {
				t.Fatalf("ParseReference(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseReference(%q) (-want +got):\n%s", tc.in, diff)
			}
			again, err := ParseReference(got.String())
			if err != nil {
				t.Fatalf("ParseReference(%q) of String(): %v", got.String(), err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("String() does not round-trip (-first +second):\n%s", diff)
			}
		})
	}

	const hint = "\nhint: use docker://REF (or a bare registry reference), oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or docker-daemon:REF"
	bad := []struct {
		in, err string
	}{
		{"", "parsing image reference: empty reference" + hint},
		{"docker://", `parsing image reference "docker://": missing image name` + hint},
		{"docker-daemon:", `parsing image reference "docker-daemon:": missing image name` + hint},
		{"docker://UPPER/x", `parsing image reference "docker://UPPER/x": could not parse reference: UPPER/x` + hint},
		{"Foo Bar", `parsing image reference "Foo Bar": could not parse reference: Foo Bar` + hint},
		{"name@sha256:abc", `parsing image reference "name@sha256:abc": could not parse reference: name@sha256:abc` + hint},
		{"dir:/tmp/x", `parsing image reference "dir:/tmp/x": transport "dir" is not supported` + hint},
		{"containers-storage:app", `parsing image reference "containers-storage:app": transport "containers-storage" is not supported` + hint},
		{"foo:/x", `parsing image reference "foo:/x": unknown transport "foo"` + hint},
		{"oci:", `parsing image reference "oci:": missing path after "oci:"` + "\nhint: write oci:PATH[:REF]"},
		{"docker-archive::x", `parsing image reference "docker-archive::x": missing path after "docker-archive:"` + "\nhint: write docker-archive:PATH[:REF]"},
		{"oci:/tmp/x:bad tag", `parsing image reference "oci:/tmp/x:bad tag": "bad tag" is not a valid org.opencontainers.image.ref.name` + "\nhint: use letters, digits and separators [-._:@+/], such as latest or app:1.0"},
		{"oci:dir:-bad", `parsing image reference "oci:dir:-bad": "-bad" is not a valid org.opencontainers.image.ref.name` + "\nhint: use letters, digits and separators [-._:@+/], such as latest or app:1.0"},
		{"docker-archive:f.tar:app@sha256:0123", `parsing image reference "docker-archive:f.tar:app@sha256:0123": "app@sha256:0123" is not a tag reference: repository can only contain the characters ` + "`abcdefghijklmnopqrstuvwxyz0123456789_-./`" + `: app@sha256` + "\nhint: docker-archive takes a tag such as app:latest, not a digest"},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.in, func(t *testing.T) {
			got, err := ParseReference(tc.in)
			if err == nil {
				t.Fatalf("ParseReference(%q) = %+v, want error", tc.in, got)
			}
			if err.Error() != tc.err {
				t.Errorf("ParseReference(%q) error:\n got %q\nwant %q", tc.in, err.Error(), tc.err)
			}
		})
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"python:3.12", "docker://a/b:c", "oci:d:t", "oci-archive:x", "docker-archive:f:r:t", "docker-daemon:x", "dir:/x", "a:b:c", "", "oci::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReference(s)
		if err != nil {
			return
		}
		again, err := ParseReference(r.String())
		if err != nil {
			t.Fatalf("ParseReference(%q) ok, but its String() %q fails: %v", s, r.String(), err)
		}
		if again != r {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, r)
		}
	})
}
