//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/canto-build/canto/pkg/image"
	"github.com/canto-build/canto/pkg/sandbox"
)

// probeImage writes an OCI layout with the test world's slim image plus a
// layer holding an extension module, compiled here, that links
// libpython3.11 and libpcre, which slim lacks and full has.
func probeImage(t *testing.T, env map[string]string) string {
	t.Helper()
	baseimgNeed(t, env, "CANTO_TW_OCI")
	dir := t.TempDir()
	src := filepath.Join(dir, "probe.c")
	if err := os.WriteFile(src, []byte("int probe(void) { return 1; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "_probe.so")
	out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", so, src, "-Wl,--no-as-needed", "-lpython3.11", "-lpcre").CombinedOutput()
	if err != nil {
		t.Fatalf("compiling the probe (needs gcc, libpython3.11-dev and libpcre3-dev on the host): %v\n%s", err, out)
	}
	data, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	site := "opt/venv/lib/python3.11/site-packages/"
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{site + "probe/_probe.so", data},
		{site + "probe-1.0.dist-info/RECORD", []byte("probe/_probe.so,,\nprobe-1.0.dist-info/RECORD,,\n")},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	layerBytes := buf.Bytes()
	l, err := image.LayerFromTar(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerBytes)), nil })
	if err != nil {
		t.Fatal(err)
	}
	ref, err := image.ParseReference(env["CANTO_TW_BASE_SLIM"])
	if err != nil {
		t.Fatal(err)
	}
	slim, err := image.LoadBase(t.Context(), ref, "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(slim, l)
	if err != nil {
		t.Fatal(err)
	}
	oci := filepath.Join(dir, "oci")
	p, err := layout.Write(oci, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "probe"})); err != nil {
		t.Fatal(err)
	}
	return "oci:" + oci + ":probe"
}

// TestCheckSlimLacksLibraries: canto check finds what the probe needs and
// slim lacks, names full's Debian packages, and lists what vendoring adds.
func TestCheckSlimLacksLibraries(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_BASE_FULL")
	probe := probeImage(t, env)
	so := "/opt/venv/lib/python3.11/site-packages/probe/_probe.so"

	r := canto(t, nil, "check", probe)
	if r.err == nil {
		t.Fatalf("canto check passed; stdout:\n%s", r.stdout)
	}
	want := "probe 1.0: " + so + " needs libpcre.so.3, which the image lacks\n" +
		"probe 1.0: " + so + " needs libpython3.11.so.1.0, which the image lacks\n"
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if !strings.Contains(r.stderr, "lacks 2 shared libraries") || !strings.Contains(r.stderr, "hint: use --vendor-libs") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	r = canto(t, nil, "check", probe, "--builder", env["CANTO_TW_BASE_FULL"])
	for _, w := range []string{
		so + " needs libpcre.so.3, which the image lacks (Debian package libpcre3 in the builder)",
		so + " needs libpython3.11.so.1.0, which the image lacks (Debian package libpython3.11 in the builder)",
		"  /usr/lib/x86_64-linux-gnu/libpcre.so.3 -> libpcre.so.3.13.3  (libpcre3 2:8.39-15)",
		"  /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0  (libpython3.11 3.11.",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("canto check --builder: stdout lacks %q:\n%s\nstderr:\n%s", w, r.stdout, r.stderr)
		}
	}

	// The bases themselves are whole: every ELF file finds its libraries.
	for _, base := range []string{"CANTO_TW_BASE_SLIM", "CANTO_TW_BASE_FULL"} {
		if r := canto(t, nil, "check", env[base], "--all", "-q"); r.err != nil || r.stdout != "" {
			t.Errorf("canto check %s --all: %v\nstdout:\n%s\nstderr:\n%s", base, r.err, r.stdout, r.stderr)
		}
	}
}

