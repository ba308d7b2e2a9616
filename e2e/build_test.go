//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// End-to-end tests of `canto build`: the real binary against the test world.

// cantoBin is the binary under test: $CANTO_BIN (set by `make e2e`), else
// one built into a temporary directory.
func cantoBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("CANTO_BIN"); b != "" {
		return b
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "canto")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/canto")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building canto: %v\n%s", err, out)
	}
	return bin
}

type cantoRun struct {
	stdout, stderr string
	err            error
}

// canto runs the binary with extra environment variables; the test world's
// variables are not passed on, so nothing leaks in by accident.
func canto(t *testing.T, env []string, args ...string) cantoRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cantoBin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return cantoRun{stdout: out.String(), stderr: errb.String(), err: err}
}

func mustCanto(t *testing.T, env []string, args ...string) string {
	t.Helper()
	r := canto(t, env, args...)
	if r.err != nil {
		t.Fatalf("canto %s: %v\nstderr:\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// example copies examples/NAME into a temporary directory, so tests may
// change it.
func example(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("cp", "-a", filepath.Join("..", "examples", name), dst).CombinedOutput(); err != nil {
		t.Fatalf("copying example: %v\n%s", err, out)
	}
	return dst
}

func docker(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, env["CANTO_TW_DOCKER"], args...).CombinedOutput()
	return string(out), err
}

func needDocker(t *testing.T, env map[string]string) {
	t.Helper()
	if env["CANTO_TW_NO_DOCKER"] == "1" {
		t.Skip("the test world runs without a Docker engine (CANTO_TW_NO_DOCKER=1)")
	}
	baseimgNeed(t, env, "CANTO_TW_DOCKER")
	if out, err := docker(t, env, "info"); err != nil {
		t.Fatalf("docker info: %v\n%s\n%s", err, out, baseimgUpHint)
	}
}

// noDaemon is an environment in which no Docker daemon can be reached.
var noDaemon = []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}

func TestBuildEveryOutput(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_REGISTRY")
	needDocker(t, env)
	dir := example(t, "cli-tool")
	out := t.TempDir()
	tag := baseimgTag(t, env["CANTO_TW_REGISTRY"], "e2e/cli-tool")
	cache := t.TempDir()

	// The build writes an OCI layout, a tarball and a registry image with no
	// daemon reachable at all.
	digest := mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", cache,
		"--base", env["CANTO_TW_BASE_SLIM"], "--entrypoint", "cli-tool", "--insecure-registry",
		"-o", "oci:"+out+"/layout:cli", "-o", "docker-archive:"+out+"/cli.tar:e2e/cli-tool:latest", "-o", tag.String())
	if !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("stdout is not a digest: %q", digest)
	}

	// OCI layout: validates, and holds the digest printed.
	p, err := layout.FromPath(out + "/layout")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := v1.NewHash(digest)
	img, err := p.Image(h)
	if err != nil {
		t.Fatalf("the layout lacks %s: %v", digest, err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("layout image: %v", err)
	}

	// Registry: the manifest has the same digest.
	ref, err := name.ParseReference(tag.String(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(ref)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != digest {
		t.Errorf("registry digest %s, printed %s", desc.Digest, digest)
	}

	// docker load of the tarball, and docker run.
	if o, err := docker(t, env, "load", "-i", out+"/cli.tar"); err != nil {
		t.Fatalf("docker load: %v\n%s", err, o)
	}
	got, err := docker(t, env, "run", "--rm", "--network", "host", "e2e/cli-tool:latest", "hello", "e2e")
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, got)
	}
	if !strings.Contains(got, "e2e") {
		t.Errorf("cli-tool printed %q", got)
	}

	// docker pull from the registry, then run.
	if o, err := docker(t, env, "pull", tag.String()); err != nil {
		t.Fatalf("docker pull: %v\n%s", err, o)
	}
	got2, err := docker(t, env, "run", "--rm", "--network", "host", tag.String(), "hello", "e2e")
	if err != nil || got2 != got {
		t.Errorf("pulled image printed %q (%v), loaded one %q", got2, err, got)
	}

	// docker-daemon: written straight into the engine.
	mustCanto(t, nil, "build", dir, "-q", "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"],
		"--entrypoint", "cli-tool", "-o", "docker-daemon:e2e/cli-tool:daemon")
	got3, err := docker(t, env, "run", "--rm", "--network", "host", "e2e/cli-tool:daemon", "hello", "e2e")
	if err != nil || got3 != got {
		t.Errorf("daemon image printed %q (%v), loaded one %q", got3, err, got)
	}
}

