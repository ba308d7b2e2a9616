package wheelrepo_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/wheelrepo"
)

const testKey = "sdist-wheel:v1:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef:sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210:cp311-linux_x86_64-gnu"

// newRegistry serves go-containerregistry's in-memory registry, through
// wrap when given, and returns its host:port.
func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func repoAt(t *testing.T, host string) name.Repository {
	t.Helper()
	r, err := wheelrepo.ParseRepository(host + "/canto/wheels")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// makeWheel writes a small wheel, made in memory, and returns its path and
// bytes.
func makeWheel(t *testing.T, filename, body string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("demo/__init__.py")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filename)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

func openCache(t *testing.T) *cache.Cache {
	t.Helper()
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestTag(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"", "wheel-e3b0c44298fc1c149afbf4c8996fb92427ae41e4"},
		{"abc", "wheel-ba7816bf8f01cfea414140de5dae2223b00361a3"},
	} {
		if got := wheelrepo.Tag(tc.key); got != tc.want {
			t.Errorf("Tag(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
	if _, err := name.NewTag("example.com/r:" + wheelrepo.Tag(testKey)); err != nil {
		t.Errorf("Tag is not a valid tag: %v", err)
	}
}

func TestParseRepository(t *testing.T) {
	for _, tc := range []struct{ in, want, wantErr string }{
		{in: "127.0.0.1:5000/canto/wheels", want: "127.0.0.1:5000/canto/wheels"},
		{in: "docker://ghcr.io/acme/wheels", want: "ghcr.io/acme/wheels"},
		{in: "ghcr.io/acme/wheels:latest", wantErr: "parsing cache repo \"ghcr.io/acme/wheels:latest\": repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: acme/wheels:latest\nhint: name a repository without a tag, e.g. ghcr.io/acme/wheels"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := wheelrepo.ParseRepository(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Errorf("= %q, %v; want %q", got.String(), err, tc.want)
			}
		})
	}
}

func TestPushPullRoundTrip(t *testing.T) {
	ctx := context.Background()
	repo := repoAt(t, newRegistry(t, nil))
	const filename = "demo-1.0-cp311-cp311-linux_x86_64.whl"
	p, data := makeWheel(t, filename, "x = 1\n")
	info := wheelrepo.BuildInfo{SdistSHA256: strings.Repeat("01", 32), BuilderDigest: "sha256:" + strings.Repeat("fe", 32), Target: "cp311-linux_x86_64-gnu"}
	d1, err := wheelrepo.Push(ctx, repo, testKey, p, filename, wheelrepo.WithBuildInfo(info), wheelrepo.WithCantoVersion("1.2.3"))
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	// The same wheel pushed again is the same artifact.
	d2, err := wheelrepo.Push(ctx, repo, testKey, p, filename, wheelrepo.WithBuildInfo(info), wheelrepo.WithCantoVersion("1.2.3"))
	if err != nil || d2 != d1 {
		t.Errorf("second Push = %v, %v; want %v", d2, err, d1)
	}

	// What is in the registry is the artifact the package documents.
	desc, err := remote.Get(repo.Tag(wheelrepo.Tag(testKey)))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest != d1 || desc.MediaType != types.OCIManifestSchema1 {
		t.Errorf("tag points at %s (%s), want %s (%s)", desc.Digest, desc.MediaType, d1, types.OCIManifestSchema1)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != wheelrepo.ArtifactType || m.Config.MediaType != wheelrepo.ConfigMediaType || len(m.Layers) != 1 {
		t.Fatalf("manifest = %+v", m)
	}
	wantLayer := v1.Descriptor{
		MediaType: wheelrepo.WheelMediaType, Size: int64(len(data)),
		Digest:      v1.Hash{Algorithm: "sha256", Hex: hexSHA(data)},
		Annotations: map[string]string{"org.opencontainers.image.title": filename},
	}
	if diff := cmp.Diff(wantLayer, m.Layers[0]); diff != "" {
		t.Errorf("layer (-want +got):\n%s", diff)
	}
	cl, err := remote.Layer(repo.Digest(m.Config.Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := cl.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	var cfg wheelrepo.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	wantCfg := wheelrepo.Config{Filename: filename, SHA256: hexSHA(data), Key: testKey,
		SdistSHA256: info.SdistSHA256, BuilderDigest: info.BuilderDigest, Target: info.Target, CantoVersion: "1.2.3"}
	if diff := cmp.Diff(wantCfg, cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}

	// A fresh cache gets the wheel back.
	c := openCache(t)
	path, gotName, sum, found, err := wheelrepo.Pull(ctx, repo, testKey, c)
	if err != nil || !found {
		t.Fatalf("Pull = found %v, %v", found, err)
	}
	if gotName != filename || sum != hexSHA(data) {
		t.Errorf("Pull = %q %q, want %q %q", gotName, sum, filename, hexSHA(data))
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("pulled wheel differs from the pushed one (%v)", err)
	}
	if cp, ok, err := c.Get(sum); err != nil || !ok || cp != path {
		t.Errorf("cache.Get(%s) = %q, %v, %v; want %q", sum, cp, ok, err, path)
	}
	// Pulling again with the wheel in the cache answers from the cache.
	if again, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, c); err != nil || !found || again != path {
		t.Errorf("second Pull = %q, %v, %v", again, found, err)
	}
}

func TestPullNotFound(t *testing.T) {
	ctx := context.Background()
	host := newRegistry(t, nil)
	repo := repoAt(t, host)
	c := openCache(t)
	// No repository at all yet.
	if _, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, c); found || err != nil {
		t.Errorf("Pull from an empty registry = found %v, %v; want not found, nil", found, err)
	}
	p, _ := makeWheel(t, "demo-1.0-py3-none-any.whl", "")
	if _, err := wheelrepo.Push(ctx, repo, "another key", p, "demo-1.0-py3-none-any.whl"); err != nil {
		t.Fatal(err)
	}
	// The repository exists, the tag does not.
	if _, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, c); found || err != nil {
		t.Errorf("Pull of a missing tag = found %v, %v; want not found, nil", found, err)
	}
}

func TestPushErrors(t *testing.T) {
	ctx := context.Background()
	repo, err := wheelrepo.ParseRepository("127.0.0.1:1/canto/wheels")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := makeWheel(t, "demo-1.0-py3-none-any.whl", "")
	missing := filepath.Join(t.TempDir(), "missing.whl")
	const ref = "127.0.0.1:1/canto/wheels:wheel-8254c329a92850f6d539dd376f4816ee2764517d" // Tag("k")
	for _, tc := range []struct{ name, key, path, filename, want string }{
		{"empty key", "", p, "demo-1.0-py3-none-any.whl",
			`pushing "demo-1.0-py3-none-any.whl" to "127.0.0.1:1/canto/wheels:wheel-e3b0c44298fc1c149afbf4c8996fb92427ae41e4": empty key`},
		{"path as name", "k", p, "../demo-1.0-py3-none-any.whl",
			`pushing "../demo-1.0-py3-none-any.whl" to "` + ref + `": "../demo-1.0-py3-none-any.whl" is not a wheel file name`},
		{"not a wheel name", "k", p, "demo-1.0.tar.gz",
			`pushing "demo-1.0.tar.gz" to "` + ref + `": parsing wheel filename "demo-1.0.tar.gz": extension must be ".whl"`},
		{"no wheel", "k", missing, "demo-1.0-py3-none-any.whl",
			`pushing "demo-1.0-py3-none-any.whl" to "` + ref + `": open ` + missing + `: no such file or directory`},
		{"unreachable registry", "k", p, "demo-1.0-py3-none-any.whl",
			`pushing "demo-1.0-py3-none-any.whl" to "` + ref + `": `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wheelrepo.Push(ctx, repo, tc.key, tc.path, tc.filename)
			if err == nil {
				t.Fatal("Push succeeded")
			}
			if tc.name == "unreachable registry" {
				// The dialer's words vary by system; the prefix is canto's.
				if !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "hint:") {
					t.Errorf("error = %q, want prefix %q and no login hint", err, tc.want)
				}
				return
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.want)
			}
		})
	}
}

