//go:build e2e

package e2e

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/canto-build/canto/pkg/sandbox"
)

const gitdepPyproject = `[project]
name = "canto-gitdep"
version = "1.0.0"
description = "A setuptools project that lives in git."

[tool.setuptools]
packages = ["canto_gitdep"]

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
`

// hybridPyproject is a project whose dependencies Poetry manages and whose
// wheel setuptools builds, from its [project] table.
const hybridPyproject = `[project]
name = "hybrid-app"
version = "1.0.0"
description = "Poetry for the lock, setuptools for the wheel."
dependencies = ["itsdangerous>=2.1", "canto-gitdep"]

[tool.setuptools]
packages = ["hybrid_app"]

[tool.poetry]
name = "hybrid-app"
version = "1.0.0"
description = "Poetry for the lock, setuptools for the wheel."
authors = ["canto test world <testworld@canto.invalid>"]

[tool.poetry.dependencies]
python = "^3.9"
itsdangerous = "^2.1"
canto-gitdep = { git = "GITURL", branch = "main" }

[[tool.poetry.source]]
name = "testworld"
url = "http://127.0.0.1:3141/simple/"
default = true

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
`

// TestBuildGitAndSetuptoolsTrees: a project built by setuptools (not
// poetry-core) with a git dependency, locked by the real Poetry. canto
// checks the dependency out at the locked commit, builds both with their
// own backend in the sandbox (setuptools from the test index), records the
// commit in direct_url.json, and the image imports both. A second build
// compiles nothing, and another empty cache gives the same digest.
func TestBuildGitAndSetuptoolsTrees(t *testing.T) {
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_SLIM", "CANTO_TW_PIP_CONF")
	for _, tool := range []string{"git", "poetry"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: %v\n%s", tool, err, baseimgUpHint)
		}
	}
	gitEnv := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@canto.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@canto.invalid")
	run := func(dir string, env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(dir string, files map[string]string) {
		t.Helper()
		for name, data := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The git dependency, in a bare repository reached by file://.
	src := t.TempDir()
	// Poetry 1.3 reads a git dependency's metadata through setup.py
	// egg_info (its PEP 517 way needs build==0.7.0, which Debian lacks).
	write(src, map[string]string{"pyproject.toml": gitdepPyproject, "setup.py": "from setuptools import setup\n\nsetup()\n",
		"canto_gitdep/__init__.py": "def hello():\n    return 'hello from git'\n"})
	run(src, gitEnv, "git", "init", "-q", "-b", "main", ".")
	run(src, gitEnv, "git", "add", ".")
	run(src, gitEnv, "git", "commit", "-q", "-m", "canto-gitdep 1.0.0")
	commit := run(src, gitEnv, "git", "rev-parse", "HEAD")
	bare := filepath.Join(t.TempDir(), "canto-gitdep.git")
	run(src, gitEnv, "git", "clone", "-q", "--bare", ".", bare)

	// The project, locked by Poetry against the test index.
	dir := t.TempDir()
	write(dir, map[string]string{
		"pyproject.toml":         strings.Replace(hybridPyproject, "GITURL", "file://"+bare, 1),
		"hybrid_app/__init__.py": "import canto_gitdep, itsdangerous\n\ndef main():\n    return canto_gitdep.hello() + ' via setuptools'\n",
	})
	run(dir, append(os.Environ(), "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring", "PIP_CONFIG_FILE="+env["CANTO_TW_PIP_CONF"], "POETRY_CACHE_DIR="+t.TempDir()), "poetry", "lock")
	lockData, err := os.ReadFile(filepath.Join(dir, "poetry.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lockData), `resolved_reference = "`+commit+`"`) {
		t.Fatalf("the lock does not pin %s:\n%s", commit, lockData)
	}

	cache := t.TempDir()
	out := t.TempDir()
	build := func(cache string, extra ...string) cantoRun {
		args := append([]string{"build", dir, "--cache-dir", cache, "--base", env["CANTO_TW_BASE_SLIM"], "-o", "oci:" + out + ":x"}, extra...)
		r := canto(t, noDaemon, args...)
		if r.err != nil {
			t.Fatalf("canto %v: %v\n%s", args, r.err, r.stderr)
		}
		return r
	}
	first := build(cache)
	for _, want := range []string{"[sdist] canto-gitdep 1.0.0: wheel compiled", "[sdist] hybrid-app 1.0.0: wheel compiled"} {
		if !strings.Contains(first.stderr, want) {
			t.Errorf("the first build does not say %q:\n%s", want, first.stderr)
		}
	}
	digest := strings.TrimSpace(first.stdout)
	files := layoutFiles(t, out, digest)
	sp := "opt/venv/lib/python3.11/site-packages/"
	for _, want := range []string{sp + "canto_gitdep/__init__.py", sp + "hybrid_app/__init__.py", sp + "hybrid_app-1.0.0.dist-info/METADATA"} {
		if _, ok := files[want]; !ok {
			t.Errorf("the image lacks %s", want)
		}
	}
	var du struct {
		URL     string `json:"url"`
		VCSInfo struct {
			VCS               string `json:"vcs"`
			CommitID          string `json:"commit_id"`
			RequestedRevision string `json:"requested_revision"`
		} `json:"vcs_info"`
	}
	if err := json.Unmarshal(files[sp+"canto_gitdep-1.0.0.dist-info/direct_url.json"], &du); err != nil {
		t.Fatalf("direct_url.json of canto-gitdep: %v", err)
	}
	if du.URL != "file://"+bare || du.VCSInfo.VCS != "git" || du.VCSInfo.CommitID != commit || du.VCSInfo.RequestedRevision != "main" {
		t.Errorf("direct_url.json = %+v", du)
	}

	// Warm: nothing compiles, same image. Another empty cache: same image.
	again := build(cache)
	if strings.Contains(again.stderr, "wheel compiled") || strings.TrimSpace(again.stdout) != digest {
		t.Errorf("the warm build gave %s (want %s):\n%s", strings.TrimSpace(again.stdout), digest, again.stderr)
	}
	if other := strings.TrimSpace(build(t.TempDir()).stdout); other != digest {
		t.Errorf("another empty cache gave %s, want %s", other, digest)
	}

	if env["CANTO_TW_NO_DOCKER"] == "1" {
		return
	}
	needDocker(t, env)
	build(cache, "-q", "-o", "docker-archive:"+out+"/hybrid.tar:e2e/hybrid:latest")
	if o, err := docker(t, env, "load", "-i", out+"/hybrid.tar"); err != nil {
		t.Fatalf("docker load: %v\n%s", err, o)
	}
	o, err := docker(t, env, "run", "--rm", "--network", "none", "--entrypoint", "/opt/venv/bin/python", "e2e/hybrid:latest", "-c", "import hybrid_app; print(hybrid_app.main())")
	if err != nil || strings.TrimSpace(o) != "hello from git via setuptools" {
		t.Errorf("the image says %q (%v)", o, err)
	}
}

// layoutFiles flattens the image digest of the OCI layout dir.
func layoutFiles(t *testing.T, dir, digest string) map[string][]byte {
	t.Helper()
	rc := mutate.Extract(layoutImage(t, dir, digest))
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(hdr.Name, "/")] = data
	}
}