func TestBuildWebAppServes(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	needDocker(t, env)
	dir := example(t, "gunicorn-web")
	out := t.TempDir()
	mustCanto(t, noDaemon, "build", dir, "-q", "--cache-dir", t.TempDir(), "--base", env["CANTO_TW_BASE_SLIM"],
		"-o", "docker-archive:"+out+"/web.tar:e2e/gunicorn-web:latest")
	if o, err := docker(t, env, "load", "-i", out+"/web.tar"); err != nil {
		t.Fatalf("docker load: %v\n%s", err, o)
	}
	name := fmt.Sprintf("e2e-web-%d", time.Now().UnixNano())
	if o, err := docker(t, env, "run", "-d", "--name", name, "--network", "host", "e2e/gunicorn-web:latest"); err != nil {
		t.Fatalf("docker run: %v\n%s", err, o)
	}
	defer docker(t, env, "rm", "-f", name)
	body, err := getWithin("http://127.0.0.1:8001/", 30*time.Second)
	if err != nil {
		logs, _ := docker(t, env, "logs", name)
		t.Fatalf("the server did not answer: %v\n%s", err, logs)
	}
	if !strings.Contains(body, "hello from gunicorn") {
		t.Errorf("body %q", body)
	}
	// It runs as the non-root user canto sets by default.
	user, _ := docker(t, env, "inspect", "-f", "{{.Config.User}}", "e2e/gunicorn-web:latest")
	if strings.TrimSpace(user) != "65532:65532" {
		t.Errorf("user %q", user)
	}
}

func getWithin(url string, d time.Duration) (string, error) {
	deadline := time.Now().Add(d)
	var lastErr error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == 200 {
				return string(b), nil
			}
			lastErr = fmt.Errorf("status %d: %w", resp.StatusCode, rerr)
		} else {
			lastErr = err
		}
		time.Sleep(250 * time.Millisecond)
	}
	return "", lastErr
}

// TestBuildReproducible: an empty and a warm cache, and another machine's
// umask, give the same digest; SOURCE_DATE_EPOCH changes it.
func TestBuildReproducible(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	dir := example(t, "markers-groups")
	args := func(cache string) []string {
		return []string{"build", dir, "-q", "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:" + t.TempDir() + ":x"}
	}
	warm := t.TempDir()
	cold1 := mustCanto(t, noDaemon, args(warm)...)
	cold2 := mustCanto(t, noDaemon, args(t.TempDir())...)
	again := mustCanto(t, noDaemon, args(warm)...)
	if cold1 != cold2 || cold1 != again {
		t.Fatalf("digests differ: cold %s, other cold %s, warm %s", cold1, cold2, again)
	}
	script := `umask 077 && touch "$1"/libs/sibling/sibling/__init__.py && exec "$0" "${@:2}"`
	umask := exec.Command("bash", append([]string{"-c", script, cantoBin(t), dir}, args(t.TempDir())...)...)
	umask.Env = append(os.Environ(), noDaemon...)
	o, err := umask.Output()
	if err != nil {
		t.Fatalf("umask build: %v", err)
	}
	if got := strings.TrimSpace(string(o)); got != cold1 {
		t.Errorf("umask 077 and a touched file gave %s, want %s", got, cold1)
	}
	other := mustCanto(t, append([]string{"SOURCE_DATE_EPOCH=1700000000"}, noDaemon...), args(warm)...)
	if other == cold1 {
		t.Errorf("SOURCE_DATE_EPOCH did not change the digest")
	}
}

type buildOutput struct {
	Digest string `json:"digest"`
	Layers []struct {
		Kind     string   `json:"kind"`
		Name     string   `json:"name"`
		Digest   string   `json:"digest"`
		Size     int64    `json:"size"`
		Cached   bool     `json:"cached"`
		Packages []string `json:"packages"`
	} `json:"layers"`
}

