package publish

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/moby/moby/client"

	"github.com/canto-build/canto/pkg/image"
)

// noCreds is a keychain that never finds credentials, so tests do not read
// the machine's Docker config.
var noCreds = WithKeychain(authn.NewMultiKeychain())

// counts tallies the requests a registry received.
type counts struct {
	mu      sync.Mutex
	uploads int // blob uploads started without a mount
	mounts  int // cross-repository mount requests
	puts    int // manifest PUTs
}

func (c *counts) snapshot() (uploads, mounts, puts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.uploads, c.mounts, c.puts
}

// testRegistry serves an in-memory registry on loopback; wrap, when given,
// sees each request first and may answer it itself (returning true).
// pkg/registry keeps one blob store for all repositories; this wrapper
// makes blobs visible only in the repositories they were uploaded or
// mounted to, as real registries do, so that mounts can be observed.
func testRegistry(t *testing.T, wrap func(w http.ResponseWriter, r *http.Request) bool) (string, *counts) {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	c := &counts{}
	inRepo := map[string]bool{} // repo + "@" + digest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wrap != nil && wrap(w, r) {
			return
		}
		repo, rest, isBlob := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/blobs/")
		c.mu.Lock()
		switch {
		case r.Method == http.MethodPost && isBlob && rest == "uploads/" && r.URL.Query().Get("mount") != "":
			c.mounts++
			inRepo[repo+"@"+r.URL.Query().Get("mount")] = true
		case r.Method == http.MethodPost && isBlob && rest == "uploads/":
			c.uploads++
		case r.Method == http.MethodPut && isBlob && r.URL.Query().Get("digest") != "":
			inRepo[repo+"@"+r.URL.Query().Get("digest")] = true
		case (r.Method == http.MethodHead || r.Method == http.MethodGet) && isBlob && !inRepo[repo+"@"+rest]:
			c.mu.Unlock()
			w.WriteHeader(http.StatusNotFound)
			return
		case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/"):
			c.puts++
		}
		c.mu.Unlock()
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), c
}