// pushRaw writes an artifact of the test's making under the key's tag.
func pushRaw(t *testing.T, repo name.Repository, key string, cfg []byte, cfgType types.MediaType, layers [][]byte, layerType types.MediaType, title string) v1.Hash {
	t.Helper()
	cl := static.NewLayer(cfg, cfgType)
	if err := remote.WriteLayer(repo, cl); err != nil {
		t.Fatal(err)
	}
	cd, _ := cl.Digest()
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: wheelrepo.ArtifactType,
		Config: v1.Descriptor{MediaType: cfgType, Size: int64(len(cfg)), Digest: cd}}
	for _, l := range layers {
		sl := static.NewLayer(l, layerType)
		if err := remote.WriteLayer(repo, sl); err != nil {
			t.Fatal(err)
		}
		d, _ := sl.Digest()
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: layerType, Size: int64(len(l)), Digest: d,
			Annotations: map[string]string{"org.opencontainers.image.title": title}})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(repo.Tag(wheelrepo.Tag(key)), rawManifest(raw)); err != nil {
		t.Fatal(err)
	}
	d, _, _ := v1.SHA256(bytes.NewReader(raw))
	return d
}

type rawManifest []byte

func (r rawManifest) RawManifest() ([]byte, error)        { return r, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

func TestPullIgnoresInvalidEntries(t *testing.T) {
	ctx := context.Background()
	const filename = "demo-1.0-py3-none-any.whl"
	_, wheelBytes := makeWheel(t, filename, "good = True\n")
	_, otherBytes := makeWheel(t, filename, "evil = True\n")
	sum, otherSum := hexSHA(wheelBytes), hexSHA(otherBytes)
	config := func(mut func(*wheelrepo.Config)) []byte {
		c := wheelrepo.Config{Filename: filename, SHA256: sum, Key: testKey}
		if mut != nil {
			mut(&c)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name      string
		cfg       []byte
		cfgType   types.MediaType
		layers    [][]byte
		layerType types.MediaType
		title     string
		want      string // the reason
	}{
		{name: "config records another sha256", cfg: config(func(c *wheelrepo.Config) { c.SHA256 = otherSum }),
			want: fmt.Sprintf("its layer has digest sha256:%s, but its config records sha256 %q", sum, otherSum)},
		{name: "the layer is another wheel", cfg: config(nil), layers: [][]byte{otherBytes},
			want: fmt.Sprintf("its layer has digest sha256:%s, but its config records sha256 %q", otherSum, sum)},
		{name: "key mismatch", cfg: config(func(c *wheelrepo.Config) { c.Key = "sdist-wheel:v1:other" }),
			want: fmt.Sprintf("its config is for key %q, want %q", "sdist-wheel:v1:other", testKey)},
		{name: "title differs", cfg: config(nil), title: "other-1.0-py3-none-any.whl",
			want: `its layer is titled "other-1.0-py3-none-any.whl", but its config names "demo-1.0-py3-none-any.whl"`},
		{name: "path in the file name", cfg: config(func(c *wheelrepo.Config) { c.Filename = "../../demo-1.0-py3-none-any.whl" }), title: "../../demo-1.0-py3-none-any.whl",
			want: `"../../demo-1.0-py3-none-any.whl" is not a wheel file name`},
		{name: "not a wheel name", cfg: config(func(c *wheelrepo.Config) { c.Filename = "demo.tar.gz" }), title: "demo.tar.gz",
			want: `parsing wheel filename "demo.tar.gz": extension must be ".whl"`},
		{name: "not json", cfg: []byte("{"),
			want: "reading its config: unexpected end of JSON input"},
		{name: "config media type", cfg: config(nil), cfgType: "application/vnd.oci.image.config.v1+json",
			want: `its config has media type "application/vnd.oci.image.config.v1+json", want "application/vnd.canto.wheel.config.v1+json"`},
		{name: "layer media type", cfg: config(nil), layerType: types.OCILayer,
			want: `its layer has media type "application/vnd.oci.image.layer.v1.tar+gzip", want "application/vnd.canto.wheel.v1+zip"`},
		{name: "two layers", cfg: config(nil), layers: [][]byte{wheelBytes, otherBytes},
			want: "it has 2 layers, want 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := repoAt(t, newRegistry(t, nil))
			if tc.cfgType == "" {
				tc.cfgType = wheelrepo.ConfigMediaType
			}
			if tc.layerType == "" {
				tc.layerType = wheelrepo.WheelMediaType
			}
			if tc.layers == nil {
				tc.layers = [][]byte{wheelBytes}
			}
			if tc.title == "" {
				tc.title = filename
			}
			pushRaw(t, repo, testKey, tc.cfg, tc.cfgType, tc.layers, tc.layerType, tc.title)
			c := openCache(t)
			path, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, c)
			var ie *wheelrepo.InvalidEntryError
			if !errors.As(err, &ie) || found || path != "" {
				t.Fatalf("Pull = %q, found %v, %v; want an *InvalidEntryError", path, found, err)
			}
			if ie.Reason != tc.want {
				t.Errorf("reason:\n%s\nwant:\n%s", ie.Reason, tc.want)
			}
			wantErr := "cache repo entry " + repo.Tag(wheelrepo.Tag(testKey)).String() + " is not a usable wheel: " + tc.want
			if err.Error() != wantErr {
				t.Errorf("error:\n%s\nwant:\n%s", err, wantErr)
			}
			for _, s := range []string{sum, otherSum} {
				if _, ok, _ := c.Get(s); ok {
					t.Errorf("the cache holds %s after an invalid entry", s)
				}
			}
		})
	}
}