// TestRelockAddsOneDependency: after a real `poetry add` of one package, the
// rebuild reuses every other layer byte for byte, changes at most two
// dependency layers, and what a push must send is at most 1.1x the new
// package's compressed layer.
func TestRelockAddsOneDependency(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_REGISTRY")
	if _, err := exec.LookPath("poetry"); err != nil {
		t.Fatalf("poetry is not installed: %v\n%s", err, baseimgUpHint)
	}
	dir := example(t, "cli-tool")
	cache := t.TempDir()
	tag := baseimgTag(t, env["CANTO_TW_REGISTRY"], "e2e/relock")
	build := func() buildOutput {
		var out buildOutput
		s := mustCanto(t, noDaemon, "build", dir, "-q", "--json", "--cache-dir", cache, "--insecure-registry",
			"--base", env["CANTO_TW_BASE_SLIM"], "-o", tag.String())
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatalf("--json: %v\n%s", err, s)
		}
		return out
	}
	before := build()

	// A real re-lock: poetry adds pip (a 2 MiB wheel with no dependencies).
	add := exec.Command("poetry", "add", "--lock", "pip")
	add.Dir = dir
	// A fresh Poetry cache: Poetry takes hashes from its cache, which may
	// remember files the test index has since rebuilt.
	add.Env = append(os.Environ(), "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring", "PIP_CONFIG_FILE="+env["CANTO_TW_PIP_CONF"], "POETRY_CACHE_DIR="+t.TempDir())
	if o, err := add.CombinedOutput(); err != nil {
		t.Fatalf("poetry add --lock pip: %v\n%s", err, o)
	}
	after := build()

	old := map[string]bool{}
	for _, l := range before.Layers {
		old[l.Digest] = true
	}
	var changedDeps, pushed, pipSize int64
	for _, l := range after.Layers {
		if old[l.Digest] {
			if !l.Cached {
				t.Errorf("layer %s is byte-identical but was rebuilt", l.Name)
			}
			continue
		}
		pushed += l.Size
		switch l.Kind {
		case "dependencies":
			changedDeps++
			for _, p := range l.Packages {
				if strings.HasPrefix(p, "pip ") {
					pipSize = l.Size
				}
			}
		case "project":
			// The project's METADATA names the new dependency.
		default:
			t.Errorf("layer %s (%s) changed", l.Name, l.Kind)
		}
	}
	if changedDeps < 1 || changedDeps > 2 {
		t.Errorf("%d dependency layers changed, want 1 or 2", changedDeps)
	}
	if pipSize == 0 {
		t.Fatal("no layer holds pip")
	}
	// Add the new config blob and manifest, which a push also sends.
	ref, _ := name.ParseReference(tag.String(), name.Insecure)
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := img.RawManifest()
	cfg, _ := img.RawConfigFile()
	pushed += int64(len(raw) + len(cfg))
	ratio := float64(pushed) / float64(pipSize)
	t.Logf("new package layer %d bytes; a push sends %d bytes (%.3fx)", pipSize, pushed, ratio)
	if ratio > 1.1 {
		t.Errorf("a push sends %.3fx the new package's compressed size, want <= 1.1x", ratio)
	}
	if after.Digest == before.Digest {
		t.Error("the image did not change")
	}
}