func mustRef(t *testing.T, s string) image.Reference {
	t.Helper()
	r, err := image.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// appImage is base plus one small deterministic layer.
func appImage(t *testing.T, base v1.Image, content string) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "app/main.py", Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(tw, content); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	l, err := image.LayerFromTar(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.Append(base, []image.Addendum{{Layer: l}}, image.ConfigChanges{Cmd: []string{"python3", "/app/main.py"}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func randomBase(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestWriteRegistry(t *testing.T) {
	host, c := testRegistry(t, nil)
	ctx := context.Background()

	// The base lives in the same registry, in another repository.
	base := randomBase(t)
	if _, err := Write(ctx, base, mustRef(t, host+"/library/base:1"), noCreds); err != nil {
		t.Fatal(err)
	}
	baseUploads, _, _ := c.snapshot()
	if baseUploads != 4 { // 3 layers and the config
		t.Errorf("base push started %d uploads, want 4", baseUploads)
	}
	remoteBase, err := image.LoadBase(ctx, mustRef(t, host+"/library/base:1"), "", image.WithKeychain(authn.NewMultiKeychain()))
	if err != nil {
		t.Fatal(err)
	}
	app := appImage(t, remoteBase, "print('hi')\n")

	var events []Progress
	dest := mustRef(t, "docker://"+host+"/team/app:v1")
	digest, err := Write(ctx, app, dest, noCreds, WithJobs(2), WithProgress(func(p Progress) { events = append(events, p) }))
	if err != nil {
		t.Fatal(err)
	}
	uploads, mounts, _ := c.snapshot()
	if got := uploads - baseUploads; got != 2 { // the app layer and the config
		t.Errorf("app push started %d uploads, want 2", got)
	}
	if mounts != 3 {
		t.Errorf("app push mounted %d blobs from the base repository, want 3", mounts)
	}
	if len(events) == 0 {
		t.Fatal("no progress events")
	}
	for i, e := range events {
		if e.Phase != PhaseUpload || e.Done > e.Total || (i > 0 && e.Done < events[i-1].Done) {
			t.Fatalf("bad progress event %d: %+v (previous %+v)", i, e, events[max(i-1, 0)])
		}
	}
	if last := events[len(events)-1]; last.Done != last.Total {
		t.Errorf("last progress event %+v is not complete", last)
	}

	// Pull back and compare.
	ref, _ := name.ParseReference(host + "/team/app:v1")
	pulled, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := pulled.Digest(); d != digest {
		t.Errorf("pulled %s, pushed %s", d, digest)
	}
	if err := validate.Image(pulled); err != nil {
		t.Errorf("validate.Image: %v", err)
	}

	// A second push uploads nothing.
	before, _, puts := c.snapshot()
	if _, err := Write(ctx, app, dest, noCreds); err != nil {
		t.Fatal(err)
	}
	after, _, puts2 := c.snapshot()
	if after != before {
		t.Errorf("second push started %d uploads, want 0", after-before)
	}
	if puts2 != puts {
		t.Errorf("second push put %d manifests, want 0: the registry has it", puts2-puts)
	}
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

func TestWriteRegistryAuth(t *testing.T) {
	const user, pass = "ci-bot", "s3cret-pa55w0rd-xyzzy"
	host, _ := testRegistry(t, func(w http.ResponseWriter, r *http.Request) bool {
		if u, p, ok := r.BasicAuth(); ok && u == user && p == pass {
			return false
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
		return true
	})
	ctx := context.Background()
	img := appImage(t, randomBase(t), "x")
	dest := mustRef(t, host+"/app:v1")

	wrong := WithKeychain(staticKeychain{&authn.Basic{Username: user, Password: "wrong-" + pass}})
	_, err := Write(ctx, img, dest, wrong, WithRetries(0, time.Millisecond))
	if err == nil {
		t.Fatal("push with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), pass) || strings.Contains(err.Error(), "wrong-") {
		t.Errorf("error leaks the password: %q", err)
	}
	if !strings.HasSuffix(err.Error(), "hint: check the push credentials for "+host+" (docker login "+host+")") {
		t.Errorf("error lacks the login hint: %q", err)
	}

	right := WithKeychain(staticKeychain{&authn.Basic{Username: user, Password: pass}})
	if _, err := Write(ctx, img, dest, right); err != nil {
		t.Fatalf("push with the right password: %v", err)
	}
}

func TestWriteRegistryRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		retries  int
		failures int32
		wantErr  bool
	}{
		{"recovers within the retry budget", 2, 2, false},
		{"gives up after the retry budget", 1, 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var left atomic.Int32
			left.Store(tc.failures)
			var failed atomic.Int32
			host, _ := testRegistry(t, func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && left.Add(-1) >= 0 {
					failed.Add(1)
					w.WriteHeader(http.StatusServiceUnavailable)
					return true
				}
				return false
			})
			img := appImage(t, randomBase(t), "x")
			_, err := Write(context.Background(), img, mustRef(t, host+"/app:v1"), noCreds, WithRetries(tc.retries, time.Millisecond))
			if (err != nil) != tc.wantErr {
				t.Fatalf("Write error = %v, want error: %v", err, tc.wantErr)
			}
			if tc.wantErr && failed.Load() > int32(tc.retries+1)*(int32(tc.retries)+1) {
				t.Errorf("%d failed manifest PUTs: retries are not bounded", failed.Load())
			}
			if !tc.wantErr && failed.Load() != tc.failures {
				t.Errorf("%d failed manifest PUTs, want %d", failed.Load(), tc.failures)
			}
		})
	}
}

func readIndex(t *testing.T, dir string) v1.IndexManifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var im v1.IndexManifest
	if err := json.Unmarshal(raw, &im); err != nil {
		t.Fatal(err)
	}
	return im
}

func TestWriteLayout(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "out", "layout")
	base := randomBase(t)
	v1img := appImage(t, base, "one")
	v2img := appImage(t, base, "two")

	var last Progress
	d1, err := Write(ctx, v1img, mustRef(t, "oci:"+dir+":app"), WithProgress(func(p Progress) { last = p }))
	if err != nil {
		t.Fatal(err)
	}
	size, _ := v1img.Size()
	if last.Phase != PhaseWrite || last.Done != last.Total || last.Total <= size {
		t.Errorf("last progress %+v, want a complete write of more than the manifest", last)
	}
	// The same tag again, with another image: replaced, not accumulated.
	d2, err := Write(ctx, v2img, mustRef(t, "oci:"+dir+":app"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, v1img, mustRef(t, "oci:"+dir+":old")); err != nil {
		t.Fatal(err)
	}
	// Untagged writes replace the untagged entry.
	if _, err := Write(ctx, v1img, mustRef(t, "oci:"+dir)); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, v2img, mustRef(t, "oci:"+dir)); err != nil {
		t.Fatal(err)
	}
	im := readIndex(t, dir)
	type entry struct {
		Digest v1.Hash
		Tag    string
	}
	var got []entry
	for _, d := range im.Manifests {
		got = append(got, entry{d.Digest, d.Annotations[image.RefNameAnnotation]})
		if d.MediaType != types.DockerManifestSchema2 {
			t.Errorf("descriptor media type %s", d.MediaType)
		}
	}
	want := []entry{{d2, "app"}, {d1, "old"}, {d2, ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("index.json entries (-want +got):\n%s", diff)
	}

	ii, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(ii); err != nil {
		t.Errorf("validate.Index: %v", err)
	}
	for tag, want := range map[string]v1.Hash{"app": d2, "old": d1} {
		img, err := image.LoadBase(ctx, mustRef(t, "oci:"+dir+":"+tag), "")
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := img.Digest(); d != want {
			t.Errorf("read back %s as %s, want %s", tag, d, want)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("validate.Image(%s): %v", tag, err)
		}
	}
	assertNoTemp(t, dir)
	assertNoTemp(t, filepath.Join(dir, "blobs", "sha256"))
}

func TestWriteOCIArchive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	img := appImage(t, randomBase(t), "x")
	p1, p2 := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	if _, err := Write(ctx, img, mustRef(t, "oci-archive:"+p1+":v1")); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, img, mustRef(t, "oci-archive:"+p2+":v1")); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(p1)
	b, _ := os.ReadFile(p2)
	if !bytes.Equal(a, b) {
		t.Error("the same image gave two different oci-archives")
	}
	// Unpack and read it as a layout.
	out := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(a))
	var names []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		target := filepath.Join(out, hdr.Name)
		if hdr.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		body, _ := io.ReadAll(tr)
		if err := os.WriteFile(target, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if names[0] != "blobs/" || names[len(names)-1] != "oci-layout" {
		t.Errorf("archive entries not sorted: %q", names)
	}
	got, err := image.LoadBase(ctx, mustRef(t, "oci:"+out+":v1"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(got); err != nil {
		t.Errorf("validate.Image: %v", err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Errorf("read back %s, want %s", d, want)
	}
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %q left in %s", e.Name(), dir)
		}
	}
}

func archiveTags(t *testing.T, p string) []string {
	t.Helper()
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(p) })
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, d := range m {
		tags = append(tags, d.RepoTags...)
	}
	return tags
}