func TestPullRejectsOversizedWheel(t *testing.T) {
	ctx := context.Background()
	repo := repoAt(t, newRegistry(t, nil))
	p, data := makeWheel(t, "demo-1.0-py3-none-any.whl", "x")
	if _, err := wheelrepo.Push(ctx, repo, testKey, p, "demo-1.0-py3-none-any.whl"); err != nil {
		t.Fatal(err)
	}
	_, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, openCache(t), wheelrepo.WithMaxWheelSize(10))
	want := fmt.Sprintf("cache repo entry %s is not a usable wheel: its wheel is %d bytes, more than 10\nhint: raise the limit if the wheel is really this big", repo.Tag(wheelrepo.Tag(testKey)), len(data))
	if found || err == nil || err.Error() != want {
		t.Errorf("Pull = found %v, %v; want:\n%s", found, err, want)
	}
}

// corruptBlob flips the last byte of every blob the registry serves whose
// digest is in bad.
func corruptBlob(bad string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+bad) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if len(body) > 0 {
				body[len(body)-1] ^= 0xff
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

func TestPullDetectsCorruptWheel(t *testing.T) {
	ctx := context.Background()
	const filename = "demo-1.0-py3-none-any.whl"
	p, data := makeWheel(t, filename, "payload\n")
	sum := hexSHA(data)
	repo := repoAt(t, newRegistry(t, corruptBlob("sha256:"+sum)))
	if _, err := wheelrepo.Push(ctx, repo, testKey, p, filename); err != nil {
		t.Fatal(err)
	}
	c := openCache(t)
	_, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, c)
	bad := append([]byte{}, data...)
	bad[len(bad)-1] ^= 0xff
	want := fmt.Sprintf("cache repo entry %s is not a usable wheel: its wheel does not match its descriptor: error verifying sha256 checksum after reading %d bytes; got %q, want %q",
		repo.Tag(wheelrepo.Tag(testKey)), len(data), "sha256:"+hexSHA(bad), "sha256:"+sum)
	var ie *wheelrepo.InvalidEntryError
	if found || !errors.As(err, &ie) || err.Error() != want {
		t.Fatalf("Pull = found %v, %v\nwant:\n%s", found, err, want)
	}
	if _, ok, _ := c.Get(sum); ok {
		t.Error("the corrupt wheel reached the cache")
	}
}

