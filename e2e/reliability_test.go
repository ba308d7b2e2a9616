//go:build e2e

package e2e

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/wheel/wheeltest"
)

// Reliability and security of `canto build`, end to end: hostile wheels,
// bad project input, faults in the index and the registry, interruptions,
// concurrent builds and secrets. docs/reliability.md lists every case with
// the test that proves it.

// ---------------------------------------------------------------------------
// Helpers.

// indexUpstream is the test world's open package index, scheme://host:port.
func indexUpstream(t *testing.T, env map[string]string) string {
	t.Helper()
	baseimgNeed(t, env, "CANTO_TW_INDEX_URL")
	return strings.TrimSuffix(env["CANTO_TW_INDEX_URL"], "/simple/")
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// httpGet fetches url and fails the test unless it answers 200.
func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// wantFail checks that a run failed, and that stderr holds every one of
// want.
func wantFail(t *testing.T, r cantoRun, want ...string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("canto succeeded, want a failure with %q\nstdout: %s\nstderr:\n%s", want, r.stdout, r.stderr)
	}
	t.Logf("stderr:\n%s", r.stderr)
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("canto panicked:\n%s", r.stderr)
	}
}

// verifyCache re-hashes every blob under DIR/sha256/ and reads every keyed
// pointer: the cache must hold nothing its own verification would reject.
// It returns the number of blobs.
func verifyCache(t *testing.T, dir string) int {
	t.Helper()
	blobs := 0
	hexName := regexp.MustCompile(`^[0-9a-f]{64}$`)
	err := filepath.WalkDir(filepath.Join(dir, "sha256"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		blobs++
		name := d.Name()
		if !hexName.MatchString(name) || filepath.Base(filepath.Dir(p)) != name[:2] {
			t.Errorf("cache blob %s is not named by a sha256 in its own directory", p)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if got := sha256Hex(b); got != name {
			t.Errorf("cache blob %s holds content with sha256 %s", p, got)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	pointer := regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`)
	err = filepath.WalkDir(filepath.Join(dir, "keys"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !pointer.Match(b) {
			t.Errorf("cache key %s holds %q, not a pointer", p, b)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return blobs
}

// validateLayout checks that the OCI layout at dir holds a valid image with
// the digest printed: manifest, config and the sizes and digests of the
// layers it names (validate.Fast; layer contents are hashed by
// validateLayoutFull).
func validateLayout(t *testing.T, dir, digest string) {
	t.Helper()
	validateLayoutOpts(t, dir, digest, validate.Fast)
}

// validateLayoutFull is validateLayout re-hashing every layer's content.
func validateLayoutFull(t *testing.T, dir, digest string) {
	t.Helper()
	validateLayoutOpts(t, dir, digest)
}

func validateLayoutOpts(t *testing.T, dir, digest string, opts ...validate.Option) {
	t.Helper()
	img := layoutImage(t, dir, digest)
	if err := validate.Image(img, opts...); err != nil {
		t.Fatalf("layout image %s: %v", digest, err)
	}
}

// layoutImage is the image digest of the OCI layout at dir.
func layoutImage(t *testing.T, dir, digest string) v1.Image {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("opening layout %s: %v", dir, err)
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		t.Fatalf("digest %q: %v", digest, err)
	}
	img, err := p.Image(h)
	if err != nil {
		t.Fatalf("layout %s lacks %s: %v", dir, digest, err)
	}
	return img
}

// validateTag checks that tag is absent, or points at a complete image that
// validates; it reports whether the tag exists.
func validateTag(t *testing.T, tag string, opts ...remote.Option) bool {
	t.Helper()
	ref, err := name.ParseReference(tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, opts...)
	if err != nil {
		if s := baseimgStatus(err); s == http.StatusNotFound {
			return false
		}
		t.Fatalf("reading %s: %v", tag, err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("%s points at an image that does not validate: %v", tag, err)
	}
	return true
}

// relocate points a copied example at another index: the project's source
// and the lock's package sources, with the lock's content-hash recomputed
// so the lock stays fresh.
func relocate(t *testing.T, dir, from, to string) {
	t.Helper()
	pp := filepath.Join(dir, "pyproject.toml")
	lp := filepath.Join(dir, "poetry.lock")
	py, err := os.ReadFile(pp)
	if err != nil {
		t.Fatal(err)
	}
	lk, err := os.ReadFile(lp)
	if err != nil {
		t.Fatal(err)
	}
	py = bytes.ReplaceAll(py, []byte(from), []byte(to))
	if err := os.WriteFile(pp, py, 0o644); err != nil {
		t.Fatal(err)
	}
	lk = bytes.ReplaceAll(lk, []byte(strings.TrimSuffix(from, "/")), []byte(strings.TrimSuffix(to, "/")))
	p, err := pyproject.Load(pp)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^content-hash = ".*"$`)
	lk = re.ReplaceAll(lk, []byte(`content-hash = "`+p.ContentHashFor(pyproject.HashPoetry23)+`"`))
	if err := os.WriteFile(lp, lk, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeProject writes a project (package-mode = false) that depends on one
// package "evil" of version 1.0, locked to filename with sha, from the index
// at indexURL.
func writeProject(t *testing.T, indexURL, filename, sha string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "victim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	py := fmt.Sprintf(`[tool.poetry]
name = "victim"
version = "0.1.0"
description = "A project that trusts a hostile index."
authors = ["canto e2e <e2e@canto.invalid>"]
package-mode = false

[tool.poetry.dependencies]
python = ">=3.8,<4.0"
evil = "1.0"

[[tool.poetry.source]]
name = "hostile"
url = %q
priority = "primary"
`, indexURL)
	pp := filepath.Join(dir, "pyproject.toml")
	if err := os.WriteFile(pp, []byte(py), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pyproject.Load(pp)
	if err != nil {
		t.Fatal(err)
	}
	lk := fmt.Sprintf(`# This file is automatically @generated by Poetry and should not be changed by hand.

[[package]]
name = "evil"
version = "1.0"
description = "A hostile package."
optional = false
python-versions = ">=3.8"
groups = ["main"]
files = [
    {file = %q, hash = "sha256:%s"},
]

[package.source]
type = "legacy"
url = %q
reference = "hostile"

[metadata]
lock-version = "2.1"
python-versions = ">=3.8,<4.0"
content-hash = %q
`, filename, sha, strings.TrimSuffix(indexURL, "/"), p.ContentHashFor(pyproject.HashPoetry23))
	if err := os.WriteFile(filepath.Join(dir, "poetry.lock"), []byte(lk), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tinyIndex serves files under /<case>/simple/<project>/ and
// /<case>/files/<filename>, a Simple API (PEP 503) of one file per case.
type tinyIndex struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string][]byte // "<case>/<filename>" → content
}

func newTinyIndex(t *testing.T) *tinyIndex {
	ti := &tinyIndex{files: map[string][]byte{}}
	ti.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) < 3 {
			http.NotFound(w, r)
			return
		}
		ti.mu.Lock()
		defer ti.mu.Unlock()
		switch parts[1] {
		case "simple":
			fmt.Fprintf(w, "<!DOCTYPE html><html><body>\n")
			for k, b := range ti.files {
				c, fn, _ := strings.Cut(k, "/")
				if c == parts[0] {
					fmt.Fprintf(w, "<a href=\"/%s/files/%s#sha256=%s\">%s</a><br/>\n", c, fn, sha256Hex(b), fn)
				}
			}
			fmt.Fprintf(w, "</body></html>\n")
		case "files":
			b, ok := ti.files[parts[0]+"/"+parts[2]]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			_, _ = w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ti.srv.Close)
	return ti
}

// add serves content as filename for case c and returns the case's index URL.
func (ti *tinyIndex) add(c, filename string, content []byte) string {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.files[c+"/"+filename] = content
	return ti.srv.URL + "/" + c + "/simple/"
}

// tarFile is one entry of a crafted base image layer.
type tarFile struct {
	name, body, link string
	dir              bool
}

// craftBase writes a one-layer image with the given files into an OCI layout
// and returns its containers-transports name, oci:DIR:base.
func craftBase(t *testing.T, files []tarFile) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Size: int64(len(f.body))}
		switch {
		case f.dir:
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case f.link != "":
			h.Typeflag, h.Linkname, h.Mode, h.Size = tar.TypeSymlink, f.link, 0o777, 0
		case strings.Contains(f.name, "bin/"):
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "base")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "base"})); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir + ":base"
}

// debianFiles is the skeleton of a Debian 12 image: libc6 in dpkg's status.
func debianFiles(extraStatus string) []tarFile {
	status := "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u4\n\n" + extraStatus
	return []tarFile{
		{name: "etc/", dir: true},
		{name: "etc/os-release", body: "ID=debian\nVERSION_ID=\"12\"\n"},
		{name: "usr/", dir: true},
		{name: "usr/bin/", dir: true},
		{name: "usr/bin/sh", body: "not a shell"},
		{name: "var/", dir: true},
		{name: "var/lib/", dir: true},
		{name: "var/lib/dpkg/", dir: true},
		{name: "var/lib/dpkg/status", body: status},
	}
}

// ---------------------------------------------------------------------------
// Hostile wheels.

// TestReliabTamperedWheel: a wheel whose bytes differ from the lock's hash
// (tampered on its way through a proxy) fails the build with an error that
// names the package, the file, the expected and the actual hash; nothing is
// cached under the good hash, nothing is written, and the next untampered
// build succeeds.
func TestReliabTamperedWheel(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	up := indexUpstream(t, env)
	const file = "click-8.1.3-py3-none-any.whl"
	const good = "f84bdb85db5b9bbbd0946bd430528c0ea44bdbb0c3d5c23ffb1fa1786d3a530c"
	orig := httpGet(t, up+"/files/"+file)
	if sha256Hex(orig) != good {
		t.Fatalf("the test index serves %s with sha256 %s, the example's lock says %s", file, sha256Hex(orig), good)
	}
	bad := append([]byte(nil), orig...)
	bad[len(bad)/2] ^= 0x01
	badSHA := sha256Hex(bad)

	p := newFaultProxy(t, up)
	p.on(pathSuffix("/"+file), always(fault{kind: faultTamper}))
	dir := example(t, "cli-tool")
	cache := t.TempDir()
	out := filepath.Join(t.TempDir(), "out")
	r := canto(t, noDaemon, "build", dir, "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"],
		"--index-url", p.URL()+"/simple/", "-o", "oci:"+out+":x")
	wantFail(t, r, `fetching "click"`, "hash mismatch for "+file, "expected sha256 "+good, "got "+badSHA, "hint: ")
	if n := p.count(file); n != 1 {
		t.Errorf("the tampered file was requested %d times, want 1 (a hash mismatch is not retried)", n)
	}
	for _, h := range []string{good, badSHA} {
		if _, err := os.Stat(filepath.Join(cache, "sha256", h[:2], h)); err == nil {
			t.Errorf("the cache holds a blob under %s after the mismatch", h)
		}
	}
	verifyCache(t, cache)
	if _, err := os.Stat(out); err == nil {
		t.Errorf("the failed build wrote %s", out)
	}

	p.reset()
	digest := mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"],
		"--index-url", p.URL()+"/simple/", "-o", "oci:"+out+":x")
	validateLayout(t, out, digest)
}

// bigMember returns n bytes drawn from an alphabet of 16 letters: about
// 2:1 under deflate, far from any bomb.
func bigMember(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(r.IntN(16))
	}
	return b
}

// TestReliabHostileWheels: wheels that lock, hash and download fine but are
// hostile inside are refused by `canto build`, through the whole CLI, and
// the wheel limits take their defaults and their flags.
func TestReliabHostileWheels(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	ti := newTinyIndex(t)
	const fn = "evil-1.0-py3-none-any.whl"
	ok := []wheeltest.File{{Name: "evil/__init__.py", Data: []byte("X = 1\n")}}
	with := func(files ...wheeltest.File) []wheeltest.File {
		return append(append([]wheeltest.File(nil), ok...), files...)
	}
	tests := []struct {
		name  string
		spec  wheeltest.Spec
		flags []string
		want  []string // in stderr; none means the build succeeds
	}{
		{
			name: "member climbs out with ..",
			spec: wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/../../../../etc/cron.d/evil", Data: []byte("* * * * * root sh\n")})},
			want: []string{`member "evil/../../../../etc/cron.d/evil": path has a ".." component`, fn},
		},
		{
			name: "absolute member",
			spec: wheeltest.Spec{Files: with(wheeltest.File{Name: "/etc/passwd", Data: []byte("root::0:0::/:/bin/sh\n")})},
			want: []string{`member "/etc/passwd": path is absolute`},
		},
		{
			name: "symlink member",
			spec: wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/link", Data: []byte("/etc/shadow"), Mode: fs.ModeSymlink | 0o777})},
			want: []string{`member "evil/link": is a symlink`},
		},
		{
			name: "device member",
			spec: wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/sda", Mode: fs.ModeDevice | 0o600})},
			want: []string{`member "evil/sda": is a device`},
		},
		{
			name: "RECORD hash wrong",
			spec: wheeltest.Spec{Files: ok, EditRecord: func(rows []wheeltest.Row) []wheeltest.Row {
				for i := range rows {
					if rows[i].Path == "evil/__init__.py" {
						rows[i].Hash = "sha256=" + base64.RawURLEncoding.EncodeToString(make([]byte, 32))
					}
				}
				return rows
			}},
			want: []string{`member "evil/__init__.py": hash mismatch: RECORD says`},
		},
		{
			name: "RECORD size wrong",
			spec: wheeltest.Spec{Files: ok, EditRecord: func(rows []wheeltest.Row) []wheeltest.Row {
				for i := range rows {
					if rows[i].Path == "evil/__init__.py" {
						rows[i].Size = "1234"
					}
				}
				return rows
			}},
			want: []string{`member "evil/__init__.py": size mismatch: RECORD says 1234`},
		},
		{
			name: "file missing from RECORD",
			spec: wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/hidden.py", Data: []byte("import os\n"), NotInRecord: true})},
			want: []string{`member "evil/hidden.py": not listed in RECORD`},
		},
		{
			name: "METADATA name differs from the file name",
			spec: wheeltest.Spec{Files: ok, Metadata: "Metadata-Version: 2.1\nName: requests\nVersion: 1.0\n"},
			want: []string{`METADATA Name "requests" does not match the file name's "evil"`},
		},
		{
			name: "METADATA version differs from the file name",
			spec: wheeltest.Spec{Files: ok, Metadata: "Metadata-Version: 2.1\nName: evil\nVersion: 9.9\n"},
			want: []string{`METADATA Version "9.9" does not match the file name's "1.0"`},
		},
		{
			name: "zip bomb stopped by the default compression ratio",
			spec: wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/zeros.bin", Data: make([]byte, 16<<20)})},
			want: []string{`member "evil/zeros.bin": compression ratio exceeds the limit of 200:1`, "--max-compression-ratio"},
		},
		{
			name:  "compression ratio flag",
			spec:  wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/big.txt", Data: bigMember(2 << 20)})},
			flags: []string{"--max-compression-ratio", "1"},
			want:  []string{`member "evil/big.txt": compression ratio exceeds the limit of 1:1`, "hint: this may be a zip bomb; if the wheel is trusted, raise the limit with --max-compression-ratio"},
		},
		{
			name: "compression ratio default lets an ordinary big file through",
			spec: wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/big.txt", Data: bigMember(2 << 20)})},
		},
		{
			name:  "member count flag",
			spec:  wheeltest.Spec{Files: ok},
			flags: []string{"--max-wheel-members", "3"},
			want:  []string{"member count exceeds the limit of 3 members", "--max-wheel-members"},
		},
		{
			name:  "total size flag",
			spec:  wheeltest.Spec{Files: with(wheeltest.File{Name: "evil/big.txt", Data: bigMember(64 << 10)})},
			flags: []string{"--max-wheel-size", "65536"},
			want:  []string{"total uncompressed size exceeds the limit of 65536 bytes", "--max-wheel-size"},
		},
		{
			name:  "flags must be positive",
			spec:  wheeltest.Spec{Files: ok},
			flags: []string{"--max-wheel-members", "0"},
			want:  []string{"--max-wheel-size, --max-wheel-members and --max-compression-ratio must be positive"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Name, tt.spec.Version = "evil", "1.0"
			whl := wheeltest.Build(tt.spec)
			url := ti.add(fmt.Sprintf("c%d", i), fn, whl)
			dir := writeProject(t, url, fn, sha256Hex(whl))
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", dir, "--cache-dir", t.TempDir(), "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:" + out + ":x"}, tt.flags...)
			r := canto(t, noDaemon, args...)
			if len(tt.want) == 0 {
				if r.err != nil {
					t.Fatalf("build: %v\n%s", r.err, r.stderr)
				}
				validateLayout(t, out, strings.TrimSpace(r.stdout))
				return
			}
			wantFail(t, r, tt.want...)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("the failed build wrote %s", out)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Bad project input.

// TestReliabBadProject: broken pyproject.toml and poetry.lock files fail
// `canto plan` and `canto build` alike, with the file (and line:column for
// TOML syntax) and a hint, before any output is written.
func TestReliabBadProject(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	edit := func(file string, f func(string) string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, file)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(f(string(b))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// cutInString ends s inside the first basic string after marker.
	cutInString := func(marker string) func(string) string {
		return func(s string) string {
			i := strings.Index(s, marker)
			if i < 0 {
				panic("no " + marker)
			}
			return s[:i+len(marker)+3]
		}
	}
	tests := []struct {
		name   string
		edit   func(t *testing.T, dir string)
		want   []string
		wantRe string
	}{
		{
			name:   "truncated pyproject.toml",
			edit:   edit("pyproject.toml", cutInString(`description = "`)),
			want:   []string{"unterminated basic string", "hint: fix the TOML syntax at that position"},
			wantRe: `error: \S+/pyproject\.toml:\d+:\d+: unterminated basic string`,
		},
		{
			name: "malformed pyproject.toml",
			edit: edit("pyproject.toml", func(s string) string {
				return strings.Replace(s, "[tool.poetry.dependencies]", "[tool.poetry.dependencies", 1)
			}),
			want:   []string{"hint: fix the TOML syntax at that position"},
			wantRe: `error: \S+/pyproject\.toml:\d+:\d+: `,
		},
		{
			name:   "truncated poetry.lock",
			edit:   edit("poetry.lock", cutInString(`{file = "`)),
			want:   []string{"unterminated basic string", `hint: the lock file is not valid TOML; regenerate the lock file with "poetry lock"`},
			wantRe: `error: \S+/poetry\.lock:\d+:\d+: unterminated basic string`,
		},
		{
			name: "unknown lock version",
			edit: edit("poetry.lock", func(s string) string { return strings.Replace(s, `lock-version = "2.0"`, `lock-version = "9.0"`, 1) }),
			want: []string{`poetry.lock: unsupported lock-version "9.0" (canto supports 1.0, 1.1, 1.2, 2.0, 2.1)`, "hint: "},
		},
		{
			name: "stale lock",
			edit: edit("pyproject.toml", func(s string) string { return strings.Replace(s, `click = "^8.1"`, `click = "^8.0"`, 1) }),
			want: []string{"poetry.lock: lock file is stale: its content-hash 7205821b7884 does not match", `hint: run "poetry lock"`},
		},
		{
			name: "garbage marker",
			edit: edit("poetry.lock", func(s string) string {
				return strings.Replace(s, `markers = "platform_system == \"Windows\""`, `markers = "platform_system >< \"Windows\""`, 1)
			}),
			want: []string{`poetry.lock: dependency "colorama" of click 8.1.3: parsing marker "platform_system >< \"Windows\"": expected a marker variable or quoted string at position 17`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := example(t, "cli-tool")
			tt.edit(t, dir)
			out := filepath.Join(t.TempDir(), "out")
			for _, args := range [][]string{
				{"plan", dir},
				{"build", dir, "--cache-dir", t.TempDir(), "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:" + out + ":x"},
			} {
				r := canto(t, noDaemon, args...)
				wantFail(t, r, tt.want...)
				if tt.wantRe != "" && !regexp.MustCompile(tt.wantRe).MatchString(r.stderr) {
					t.Errorf("canto %s: stderr does not match %s:\n%s", args[0], tt.wantRe, r.stderr)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("the failed build wrote %s", out)
			}
		})
	}
}

// TestReliabBadBase: base images canto cannot build on, venv paths that
// collide with the base, and outputs that cannot be written fail early with
// a hint, writing nothing.
func TestReliabBadBase(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	noPython := craftBase(t, debianFiles(""))
	py312 := craftBase(t, append(debianFiles("Package: python3.12-minimal\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.12.1-1\n\n"),
		tarFile{name: "usr/bin/python3.12", body: "\x7fELF not really"},
		tarFile{name: "usr/bin/python3", link: "python3.12"},
		tarFile{name: "usr/lib/", dir: true},
		tarFile{name: "usr/lib/python3.12/", dir: true},
		tarFile{name: "usr/lib/python3.12/os.py", body: "# os\n"},
	))
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		example string
		base    string
		args    []string
		out     string
		want    []string
	}{
		{
			name: "base without Python", example: "cli-tool", base: noPython,
			want: []string{"no python3 interpreter in the image", "hint: use a base image that ships CPython 3"},
		},
		{
			// msgpack is locked with a cp311 wheel only; the base has 3.12.
			name: "base Python differs from the lock's wheels", example: "markers-groups", base: py312, args: []string{"-E", "fast"},
			want: []string{"no file of msgpack 1.0.3 fits linux/amd64 python3.12.1 glibc-2.36: closest is msgpack-1.0.3-cp311-cp311-linux_x86_64.whl: needs CPython 3.11, target is 3.12.1", "hint: "},
		},
		{
			name: "venv on /usr", example: "cli-tool", args: []string{"--venv", "/usr"},
			want: []string{`venv path "/usr" collides with the base image's own files`, "hint: choose a path of its own"},
		},
		{
			name: "venv holding the base's Python", example: "cli-tool", args: []string{"--venv", "/usr/bin"},
			want: []string{`venv path "/usr/bin" contains the base image's Python /usr/bin/python3`, "hint: choose a path of its own"},
		},
		{
			name: "output under a regular file", example: "cli-tool", out: "docker-archive:" + notADir + "/img.tar",
			want: []string{notADir, "not a directory"},
		},
		{
			name: "output under /proc", example: "cli-tool", out: "oci:/proc/canto-cannot-write",
			want: []string{"/proc/canto-cannot-write"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := example(t, tt.example)
			base := tt.base
			if base == "" {
				base = env["CANTO_TW_BASE_SLIM"]
			}
			outDir := filepath.Join(t.TempDir(), "out")
			out := tt.out
			if out == "" {
				out = "oci:" + outDir + ":x"
			}
			args := append([]string{"build", dir, "--cache-dir", t.TempDir(), "--base", base, "-o", out}, tt.args...)
			r := canto(t, noDaemon, args...)
			wantFail(t, r, tt.want...)
			if strings.Contains(r.stderr, "[layer") {
				t.Errorf("the failure came only after layers were built:\n%s", r.stderr)
			}
			if _, err := os.Stat(outDir); err == nil {
				t.Errorf("the failed build wrote %s", outDir)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Faults in the index and the registry.

// faultCase is one fault injected through the proxy and what canto must do
// about it.
type faultCase struct {
	name   string
	match  func(*http.Request) bool
	faults func(int) fault
	args   []string
	// wantRequests is how many requests the rule must have matched; up to
	// maxRequests when that is larger (Go's HTTP transport itself retries a
	// GET once when a reused connection is reset).
	wantRequests, maxRequests int
	// want lists what stderr holds on failure; empty means success.
	want []string
	// minTime is a lower bound on the run (a Retry-After, a stall timeout).
	minTime time.Duration
}

// TestFaultIndex: a flaky package index, behind the fault proxy. Transient
// faults (the first N requests fail) are retried with backoff and the build
// succeeds; lasting ones end after a bounded number of attempts with a
// clear error naming the package; answers not worth retrying are not.
func TestFaultIndex(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	up := indexUpstream(t, env)
	wheel := pathSuffix("/files/click-8.1.3-py3-none-any.whl")
	page := pathSuffix("/simple/click/")
	tests := []faultCase{
		{name: "500 twice on a wheel", match: wheel, faults: firstN(2, fault{kind: faultStatus, code: 500}), wantRequests: 3},
		{name: "503 twice on a project page", match: page, faults: firstN(2, fault{kind: faultStatus, code: 503}), wantRequests: 3},
		{name: "429 with Retry-After", match: wheel, faults: firstN(1, fault{kind: faultStatus, code: 429, retryAfter: "2"}), wantRequests: 2, minTime: 2 * time.Second},
		{name: "connection reset twice", match: wheel, faults: firstN(2, fault{kind: faultReset}), wantRequests: 3},
		{name: "connection reset on a project page twice", match: page, faults: firstN(2, fault{kind: faultReset}), wantRequests: 3},
		{name: "truncated body once", match: wheel, faults: firstN(1, fault{kind: faultTruncate}), wantRequests: 2},
		{name: "stalled body once", match: wheel, faults: firstN(1, fault{kind: faultStall}), args: []string{"--stall-timeout", "2s"}, wantRequests: 2, maxRequests: 3, minTime: 2 * time.Second},
		{name: "truncated project page once", match: page, faults: firstN(1, fault{kind: faultTruncate}), wantRequests: 2},

		{name: "500 for good", match: wheel, faults: always(fault{kind: faultStatus, code: 500}), args: []string{"--retries", "2"}, wantRequests: 3,
			want: []string{`fetching "click"`, "giving up after 3 attempts", "/files/click-8.1.3-py3-none-any.whl answered 500 Internal Server Error"}},
		{name: "503 for good on a project page", match: page, faults: always(fault{kind: faultStatus, code: 503}), args: []string{"--retries", "2"}, wantRequests: 3,
			want: []string{`fetching "click"`, "giving up after 3 attempts", "/simple/click/ answered 503 Service Unavailable"}},
		{name: "429 for good", match: wheel, faults: always(fault{kind: faultStatus, code: 429, retryAfter: "1"}), args: []string{"--retries", "1"}, wantRequests: 2, minTime: time.Second,
			want: []string{"giving up after 2 attempts", "answered 429 Too Many Requests"}},
		{name: "connection reset for good", match: wheel, faults: always(fault{kind: faultReset}), args: []string{"--retries", "2"}, wantRequests: 3, maxRequests: 6,
			want: []string{`fetching "click"`, "giving up after 3 attempts", "connection reset by peer"}},
		{name: "truncated for good", match: wheel, faults: always(fault{kind: faultTruncate}), args: []string{"--retries", "2"}, wantRequests: 3,
			want: []string{`fetching "click"`, "giving up after 3 attempts", "unexpected EOF"}},
		{name: "stalled for good", match: wheel, faults: always(fault{kind: faultStall}), args: []string{"--retries", "1", "--stall-timeout", "1s"}, wantRequests: 2, minTime: 2 * time.Second,
			want: []string{`fetching "click"`, "giving up after 2 attempts", "sent no data for 1s"}},
		{name: "404 is not retried", match: wheel, faults: always(fault{kind: faultStatus, code: 404}), wantRequests: 1,
			want: []string{`fetching "click"`, "answered 404 Not Found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newFaultProxy(t, up)
			p.on(tt.match, tt.faults)
			dir := example(t, "cli-tool")
			cache := t.TempDir()
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", dir, "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"],
				"--index-url", p.URL() + "/simple/", "-o", "oci:" + out + ":x"}, tt.args...)
			start := time.Now()
			r := canto(t, noDaemon, args...)
			took := time.Since(start)
			checkFaultRun(t, tt, r, took)
			if got := ruleMatches(p, tt.match); got < tt.wantRequests || got > max(tt.wantRequests, tt.maxRequests) {
				t.Errorf("the faulty URL was requested %d times, want %d:\n%s", got, tt.wantRequests, strings.Join(p.requests(), "\n"))
			}
			verifyCache(t, cache)
			if len(tt.want) == 0 {
				validateLayout(t, out, strings.TrimSpace(r.stdout))
			} else if _, err := os.Stat(out); err == nil {
				t.Errorf("the failed build wrote %s", out)
			}
		})
	}
}

// ruleMatches counts the logged requests that match.
func ruleMatches(p *faultProxy, match func(*http.Request) bool) int {
	n := 0
	for _, l := range p.requests() {
		parts := strings.SplitN(l, " ", 3)
		if len(parts) < 2 {
			continue
		}
		r, err := http.NewRequest(parts[0], "http://x"+parts[1], nil)
		if err == nil && match(r) {
			n++
		}
	}
	return n
}

func checkFaultRun(t *testing.T, tt faultCase, r cantoRun, took time.Duration) {
	t.Helper()
	t.Logf("took %s", took.Round(time.Millisecond))
	if len(tt.want) == 0 {
		if r.err != nil {
			t.Fatalf("the build did not survive a transient fault: %v\n%s", r.err, r.stderr)
		}
	} else {
		wantFail(t, r, tt.want...)
	}
	if took < tt.minTime {
		t.Errorf("the run took %s, want at least %s", took, tt.minTime)
	}
	if limit := 30 * time.Second; took > limit {
		t.Errorf("the run took %s, want under %s", took, limit)
	}
}

// TestFaultRegistry: a flaky registry, behind the fault proxy. Transient
// faults during a push are retried and the pushed tag validates; lasting
// ones fail with a clear error and leave no tag behind.
func TestFaultRegistry(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_REGISTRY")
	dir := example(t, "cli-tool")
	cache := t.TempDir()
	// Warm the cache, so each case costs only its push.
	mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:"+t.TempDir()+":x")
	uploads := pathContains("", "/blobs/uploads/")
	manifest := pathContains(http.MethodPut, "/manifests/")
	tests := []faultCase{
		{name: "500 on the first two upload requests", match: uploads, faults: firstN(2, fault{kind: faultStatus, code: 500})},
		{name: "503 on the manifest once", match: manifest, faults: firstN(1, fault{kind: faultStatus, code: 503}), wantRequests: 2},
		{name: "429 with Retry-After on the manifest once", match: manifest, faults: firstN(1, fault{kind: faultStatus, code: 429, retryAfter: "1"}), wantRequests: 2},
		{name: "connection reset on the first upload request", match: uploads, faults: firstN(1, fault{kind: faultReset})},
		{name: "connection reset on the manifest once", match: manifest, faults: firstN(1, fault{kind: faultReset}), wantRequests: 2},

		{name: "503 on the manifest for good", match: manifest, faults: always(fault{kind: faultStatus, code: 503}), args: []string{"--retries", "1"}, wantRequests: 2,
			want: []string{"writing docker://", "503 Service Unavailable"}},
		{name: "500 on uploads for good", match: uploads, faults: always(fault{kind: faultStatus, code: 500}), args: []string{"--retries", "1"},
			want: []string{"writing docker://", "500 Internal Server Error"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newFaultProxy(t, "http://"+env["CANTO_TW_REGISTRY"])
			p.on(tt.match, tt.faults)
			// A repository of its own, so every blob is uploaded.
			repo := fmt.Sprintf("e2e/fault-%d-%d", i, time.Now().UnixNano())
			tag := baseimgTag(t, p.Host(), repo)
			real := baseimgTag(t, env["CANTO_TW_REGISTRY"], repo)
			real = real.Context().Tag(tag.TagStr())
			args := append([]string{"build", dir, "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "--insecure-registry", "-o", tag.String()}, tt.args...)
			start := time.Now()
			r := canto(t, noDaemon, args...)
			checkFaultRun(t, tt, r, time.Since(start))
			if got := ruleMatches(p, tt.match); tt.wantRequests > 0 && got != tt.wantRequests {
				t.Errorf("the faulty URL was requested %d times, want %d:\n%s", got, tt.wantRequests, strings.Join(p.requests(), "\n"))
			}
			exists := validateTag(t, real.String())
			switch {
			case len(tt.want) == 0 && !exists:
				t.Errorf("%s does not exist after a successful push", real)
			case len(tt.want) == 0:
				desc, err := remote.Head(real)
				if err != nil || desc.Digest.String() != strings.TrimSpace(r.stdout) {
					t.Errorf("%s has digest %v (%v), canto printed %s", real, desc, err, r.stdout)
				}
			case exists:
				t.Errorf("a failed push left the tag %s", real)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Interruption.

// running is a canto process started in the background.
type running struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	out   bytes.Buffer
	done  chan struct{}
	err   error
}

func startCanto(t *testing.T, env []string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(cantoBin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	r := &running{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout = &r.out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.mu.Lock()
			r.lines = append(r.lines, sc.Text())
			r.mu.Unlock()
		}
		r.err = cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

func (r *running) stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// waitFor polls cond until it holds, the process ends, or d passes.
func (r *running) waitFor(cond func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		select {
		case <-r.done:
			return cond()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return false
}

func (r *running) sawLine(substr string) func() bool {
	return func() bool { return strings.Contains(r.stderr(), substr) }
}

// exit waits for the process and returns its exit code (-1 when killed by
// a signal); it fails the test if the process outlives d.
func (r *running) exit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(d):
		t.Fatalf("canto did not exit within %s of the signal\nstderr:\n%s", d, r.stderr())
	}
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	}
	if r.err != nil {
		t.Fatalf("waiting for canto: %v", r.err)
	}
	return 0
}

// TestInterrupt: SIGINT, SIGTERM and SIGKILL at random points during
// downloads (through a slow index), layer writing, writing an OCI layout and
// pushing (through a slow registry). A signalled canto exits promptly; the
// cache then holds nothing its verification would reject; a tag or layout
// never names an incomplete image; and the next run succeeds with the same
// digest as an uninterrupted build.
func TestInterrupt(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_REGISTRY")
	up := indexUpstream(t, env)
	dir := example(t, "cli-tool")
	want := mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", t.TempDir(), "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:"+t.TempDir()+":x")

	// phaseRun is one interrupted run: its output and extra arguments,
	// the condition after which to signal (plus a random delay up to
	// jitter), what to stop before the next run (calm), and a check of
	// the output after each run.
	type phaseRun struct {
		// dir and base replace the cli-tool copy and the slim base;
		// want replaces the digest of an uninterrupted build ("-": not
		// compared).
		dir, base, want string
		out             string
		args            []string
		ready           func(*running) func() bool
		jitter          time.Duration
		calm            func()
		check           func(t *testing.T, when string)
		// minWait is added to the random delay.
		minWait time.Duration
	}
	type phase struct {
		name string
		// only lists the signals to try, when not all of them.
		only []syscall.Signal
		// setup prepares the cache and returns the output and extra
		// arguments, the condition after which to signal (plus a random
		// delay up to jitter), and a check of the output.
		setup func(t *testing.T, cache string) phaseRun
	}
	warmWheelsOnly := func(t *testing.T, cache string) {
		mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:"+t.TempDir()+":x")
		// Drop the layer records: the wheels stay, the layers must be
		// built again.
		if err := os.RemoveAll(filepath.Join(cache, "keys")); err != nil {
			t.Fatal(err)
		}
	}
	phases := []phase{
		{"download", nil, func(t *testing.T, cache string) phaseRun {
			p := newFaultProxy(t, up)
			p.on(pathSuffix(".whl"), always(fault{kind: faultSlow, rate: 40 << 10}))
			return phaseRun{
				out: "oci:" + filepath.Join(t.TempDir(), "out") + ":x", args: []string{"--index-url", p.URL() + "/simple/"},
				ready:  func(*running) func() bool { return func() bool { return p.count(".whl") > 0 } },
				jitter: time.Second, calm: p.reset,
			}
		}},
		{"layers", nil, func(t *testing.T, cache string) phaseRun {
			warmWheelsOnly(t, cache)
			return phaseRun{
				out:    "oci:" + filepath.Join(t.TempDir(), "out") + ":x",
				ready:  func(r *running) func() bool { return r.sawLine("[layer 1/") },
				jitter: 200 * time.Millisecond,
			}
		}},
		{"layout", nil, func(t *testing.T, cache string) phaseRun {
			warmWheelsOnly(t, cache)
			out := filepath.Join(t.TempDir(), "out")
			return phaseRun{
				out:    "oci:" + out + ":x",
				ready:  func(r *running) func() bool { return r.sawLine("writing oci:") },
				jitter: 40 * time.Millisecond,
				check:  func(t *testing.T, _ string) { checkLayout(t, out) },
			}
		}},
		{"push", nil, func(t *testing.T, cache string) phaseRun {
			mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:"+t.TempDir()+":x")
			p := newFaultProxy(t, "http://"+env["CANTO_TW_REGISTRY"])
			p.on(pathContains(http.MethodPatch, "/blobs/uploads/"), always(fault{kind: faultSlowUpload, rate: 8 << 20}))
			p.on(pathContains(http.MethodPut, "/blobs/uploads/"), always(fault{kind: faultSlowUpload, rate: 8 << 20}))
			repo := fmt.Sprintf("e2e/interrupt-%d", time.Now().UnixNano())
			tag := baseimgTag(t, p.Host(), repo)
			real := baseimgTag(t, env["CANTO_TW_REGISTRY"], repo).Context().Tag(tag.TagStr())
			return phaseRun{
				out: tag.String(), args: []string{"--insecure-registry"},
				ready: func(*running) func() bool {
					return func() bool { return p.count("/blobs/uploads/", "slow upload") > 0 }
				},
				jitter: 1500 * time.Millisecond, calm: p.reset,
				check: func(t *testing.T, when string) {
					if validateTag(t, real.String()) {
						t.Logf("%s: %s exists and validates", when, real)
					} else {
						t.Logf("%s: %s does not exist", when, real)
					}
				},
			}
		}},
		{"bytecode", nil, func(t *testing.T, cache string) phaseRun {
			// The base's root filesystem is unpacked, then each layer's
			// sources are compiled in the sandbox.
			warmWheelsOnly(t, cache)
			wantPyc := mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", t.TempDir(), "--base", env["CANTO_TW_BASE_SLIM"], "--compile-bytecode", "-o", "oci:"+t.TempDir()+":x")
			return phaseRun{
				dir: dir, base: env["CANTO_TW_BASE_SLIM"], want: wantPyc,
				out: "oci:" + filepath.Join(t.TempDir(), "out") + ":x", args: []string{"--compile-bytecode"},
				ready:  func(r *running) func() bool { return r.sawLine("[bytecode] unpacking") },
				jitter: 3 * time.Second,
			}
		}},
		{"sdist", []syscall.Signal{syscall.SIGINT, syscall.SIGKILL}, func(t *testing.T, cache string) phaseRun {
			// uWSGI compiles from its sdist inside the sandbox for about
			// half a minute; the signal lands during the compile.
			baseimgNeed(t, env, "CANTO_TW_BASE_FULL")
			fu := example(t, "flask-uwsgi")
			return phaseRun{
				dir: fu, base: env["CANTO_TW_BASE_FULL"], want: "-",
				out: "oci:" + filepath.Join(t.TempDir(), "out") + ":x", args: []string{"--builder", env["CANTO_TW_BASE_FULL"]},
				ready: func(r *running) func() bool { return r.sawLine("[fetch] uwsgi-") },
				// Past the sandbox's start-up, into the compile.
				jitter: 6 * time.Second, minWait: 2 * time.Second,
			}
		}},
	}
	signals := []struct {
		name string
		sig  syscall.Signal
	}{{"SIGINT", syscall.SIGINT}, {"SIGTERM", syscall.SIGTERM}, {"SIGKILL", syscall.SIGKILL}}
	for _, ph := range phases {
		for _, sg := range signals {
			if ph.only != nil && !slices.Contains(ph.only, sg.sig) {
				continue
			}
			t.Run(ph.name+"/"+sg.name, func(t *testing.T) {
				cache := t.TempDir()
				run := ph.setup(t, cache)
				pdir, base, want := dir, env["CANTO_TW_BASE_SLIM"], want
				if run.dir != "" {
					pdir, base, want = run.dir, run.base, run.want
				}
				args := append([]string{"build", pdir, "--cache-dir", cache, "--base", base, "-o", run.out}, run.args...)
				// Every process canto starts inherits the mark, and its
				// own temporary directory.
				mark := fmt.Sprintf("CANTO_E2E_MARK=%d", rand.Int64())
				tmp := t.TempDir()
				r := startCanto(t, append([]string{mark, "TMPDIR=" + tmp}, noDaemon...), args...)
				if !r.waitFor(run.ready(r), time.Minute) {
					t.Fatalf("canto never reached the %s phase\nstderr:\n%s", ph.name, r.stderr())
				}
				time.Sleep(run.minWait + time.Duration(rand.Int64N(int64(run.jitter)+1)))
				_ = r.cmd.Process.Signal(sg.sig)
				code := r.exit(t, 15*time.Second)
				t.Logf("exit code %d after %s", code, sg.name)
				switch {
				case code == 0:
					t.Logf("the build finished before the signal landed")
				case sg.sig == syscall.SIGKILL && code != -1:
					t.Errorf("exit code %d after SIGKILL", code)
				case sg.sig != syscall.SIGKILL && code != 130:
					t.Errorf("exit code %d after %s, want 130\nstderr:\n%s", code, sg.name, r.stderr())
				}
				if s := r.stderr(); strings.Contains(s, "panic:") || strings.Contains(s, "goroutine ") {
					t.Errorf("canto panicked:\n%s", s)
				}
				verifyCache(t, cache)
				if sg.sig != syscall.SIGKILL {
					// A graceful stop removes its own temporary files.
					if left, _ := os.ReadDir(filepath.Join(cache, "tmp")); len(left) > 0 {
						t.Errorf("after %s the cache's tmp/ holds %d files", sg.name, len(left))
					}
					if left, _ := os.ReadDir(tmp); len(left) > 0 {
						t.Errorf("after %s canto left %d files in TMPDIR: %v", sg.name, len(left), left[0].Name())
					}
				}
				// No process canto started outlives it, SIGKILL included.
				if left := marked(mark, 5*time.Second); len(left) > 0 {
					t.Errorf("after %s, processes canto started still run: %s", sg.name, strings.Join(left, "; "))
				}
				if run.check != nil {
					run.check(t, "after "+sg.name)
				}
				// The next run, untroubled, succeeds with the same image.
				if run.calm != nil {
					run.calm()
				}
				again := canto(t, noDaemon, append([]string{"-q"}, args...)...)
				if again.err != nil {
					t.Fatalf("the run after the interruption failed: %v\n%s", again.err, again.stderr)
				}
				if got := strings.TrimSpace(again.stdout); want != "-" && got != want {
					t.Errorf("the run after the interruption built %s, want %s", got, want)
				}
				verifyCache(t, cache)
				if run.check != nil {
					run.check(t, "after the next run")
				}
			})
		}
	}
}

// marked lists the processes whose environment holds mark, waiting up to d
// for them to go.
func marked(mark string, d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		var found []string
		procs, _ := filepath.Glob("/proc/[0-9]*/environ")
		for _, p := range procs {
			b, err := os.ReadFile(p)
			if err != nil || !bytes.Contains(b, []byte(mark+"\x00")) {
				continue
			}
			cmd, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
			found = append(found, filepath.Base(filepath.Dir(p))+": "+strings.ReplaceAll(strings.TrimRight(string(cmd), "\x00"), "\x00", " "))
		}
		if len(found) == 0 || time.Now().After(deadline) {
			return found
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkLayout checks that every image an OCI layout's index names is
// complete and valid, if the layout exists at all.
func checkLayout(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		return
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("opening layout %s: %v", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Manifests {
		validateLayoutFull(t, dir, d.Digest.String())
	}
}

// ---------------------------------------------------------------------------
// Concurrency.

// TestConcurrentBuilds: eight `canto build`s at once, sharing one empty
// cache directory, all succeed with the same digest, and leave a cache that
// verifies.
func TestConcurrentBuilds(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	dir := example(t, "markers-groups")
	cache := t.TempDir()
	const n = 8
	runs := make([]cantoRun, n)
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		outs[i] = filepath.Join(t.TempDir(), "out")
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = canto(t, noDaemon, "build", dir, "-q", "-E", "fast", "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:"+outs[i]+":x")
		}()
	}
	wg.Wait()
	digests := map[string]int{}
	for i, r := range runs {
		if r.err != nil {
			t.Errorf("build %d of %d failed: %v\n%s", i+1, n, r.err, r.stderr)
			continue
		}
		d := strings.TrimSpace(r.stdout)
		digests[d]++
		validateLayout(t, outs[i], d)
	}
	if len(digests) != 1 {
		t.Errorf("%d concurrent builds gave digests %v, want one", n, digests)
	}
	if blobs := verifyCache(t, cache); blobs == 0 {
		t.Error("the shared cache is empty")
	}
	if left, _ := os.ReadDir(filepath.Join(cache, "tmp")); len(left) > 0 {
		t.Errorf("the cache's tmp/ holds %d files after every build finished", len(left))
	}
}

// ---------------------------------------------------------------------------
// Secrets.

// leakScanner looks for secrets in bytes, and in what gzip streams and zip
// members among them hold.
type leakScanner struct {
	secrets map[string][]byte // what it is → its bytes
	scanned int64
}

func newLeakScanner(pairs map[string][2]string) *leakScanner {
	s := &leakScanner{secrets: map[string][]byte{}}
	for what, up := range pairs {
		user, pass := up[0], up[1]
		pair := user + ":" + pass
		s.secrets[what+" password"] = []byte(pass)
		s.secrets[what+" user:password"] = []byte(pair)
		for enc, e := range map[string]*base64.Encoding{"base64": base64.StdEncoding, "raw base64": base64.RawStdEncoding, "url base64": base64.URLEncoding} {
			s.secrets[what+" user:password in "+enc] = []byte(strings.TrimRight(e.EncodeToString([]byte(pair)), "="))
			s.secrets[what+" password in "+enc] = []byte(strings.TrimRight(e.EncodeToString([]byte(pass)), "="))
		}
	}
	return s
}

func (s *leakScanner) scan(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, f := range s.find(where, b) {
		t.Error(f)
	}
}

// find returns where each secret appears in b.
func (s *leakScanner) find(where string, b []byte) []string {
	s.scanned += int64(len(b))
	var found []string
	for what, sec := range s.secrets {
		if bytes.Contains(b, sec) {
			found = append(found, fmt.Sprintf("%s holds the %s", where, what))
		}
	}
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			break
		}
		if u, err := io.ReadAll(io.LimitReader(zr, 1<<30)); err == nil {
			found = append(found, s.find(where+" (gunzipped)", u)...)
		}
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			break
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				continue
			}
			u, _ := io.ReadAll(io.LimitReader(rc, 1<<30))
			_ = rc.Close()
			found = append(found, s.find(where+" member "+f.Name, u)...)
		}
	}
	return found
}

func (s *leakScanner) scanDir(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.scan(t, p, b)
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}

// scanImage reads every blob of a pushed image.
func (s *leakScanner) scanImage(t *testing.T, ref string, auth authn.Authenticator) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r, remote.WithAuth(auth))
	if err != nil {
		t.Fatalf("pulling %s: %v", ref, err)
	}
	m, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	s.scan(t, ref+" manifest", m)
	c, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	s.scan(t, ref+" config", c)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		s.scan(t, fmt.Sprintf("%s layer %d", ref, i), b)
	}
}

// TestSecretsNeverLeak: index credentials from Poetry's environment
// variables, a netrc file and the index URL, and registry credentials from
// a Docker config, appear in no byte canto produces: stdout, stderr (-v and
// -vv), the OCI layout written, the pushed image's manifest, config and
// layers, and the cache; in successful runs and in runs failing on a wrong
// password alike.
func TestSecretsNeverLeak(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_INDEX_URL", "CANTO_TW_AUTH_INDEX_URL", "CANTO_TW_AUTH_USER", "CANTO_TW_AUTH_PASSWORD",
		"CANTO_TW_AUTH_REGISTRY", "CANTO_TW_REGISTRY_USER", "CANTO_TW_REGISTRY_PASSWORD")
	idxUser, idxPass := env["CANTO_TW_AUTH_USER"], env["CANTO_TW_AUTH_PASSWORD"]
	regUser, regPass := env["CANTO_TW_REGISTRY_USER"], env["CANTO_TW_REGISTRY_PASSWORD"]
	wrongIdx, wrongReg := "wrong-"+idxPass[:8]+"Zq9", "wrong-"+regPass[:8]+"Xk7"
	scanner := newLeakScanner(map[string][2]string{
		"index":                   {idxUser, idxPass},
		"registry":                {regUser, regPass},
		"wrong index password":    {idxUser, wrongIdx},
		"wrong registry password": {regUser, wrongReg},
	})

	// The scanner itself finds a basic-auth header inside a gzipped tar
	// and a zip member.
	header := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(idxUser+":"+idxPass))
	var gz, zb bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("some tar bytes " + header))
	_ = zw.Close()
	zipw := zip.NewWriter(&zb)
	fw, _ := zipw.Create("pkg/config.py")
	_, _ = fw.Write([]byte("TOKEN = '" + regPass + "'"))
	_ = zipw.Close()
	if got := scanner.find("probe", gz.Bytes()); len(got) == 0 {
		t.Fatal("the scanner misses a basic-auth header in a gzip stream")
	}
	if got := scanner.find("probe", zb.Bytes()); len(got) == 0 {
		t.Fatal("the scanner misses a password in a zip member")
	}

	dir := example(t, "cli-tool")
	relocate(t, dir, env["CANTO_TW_INDEX_URL"], env["CANTO_TW_AUTH_INDEX_URL"])
	dockerConfig := func(pass string) string {
		d := t.TempDir()
		auth := base64.StdEncoding.EncodeToString([]byte(regUser + ":" + pass))
		cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, env["CANTO_TW_AUTH_REGISTRY"], auth)
		if err := os.WriteFile(filepath.Join(d, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return d
	}
	goodDocker, wrongDocker := dockerConfig(regPass), dockerConfig(wrongReg)
	netrc := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(netrc, []byte("machine 127.0.0.1 login "+idxUser+" password "+idxPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // no ~/.netrc, no ~/.docker
	poetryEnv := func(pass string) []string {
		return []string{"POETRY_HTTP_BASIC_TESTWORLD_USERNAME=" + idxUser, "POETRY_HTTP_BASIC_TESTWORLD_PASSWORD=" + pass}
	}
	userURL := strings.Replace(env["CANTO_TW_AUTH_INDEX_URL"], "http://", "http://"+idxUser+":"+idxPass+"@", 1)
	goodAuth := authn.FromConfig(authn.AuthConfig{Username: regUser, Password: regPass})

	tests := []struct {
		name    string
		env     []string
		args    []string
		push    bool // also push to the auth registry
		wantErr []string
	}{
		{name: "environment credentials, -v, pushed", env: append(poetryEnv(idxPass), "DOCKER_CONFIG="+goodDocker), args: []string{"-v"}, push: true},
		{name: "environment credentials, -vv", env: append(poetryEnv(idxPass), "DOCKER_CONFIG="+goodDocker), args: []string{"-vv"}, push: true},
		{name: "netrc, -vv", env: []string{"NETRC=" + netrc}, args: []string{"-vv"}},
		{name: "credentials in --index-url, -vv", args: []string{"-vv", "--index-url", userURL}},
		{name: "wrong index password, -vv", env: poetryEnv(wrongIdx), args: []string{"-vv", "--retries", "0"},
			wantErr: []string{"401 Unauthorized to the credentials sent for 127.0.0.1", "hint: check the user name and password"}},
		{name: "wrong index password in --index-url, -vv", args: []string{"-vv", "--retries", "0", "--index-url", strings.Replace(userURL, idxPass, wrongIdx, 1)},
			wantErr: []string{"401 Unauthorized to the credentials sent for 127.0.0.1"}},
		{name: "wrong registry password, -vv", env: append(poetryEnv(idxPass), "DOCKER_CONFIG="+wrongDocker), args: []string{"-vv", "--retries", "0"}, push: true,
			wantErr: []string{"writing docker://" + env["CANTO_TW_AUTH_REGISTRY"], "hint: check the push credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", dir, "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:" + out + ":x"}, tt.args...)
			var tag string
			if tt.push {
				tag = baseimgTag(t, env["CANTO_TW_AUTH_REGISTRY"], "e2e/secrets").String()
				args = append(args, "--insecure-registry", "-o", tag)
			}
			r := canto(t, append([]string{"HOME=" + home, "NETRC=" + filepath.Join(home, "none"), "DOCKER_CONFIG=" + filepath.Join(home, "none")}, append(noDaemon, tt.env...)...), args...)
			if len(tt.wantErr) > 0 {
				wantFail(t, r, tt.wantErr...)
			} else if r.err != nil {
				t.Fatalf("build: %v\n%s", r.err, r.stderr)
			}
			if len(tt.wantErr) == 0 && !strings.Contains(r.stderr, "level=DEBUG") && strings.Contains(strings.Join(tt.args, " "), "-vv") {
				t.Errorf("-vv printed no debug lines; the test would miss leaks there:\n%s", r.stderr)
			}
			scanner.scan(t, "stdout", []byte(r.stdout))
			scanner.scan(t, "stderr", []byte(r.stderr))
			scanner.scanDir(t, out)
			scanner.scanDir(t, cache)
			if tt.push && len(tt.wantErr) == 0 {
				scanner.scanImage(t, tag, goodAuth)
			}
		})
	}
	t.Logf("scanned %d bytes", scanner.scanned)
}
