package build

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/wheel/wheeltest"
)

// debianBase writes a tiny Debian-like base image (python3.11 at /usr/bin,
// glibc 2.36 in the dpkg database) to an OCI layout and returns its reference.
func debianBase(t *testing.T) image.Reference {
	t.Helper()
	return debianBaseFor(t, "amd64")
}

// debianBaseFor is debianBase for another architecture.
func debianBaseFor(t *testing.T, arch string) image.Reference {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, typ byte, body, link string) {
		h := &tar.Header{Name: name, Typeflag: typ, Mode: 0o755, Linkname: link, Size: int64(len(body)), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, body); err != nil {
			t.Fatal(err)
		}
	}
	add("usr/", tar.TypeDir, "", "")
	add("usr/bin/", tar.TypeDir, "", "")
	add("usr/bin/python3.11", tar.TypeReg, "ELF", "")
	add("usr/bin/python3", tar.TypeSymlink, "", "python3.11")
	add("usr/lib/python3.11/", tar.TypeDir, "", "")
	add("usr/lib/python3.11/os.py", tar.TypeReg, "", "")
	add("var/lib/dpkg/status", tar.TypeReg, "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\n\nPackage: python3.11-minimal\nStatus: install ok installed\nVersion: 3.11.2-6\n\n", "")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{image.RefNameAnnotation: "slim"})); err != nil {
		t.Fatal(err)
	}
	ref, err := image.ParseReference("oci:" + dir + ":slim")
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// fakeResolver serves wheels made in memory.
type fakeResolver struct {
	dir   string
	calls int
}