func TestWriteDockerArchive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	img := appImage(t, randomBase(t), "x")
	wantConfig, _ := img.ConfigName()
	for _, tc := range []struct {
		dest string
		tags []string
	}{
		{"docker-archive:" + filepath.Join(dir, "default.tar"), []string{"canto-image:latest"}},
		{"docker-archive:" + filepath.Join(dir, "named.tar") + ":example.com/app:1.0", []string{"example.com/app:1.0"}},
	} {
		t.Run(tc.dest, func(t *testing.T) {
			dest := mustRef(t, tc.dest)
			var events int
			if _, err := Write(ctx, img, dest, WithProgress(func(p Progress) { events++ })); err != nil {
				t.Fatal(err)
			}
			if events == 0 {
				t.Error("no progress events")
			}
			if diff := cmp.Diff(tc.tags, archiveTags(t, dest.Path)); diff != "" {
				t.Errorf("RepoTags (-want +got):\n%s", diff)
			}
			got, err := tarball.ImageFromPath(dest.Path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Image(got); err != nil {
				t.Errorf("validate.Image: %v", err)
			}
			if c, _ := got.ConfigName(); c != wantConfig {
				t.Errorf("config %s, want %s", c, wantConfig)
			}
		})
	}
	assertNoTemp(t, dir)
}