// TestBuildVendorLibsServes: uWSGI compiled in full links libpython3.11 and
// libpcre, which slim lacks. canto build refuses the image, naming them;
// with --vendor-libs it copies them from full and uWSGI serves HTTP.
func TestBuildVendorLibsServes(t *testing.T) {
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_BASE_FULL", "CANTO_TW_PIP_CONF")
	needDocker(t, env)
	dir := example(t, "flask-uwsgi")
	cacheDir := t.TempDir()
	out := t.TempDir()
	args := []string{"build", dir, "-q", "--cache-dir", cacheDir, "--base", env["CANTO_TW_BASE_SLIM"], "--builder", env["CANTO_TW_BASE_FULL"],
		"--entrypoint", "uwsgi", "--entrypoint=--http-socket", "--entrypoint=127.0.0.1:8061", "--entrypoint=--module", "--entrypoint=app.wsgi:application",
		"--entrypoint=--need-app", "--entrypoint=--die-on-term"}

	r := canto(t, noDaemon, append(args, "-o", "oci:"+out+"/refused:app")...)
	if r.err == nil {
		t.Fatal("canto build onto slim passed without --vendor-libs")
	}
	for _, w := range []string{
		"uwsgi 2.0.21: /opt/venv/bin/uwsgi needs libpcre.so.3, which the image lacks (Debian package libpcre3 in the builder)",
		"uwsgi 2.0.21: /opt/venv/bin/uwsgi needs libpython3.11.so.1.0, which the image lacks (Debian package libpython3.11 in the builder)",
		"hint: use --vendor-libs",
	} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}

	tag := fmt.Sprintf("e2e/flask-uwsgi-vendored:%d", time.Now().UnixNano())
	mustCanto(t, noDaemon, append(args, "--vendor-libs", "-o", "oci:"+out+"/oci:app", "-o", "docker-archive:"+out+"/app.tar:"+tag)...)
	if r := canto(t, nil, "check", "oci:"+out+"/oci:app"); r.err != nil {
		t.Errorf("canto check of the vendored image: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	if o, err := docker(t, env, "load", "-i", out+"/app.tar"); err != nil {
		t.Fatalf("docker load: %v\n%s", err, o)
	}
	defer docker(t, env, "rmi", tag)
	hist, _ := docker(t, env, "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag)
	if !strings.Contains(hist, "canto: shared libraries for uwsgi 2.0.21 from "+env["CANTO_TW_BASE_FULL"]) {
		t.Errorf("history lacks the libraries layer:\n%s", hist)
	}
	name := fmt.Sprintf("e2e-vendored-%d", time.Now().UnixNano())
	if o, err := docker(t, env, "run", "-d", "--name", name, "--network", "host", tag); err != nil {
		t.Fatalf("docker run: %v\n%s", err, o)
	}
	defer docker(t, env, "rm", "-f", name)
	body, err := getWithin("http://127.0.0.1:8061/", 30*time.Second)
	if err != nil {
		logs, _ := docker(t, env, "logs", name)
		t.Fatalf("uWSGI did not answer: %v\n%s", err, logs)
	}
	if !strings.Contains(body, "hello from flask behind uwsgi") {
		t.Errorf("body %q", body)
	}

	// A pure-Python dependency added by a real re-lock, then a code change:
	// neither touches a layer with ELF files, so the check is remembered
	// (no [libs] step, the builder is not read) and the vendored layer stays.
	add := exec.Command("poetry", "add", "--lock", "canto-testpkg")
	add.Dir = dir
	add.Env = append(os.Environ(), "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring", "PIP_CONFIG_FILE="+env["CANTO_TW_PIP_CONF"], "POETRY_CACHE_DIR="+t.TempDir())
	if o, err := add.CombinedOutput(); err != nil {
		t.Fatalf("poetry add --lock canto-testpkg: %v\n%s", err, o)
	}
	for _, step := range []string{"dependency added", "code change"} {
		if step == "code change" {
			f, err := os.OpenFile(filepath.Join(dir, "app", "__init__.py"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteString("# a code change\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		var loud []string // progress on stderr: no -q
		for _, a := range args {
			if a != "-q" {
				loud = append(loud, a)
			}
		}
		r := canto(t, noDaemon, append(loud, "--vendor-libs", "--json", "-o", "oci:"+out+"/oci:app")...)
		if r.err != nil {
			t.Fatalf("%s: %v\n%s", step, r.err, r.stderr)
		}
		if strings.Contains(r.stderr, "[libs]") {
			t.Errorf("%s: the shared-library check ran again:\n%s", step, grepLines(r.stderr, "[libs]"))
		}
		var res buildOutput
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatal(err)
		}
		libs := false
		for _, l := range res.Layers {
			libs = libs || (l.Kind == "libraries" && l.Cached)
		}
		if !libs {
			t.Errorf("%s: no cached libraries layer in %+v", step, res.Layers)
		}
	}
}