func (f *fakeResolver) Resolve(_ context.Context, pl *plan.Plan) (map[string]File, error) {
	f.calls++
	out := map[string]File{}
	for _, p := range pl.Packages {
		data := wheeltest.Build(wheeltest.Spec{
			Name: p.Name, Version: p.Version,
			Files:       []wheeltest.File{{Name: p.Name + "/__init__.py", Data: []byte("VERSION = '" + p.Version + "'\n")}},
			EntryPoints: entryPoints(p.Name),
		})
		path := filepath.Join(f.dir, p.Artifact.Filename)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		out[p.Name] = File{Path: path, Filename: p.Artifact.Filename, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	}
	return out, nil
}

func entryPoints(name string) string {
	if name == "click" {
		return "[console_scripts]\nclick-demo = click:main\n"
	}
	return ""
}

func project(t *testing.T, deps ...string) (*pyproject.Project, *lock.Lock) {
	t.Helper()
	var py, lk strings.Builder
	py.WriteString("[tool.poetry]\nname = \"demo-app\"\nversion = \"1.0.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n")
	for _, d := range deps {
		name, version, _ := strings.Cut(d, "==")
		fmt.Fprintf(&py, "%s = \"%s\"\n", name, version)
		fmt.Fprintf(&lk, "[[package]]\nname = %q\nversion = %q\ndescription = \"\"\noptional = false\npython-versions = \"*\"\nfiles = [{file = \"%s-%s-py3-none-any.whl\", hash = \"sha256:00\"}]\n\n", name, version, name, version)
	}
	lk.WriteString("[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.11\"\ncontent-hash = \"x\"\n")
	p, err := pyproject.Parse([]byte(py.String()), "pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lock.Parse([]byte(lk.String()), "poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	return p, l
}

func newBuilder(t *testing.T, cacheDir string) (*Builder, *fakeResolver) {
	t.Helper()
	c, err := cache.Open(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeResolver{dir: t.TempDir()}
	b, err := New(WithCache(c), WithResolver(r))
	if err != nil {
		t.Fatal(err)
	}
	return b, r
}

func TestBuildReproducibleAndCached(t *testing.T) {
	base := debianBase(t)
	deps := []string{"click==8.1.7", "flask==3.0.0", "werkzeug==3.0.1", "itsdangerous==2.1.2"}
	p, l := project(t, deps...)
	req := Request{Project: p, Lock: l, Base: base, Platform: "linux/amd64", Groups: []string{"main"}, User: "65532:65532"}

	b1, _ := newBuilder(t, t.TempDir())
	r1, err := b1.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(r1.Image); err != nil {
		t.Fatalf("image does not validate: %v", err)
	}
	for _, li := range r1.Layers {
		if li.Cached {
			t.Errorf("cold build: layer %s came from the cache", li.Name)
		}
	}
	// A fresh cache elsewhere gives the same digest.
	sharedCache := t.TempDir()
	b2, _ := newBuilder(t, sharedCache)
	r2, err := b2.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Digest != r2.Digest {
		t.Fatalf("digests differ across caches: %s vs %s", r1.Digest, r2.Digest)
	}
	// A warm build reuses every layer and gives the same digest again.
	r3, err := b2.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Digest != r1.Digest {
		t.Fatalf("warm digest %s != cold %s", r3.Digest, r1.Digest)
	}
	for _, li := range r3.Layers {
		if !li.Cached {
			t.Errorf("warm build: layer %s rebuilt", li.Name)
		}
	}

	// The config: the only console script is the entrypoint, the venv is on PATH.
	cf, err := r1.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/opt/venv/bin/click-demo"}, cf.Config.Entrypoint); diff == "" {
		t.Error("a dependency's script became the entrypoint; only the project's scripts may")
	}
	wantEnv := []string{"PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV=/opt/venv", "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"}
	if diff := cmp.Diff(wantEnv, cf.Config.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if cf.Config.User != "65532:65532" || cf.Created.Unix() != 0 {
		t.Errorf("user %q, created %v", cf.Config.User, cf.Created)
	}
	files := imageFiles(t, r1.Image)
	for _, want := range []string{
		"opt/venv/pyvenv.cfg",
		"opt/venv/bin/python",
		"opt/venv/bin/click-demo",
		"opt/venv/lib/python3.11/site-packages/flask/__init__.py",
		"opt/venv/lib/python3.11/site-packages/flask-3.0.0.dist-info/INSTALLER",
	} {
		if _, ok := files[want]; !ok {
			t.Errorf("image lacks %s", want)
		}
	}
	if got := string(files["opt/venv/pyvenv.cfg"]); !strings.Contains(got, "home = /usr/bin\n") || !strings.Contains(got, "version = 3.11.2") {
		t.Errorf("pyvenv.cfg:\n%s", got)
	}
	if !strings.HasPrefix(string(files["opt/venv/bin/click-demo"]), "#!/opt/venv/bin/python\n") {
		t.Errorf("launcher:\n%s", files["opt/venv/bin/click-demo"])
	}
}

// TestOneDependencyChange adds a package and checks that every other layer
// is reused byte for byte and at most two dependency layers change.
func TestOneDependencyChange(t *testing.T) {
	base := debianBase(t)
	var deps []string
	for i := 0; i < 30; i++ {
		deps = append(deps, fmt.Sprintf("pkg%02d==1.0", i))
	}
	b, _ := newBuilder(t, t.TempDir())
	p, l := project(t, deps...)
	before, err := b.Build(context.Background(), Request{Project: p, Lock: l, Base: base, Platform: "linux/amd64", Groups: []string{"main"}})
	if err != nil {
		t.Fatal(err)
	}
	p2, l2 := project(t, append(deps, "newdep==0.1")...)
	after, err := b.Build(context.Background(), Request{Project: p2, Lock: l2, Base: base, Platform: "linux/amd64", Groups: []string{"main"}})
	if err != nil {
		t.Fatal(err)
	}
	old := map[v1.Hash]bool{}
	for _, li := range before.Layers {
		old[li.Digest] = true
	}
	changed := 0
	for _, li := range after.Layers {
		if !old[li.Digest] {
			changed++
			if li.Kind != "dependencies" {
				t.Errorf("layer %s (%s) changed", li.Name, li.Kind)
			}
		} else if !li.Cached {
			t.Errorf("layer %s has the old digest but was rebuilt", li.Name)
		}
	}
	if changed < 1 || changed > 2 {
		t.Errorf("%d dependency layers changed, want 1 or 2", changed)
	}
}

func TestBuildErrors(t *testing.T) {
	base := debianBase(t)
	p, l := project(t, "click==8.1.7")
	b, _ := newBuilder(t, t.TempDir())
	_, err := b.Build(context.Background(), Request{Project: p, Lock: l, Base: base, Platform: "linux/amd64", Groups: []string{"main"}, Venv: "/usr"})
	want := "venv path \"/usr\" collides with the base image's own files\nhint: choose a path of its own, such as /opt/venv (--venv or [tool.canto] venv)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	_, err = b.Build(context.Background(), Request{Project: p, Lock: l, Base: base, Platform: "linux/arm64", Groups: []string{"main"}})
	if err == nil || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("wrong platform: %v", err)
	}
}

// imageFiles flattens an image into path → content.
func imageFiles(t *testing.T, img v1.Image) map[string][]byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out[strings.TrimPrefix(h.Name, "/")] = data
	}
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return out
}