// brokenLayer fails halfway through its compressed stream.
type brokenLayer struct{ v1.Layer }

func (b brokenLayer) Compressed() (io.ReadCloser, error) {
	rc, err := b.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	return io.NopCloser(io.MultiReader(io.LimitReader(rc, 10), errReader{})), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestWriteFileOutputsAtomic(t *testing.T) {
	ctx := context.Background()
	good := appImage(t, randomBase(t), "x")
	l, err := random.Layer(4096, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := mutate.AppendLayers(good, brokenLayer{l})
	if err != nil {
		t.Fatal(err)
	}
	for _, transport := range []string{"docker-archive", "oci-archive"} {
		t.Run(transport, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "img.tar")
			// A good image is there already; a failed write keeps it.
			if _, err := Write(ctx, good, mustRef(t, transport+":"+p)); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(p)
			_, err := Write(ctx, bad, mustRef(t, transport+":"+p))
			if err == nil || !strings.Contains(err.Error(), "disk on fire") {
				t.Fatalf("Write of a broken image: %v", err)
			}
			after, _ := os.ReadFile(p)
			if !bytes.Equal(before, after) {
				t.Error("a failed write changed the existing file")
			}
			assertNoTemp(t, dir)
		})
	}
	t.Run("oci layout", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "layout")
		if _, err := Write(ctx, good, mustRef(t, "oci:"+dir+":v1")); err != nil {
			t.Fatal(err)
		}
		before := readIndex(t, dir)
		if _, err := Write(ctx, bad, mustRef(t, "oci:"+dir+":v1")); err == nil {
			t.Fatal("Write of a broken image succeeded")
		}
		if diff := cmp.Diff(before, readIndex(t, dir)); diff != "" {
			t.Errorf("a failed write changed index.json:\n%s", diff)
		}
		assertNoTemp(t, filepath.Join(dir, "blobs", "sha256"))
	})
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	notLayout := filepath.Join(dir, "notlayout")
	if err := os.MkdirAll(filepath.Join(notLayout, "stuff"), 0o755); err != nil {
		t.Fatal(err)
	}
	missingDir := filepath.Join(dir, "missing")

	good := []string{
		"oci:" + filepath.Join(dir, "new", "deeper"),
		"oci:" + dir + "/empty:v1",
		"docker-archive:" + filepath.Join(dir, "img.tar"),
		"oci-archive:" + aFile, // overwriting a file is fine
		"127.0.0.1:5000/app:v1",
	}
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range good {
		t.Run(s, func(t *testing.T) {
			if err := Check(ctx, mustRef(t, s)); err != nil {
				t.Errorf("Check(%s): %v", s, err)
			}
		})
	}
	bad := []struct {
		dest image.Reference
		want string
	}{
		{mustRef(t, "oci:"+aFile), fmt.Sprintf(`checking destination "oci:%s": %q exists and is not a directory`, aFile, aFile) +
			"\nhint: oci:DIR names a directory; for a single file use oci-archive:FILE or docker-archive:FILE"},
		{mustRef(t, "oci:"+notLayout), fmt.Sprintf(`checking destination "oci:%s": %q is a non-empty directory without an oci-layout file`, notLayout, notLayout) +
			"\nhint: name an empty or new directory, or an existing OCI layout"},
		{mustRef(t, "oci:"+filepath.Join(aFile, "sub")), fmt.Sprintf(`checking destination "oci:%s/sub": %q is not a directory`, aFile, aFile)},
		{mustRef(t, "docker-archive:"+dir), fmt.Sprintf(`checking destination "docker-archive:%s": %q is a directory`, dir, dir) + "\nhint: name a file to write, such as image.tar"},
		{mustRef(t, "docker-archive:"+filepath.Join(missingDir, "img.tar")), fmt.Sprintf(`checking destination "docker-archive:%s/img.tar": output directory %q: stat %s: no such file or directory`, missingDir, missingDir, missingDir) + "\nhint: create it first"},
		{mustRef(t, "docker-daemon:app@sha256:"+strings.Repeat("a", 64)), `checking destination "docker-daemon:app@sha256:` + strings.Repeat("a", 64) + `": "app@sha256:` + strings.Repeat("a", 64) + `" has a digest; the docker daemon stores images by tag` + "\nhint: write docker-daemon:NAME:TAG"},
		{image.Reference{Transport: "ftp", Name: "x"}, `checking destination "ftp::x": unknown transport "ftp"` + "\nhint: use docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or docker-daemon:REF"},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.dest.String(), func(t *testing.T) {
			err := Check(ctx, tc.dest)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Check error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
	t.Run("bad options", func(t *testing.T) {
		err := Check(ctx, mustRef(t, "oci:"+dir+"/empty"), WithJobs(0))
		if err == nil || err.Error() != "publishing: jobs must be at least 1, got 0" {
			t.Errorf("error = %v", err)
		}
	})
}

func TestWriteDaemonUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	img := appImage(t, randomBase(t), "x")
	_, err := Write(context.Background(), img, mustRef(t, "docker-daemon:app:v1"))
	if err == nil {
		t.Fatal("Write to a missing daemon succeeded")
	}
	if !strings.HasPrefix(err.Error(), `checking destination "docker-daemon:app:v1": connecting to the docker daemon: `) ||
		!strings.HasSuffix(err.Error(), "\n"+daemonHint) {
		t.Errorf("error = %q", err)
	}
}