// basicAuth lets through only requests with user and password.
func basicAuth(user, password string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

func TestAuthErrorsHideThePassword(t *testing.T) {
	ctx := context.Background()
	const user, good, wrong = "canto", "s3cret-good-pass", "s3cret-wrong-pass"
	host := newRegistry(t, basicAuth(user, good))
	repo := repoAt(t, host)
	const filename = "demo-1.0-py3-none-any.whl"
	p, data := makeWheel(t, filename, "")
	sum := hexSHA(data)
	tagRef := repo.Tag(wheelrepo.Tag(testKey)).String()
	hint := "\nhint: log in with `docker login " + host + "` (canto reads the Docker config and its credential helpers), or leave out --cache-repo"
	wrongKeys := wheelrepo.WithKeychain(staticKeychain{&authn.Basic{Username: user, Password: wrong}})

	_, err := wheelrepo.Push(ctx, repo, testKey, p, filename, wrongKeys)
	wantPush := fmt.Sprintf("pushing %q to %q: HEAD http://%s/v2/canto/wheels/blobs/sha256:%s: unexpected status code 401 Unauthorized (HEAD responses have no body, use GET for details)", filename, tagRef, host, sum) + hint
	if err == nil || err.Error() != wantPush {
		t.Errorf("Push error:\n%v\nwant:\n%s", err, wantPush)
	}
	_, _, _, found, perr := wheelrepo.Pull(ctx, repo, testKey, openCache(t), wrongKeys)
	wantPull := fmt.Sprintf("looking up %q: GET http://%s/v2/canto/wheels/manifests/%s: UNAUTHORIZED: authentication required", tagRef, host, wheelrepo.Tag(testKey)) + hint
	if found || perr == nil || perr.Error() != wantPull {
		t.Errorf("Pull with a wrong password = found %v, %v\nwant:\n%s", found, perr, wantPull)
	}
	for _, e := range []error{err, perr} {
		if e != nil && (strings.Contains(e.Error(), wrong) || strings.Contains(e.Error(), good)) {
			t.Errorf("error leaks a password: %q", e)
		}
	}

	goodKeys := wheelrepo.WithKeychain(staticKeychain{&authn.Basic{Username: user, Password: good}})
	if _, err := wheelrepo.Push(ctx, repo, testKey, p, filename, goodKeys); err != nil {
		t.Fatalf("Push with the right password: %v", err)
	}
	if _, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, openCache(t), goodKeys); err != nil || !found {
		t.Errorf("Pull with the right password = found %v, %v", found, err)
	}
}

func TestInsecureOption(t *testing.T) {
	ctx := context.Background()
	repo := repoAt(t, newRegistry(t, nil))
	p, _ := makeWheel(t, "demo-1.0-py3-none-any.whl", "")
	if _, err := wheelrepo.Push(ctx, repo, testKey, p, "demo-1.0-py3-none-any.whl", wheelrepo.WithInsecure(true)); err != nil {
		t.Fatalf("Push with WithInsecure: %v", err)
	}
	if _, _, _, found, err := wheelrepo.Pull(ctx, repo, testKey, openCache(t), wheelrepo.WithInsecure(true)); err != nil || !found {
		t.Errorf("Pull with WithInsecure = found %v, %v", found, err)
	}
}
