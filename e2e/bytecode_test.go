//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/sandbox"
)

// TestBuildCompilesBytecode: --compile-bytecode puts a .pyc beside every
// source of gunicorn-web's dependencies and of the project, compiled by the
// slim base's own Python; two empty caches give one digest, a warm build
// reuses every layer, and a read-only container (a tmpfs /tmp for gunicorn) imports from the .pyc
// files (python -v says "matches") and serves HTTP. The shell-less
// distroless base compiles too: nothing but its interpreter runs.
func TestBuildCompilesBytecode(t *testing.T) {
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_BASE_DISTROLESS")
	needDocker(t, env)
	dir := example(t, "gunicorn-web")
	out := t.TempDir()
	build := func(cache, base string, extra ...string) string {
		args := append([]string{"build", dir, "-q", "--cache-dir", cache, "--base", base, "-o", "oci:" + t.TempDir() + ":x"}, extra...)
		return mustCanto(t, noDaemon, args...)
	}
	plain := build(t.TempDir(), env["CANTO_TW_BASE_SLIM"])
	warm := t.TempDir()
	first := build(warm, env["CANTO_TW_BASE_SLIM"], "--compile-bytecode", "-o", "docker-archive:"+out+"/pyc.tar:e2e/pyc:latest")
	second := build(t.TempDir(), env["CANTO_TW_BASE_SLIM"], "--compile-bytecode")
	if first != second {
		t.Fatalf("two empty caches gave %s and %s", first, second)
	}
	if first == plain {
		t.Fatalf("--compile-bytecode did not change the image (%s)", plain)
	}
	var again buildOutput
	if err := json.Unmarshal([]byte(build(warm, env["CANTO_TW_BASE_SLIM"], "--compile-bytecode", "--json")), &again); err != nil {
		t.Fatal(err)
	}
	if again.Digest != first {
		t.Errorf("warm build gave %s, want %s", again.Digest, first)
	}
	for _, l := range again.Layers {
		if !l.Cached {
			t.Errorf("warm build rebuilt layer %s", l.Name)
		}
	}

	if o, err := docker(t, env, "load", "-i", out+"/pyc.tar"); err != nil {
		t.Fatalf("docker load: %v\n%s", err, o)
	}
	o, err := docker(t, env, "run", "--rm", "--read-only", "--network", "none", "--entrypoint", "/opt/venv/bin/python",
		"e2e/pyc:latest", "-v", "-c", "import gunicorn.app.wsgiapp, itsdangerous, web.app; print('imported')")
	if err != nil || !strings.Contains(o, "\nimported\n") {
		t.Fatalf("python -v in the image: %v\n%s", err, tailOf(o, 30))
	}
	sp := "/opt/venv/lib/python3.11/site-packages/"
	for _, mod := range []string{"gunicorn/__init__", "gunicorn/app/wsgiapp", "itsdangerous/__init__", "web/app"} {
		want := fmt.Sprintf("# %s%s/__pycache__/%s.cpython-311.pyc matches %s%s.py", sp, path.Dir(mod), path.Base(mod), sp, mod)
		if !strings.Contains(o, want) {
			t.Errorf("python -v does not say %q", want)
		}
	}

	name := fmt.Sprintf("e2e-pyc-%d", time.Now().UnixNano())
	if o, err := docker(t, env, "run", "-d", "--read-only", "--tmpfs", "/tmp", "--name", name, "--network", "host", "e2e/pyc:latest"); err != nil {
		t.Fatalf("docker run: %v\n%s", err, o)
	}
	defer docker(t, env, "rm", "-f", name)
	body, err := getWithin("http://127.0.0.1:8001/", 30*time.Second)
	if err != nil || !strings.Contains(body, "hello from gunicorn") {
		logs, _ := docker(t, env, "logs", name)
		t.Fatalf("the server did not answer: %v %q\n%s", err, body, logs)
	}

	// distroless: no shell, no pip, no dpkg database but status.d; its
	// Python compiles all the same, and the image serves.
	build(t.TempDir(), env["CANTO_TW_BASE_DISTROLESS"], "--compile-bytecode", "-o", "docker-archive:"+out+"/dl.tar:e2e/pyc-distroless:latest")
	if o, err := docker(t, env, "load", "-i", out+"/dl.tar"); err != nil {
		t.Fatalf("docker load: %v\n%s", err, o)
	}
	o, err = docker(t, env, "run", "--rm", "--read-only", "--network", "none", "--entrypoint", "/opt/venv/bin/python",
		"e2e/pyc-distroless:latest", "-v", "-c", "import web.app; print('imported')")
	if want := "# " + sp + "web/__pycache__/app.cpython-311.pyc matches " + sp + "web/app.py"; err != nil || !strings.Contains(o, want) {
		t.Errorf("distroless image: %v; want %q in\n%s", err, want, tailOf(o, 30))
	}
	if o, err := docker(t, env, "run", "--rm", "--entrypoint", "/bin/sh", "e2e/pyc-distroless:latest", "-c", "true"); err == nil {
		t.Errorf("the distroless image has a shell:\n%s", o)
	}
}