// TestBuildErrorsE2E: bad inputs give clear errors and write nothing.
func TestBuildErrorsE2E(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM")
	dir := example(t, "cli-tool")
	out := filepath.Join(t.TempDir(), "out")
	// A base whose Python is another minor version than the project's lock
	// needs is caught by the plan; here, a base without Python at all.
	r := canto(t, noDaemon, "build", dir, "--base", "oci:/nonexistent:slim", "-o", "oci:"+out+":x")
	if r.err == nil || !strings.Contains(r.stderr, "error: ") || !strings.Contains(r.stderr, "/nonexistent") {
		t.Errorf("missing base: %v\n%s", r.err, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed build wrote %s", out)
	}
	r = canto(t, noDaemon, "build", dir, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:/proc/canto-cannot-write:x")
	if r.err == nil || !strings.Contains(r.stderr, "/proc/canto-cannot-write") {
		t.Errorf("unwritable output: %v\n%s", r.err, r.stderr)
	}
	if runtime.GOOS == "linux" && strings.Contains(r.stderr, "[fetch]") {
		t.Errorf("the unwritable output was found only after fetching:\n%s", r.stderr)
	}
}

// TestSdistWheelCacheOutlivesLayers: the second build of the Flask + uWSGI
// app, with every layer key changed (another SOURCE_DATE_EPOCH) but the same
// cache, takes uWSGI's wheel from the cache and compiles nothing.
func TestSdistWheelCacheOutlivesLayers(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_FULL")
	dir := example(t, "flask-uwsgi")
	cache := t.TempDir()
	build := func(epoch string) buildOutput {
		r := canto(t, append([]string{"SOURCE_DATE_EPOCH=" + epoch}, noDaemon...), "build", dir, "--json", "--cache-dir", cache,
			"--base", env["CANTO_TW_BASE_FULL"], "-o", "oci:"+t.TempDir()+":x")
		if r.err != nil {
			t.Fatalf("build: %v\n%s", r.err, r.stderr)
		}
		var out buildOutput
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatal(err)
		}
		t.Logf("epoch %s: %s", epoch, strings.TrimSpace(grepLines(r.stderr, "[sdist]")))
		if epoch == "0" && !strings.Contains(r.stderr, "[sdist] uwsgi 2.0.21: wheel compiled") {
			t.Errorf("the first build did not compile uWSGI:\n%s", r.stderr)
		}
		if epoch != "0" && !strings.Contains(r.stderr, "[sdist] uwsgi 2.0.21: wheel from the cache") {
			t.Errorf("the second build did not take uWSGI from the cache:\n%s", r.stderr)
		}
		return out
	}
	first := build("0")
	second := build("1700000000")
	for _, l := range second.Layers {
		if l.Cached {
			t.Errorf("layer %s was reused although its key changed", l.Name)
		}
	}
	if first.Digest == second.Digest {
		t.Error("the two builds have the same digest")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestBuildEveryBase: the same project onto the slim base read from each
// transport (an OCI layout, a docker-archive, the Docker daemon, the
// registry, and the registry behind htpasswd with the Docker config's
// credentials) gives images that validate and whose layers canto added are
// the same bytes, whatever the base's format.
func TestBuildEveryBase(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_ARCHIVE_SLIM", "CANTO_TW_REGISTRY_BASE_SLIM", "CANTO_TW_AUTH_REGISTRY_BASE_SLIM")
	needDocker(t, env)
	dir := example(t, "cli-tool")
	cache := t.TempDir()
	cfgDir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(env["CANTO_TW_REGISTRY_USER"] + ":" + env["CANTO_TW_REGISTRY_PASSWORD"]))
	host := strings.SplitN(env["CANTO_TW_AUTH_REGISTRY_BASE_SLIM"], "/", 2)[0]
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(`{"auths":{"`+host+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bases := []struct{ name, ref string }{
		{"oci", env["CANTO_TW_BASE_SLIM"]},
		{"docker-archive", "docker-archive:" + env["CANTO_TW_ARCHIVE_SLIM"]},
		{"docker-daemon", "docker-daemon:" + env["CANTO_TW_DOCKER_SLIM"]},
		{"registry", "docker://" + env["CANTO_TW_REGISTRY_BASE_SLIM"]},
		{"registry with auth", env["CANTO_TW_AUTH_REGISTRY_BASE_SLIM"]},
	}
	var want []string
	for _, b := range bases {
		out := t.TempDir()
		r := canto(t, []string{"DOCKER_CONFIG=" + cfgDir}, "build", dir, "--json", "--cache-dir", cache, "--insecure-registry",
			"--base", b.ref, "-o", "oci:"+out+":x")
		if r.err != nil {
			t.Errorf("%s base %s: %v\n%s", b.name, b.ref, r.err, r.stderr)
			continue
		}
		var res buildOutput
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatal(err)
		}
		validateLayout(t, out, res.Digest)
		var got []string
		for _, l := range res.Layers {
			got = append(got, l.Name+" "+l.Digest)
		}
		if want == nil {
			want = got
		} else if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s base: canto's layers differ from the oci base's (-oci +%s):\n%s", b.name, b.name, diff)
		}
	}
	if len(want) < 3 {
		t.Errorf("canto added %d layers, want dependencies, venv and project", len(want))
	}
}