// fakeDaemon accepts "docker load" streams and keeps the last one.
type fakeDaemon struct {
	daemon.Client
	loaded bytes.Buffer
}

func (f *fakeDaemon) Ping(context.Context, client.PingOptions) (client.PingResult, error) {
	return client.PingResult{APIVersion: "1.45"}, nil
}

func (f *fakeDaemon) ImageInspect(context.Context, string, ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	return client.ImageInspectResult{}, errors.New("no such image")
}

func (f *fakeDaemon) ImageLoad(_ context.Context, r io.Reader, _ ...client.ImageLoadOption) (client.ImageLoadResult, error) {
	f.loaded.Reset()
	if _, err := io.Copy(&f.loaded, r); err != nil {
		return nil, err
	}
	return io.NopCloser(strings.NewReader(`{"stream":"Loaded image: app:v1"}`)), nil
}

func TestWriteDaemon(t *testing.T) {
	fake := &fakeDaemon{}
	img := appImage(t, randomBase(t), "x")
	want, _ := img.Digest()
	got, err := Write(context.Background(), img, mustRef(t, "docker-daemon:app:v1"), WithDaemonClient(fake))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("digest %s, want %s", got, want)
	}
	b := fake.loaded.Bytes()
	loaded, err := tarball.Image(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(loaded); err != nil {
		t.Errorf("validate.Image of the loaded stream: %v", err)
	}
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"app:v1"}, m[0].RepoTags); diff != "" {
		t.Errorf("RepoTags (-want +got):\n%s", diff)
	}
}
