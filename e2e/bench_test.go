//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBenchRecommendedAndCanto runs `canto bench` on gunicorn-web with the
// recommended Dockerfile (Docker, BuildKit) and canto's own build, once
// each, and checks that the JSON carries every metric for both, that the
// project was not touched, and that canto's dependency change pushes less
// than the Dockerfile's; then that --canto-compile-bytecode reaches canto's
// build.
func TestBenchRecommendedAndCanto(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_INDEX_URL", "CANTO_TW_BASE_SLIM", "CANTO_TW_DOCKER_SLIM", "CANTO_TW_PIP_CONF")
	needDocker(t, env)
	poetry, err := exec.LookPath("poetry")
	if err != nil {
		t.Fatalf("poetry is not installed: %v\nhint: the test world installs Debian's python3-poetry", err)
	}
	dir := example(t, "gunicorn-web")
	read := func() string {
		var all string
		for _, f := range []string{"pyproject.toml", "poetry.lock", "web/__init__.py"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			all += string(b)
		}
		return all
	}
	before := read()
	out := mustCanto(t, []string{"PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring", "PIP_CONFIG_FILE=" + env["CANTO_TW_PIP_CONF"]},
		"bench", dir, "--strategies", "recommended,canto", "--repeat", "1", "--json",
		"--docker", env["CANTO_TW_DOCKER"], "--poetry", poetry,
		"--index-url", env["CANTO_TW_INDEX_URL"], "--base", env["CANTO_TW_DOCKER_SLIM"],
		"--canto-base", env["CANTO_TW_BASE_SLIM"], "--probe-url", "http://127.0.0.1:8001/",
		"--tmp-dir", t.TempDir())
	var rep struct {
		Repeat   int `json:"repeat"`
		Subjects []struct {
			Name     string `json:"name"`
			SizeKind string `json:"size_kind"`
			Metrics  map[string]struct {
				N      int     `json:"n"`
				Median float64 `json:"median"`
			} `json:"metrics"`
		} `json:"subjects"`
		Failures []any `json:"failures"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, out)
	}
	if len(rep.Failures) != 0 || len(rep.Subjects) != 2 || rep.Repeat != 1 {
		t.Fatalf("report: %s", out)
	}
	metrics := []string{"image_size", "compressed_size", "layers", "cold_build", "rebuild_pyproject",
		"rebuild_dependency", "rebuild_code", "push_after_dependency", "first_answer"}
	push, size := map[string]float64{}, map[string]float64{}
	for _, s := range rep.Subjects {
		if s.SizeKind != "docker" {
			t.Errorf("%s: size kind %q, want docker", s.Name, s.SizeKind)
		}
		for _, m := range metrics {
			got, ok := s.Metrics[m]
			if !ok || got.N != 1 || got.Median <= 0 {
				t.Errorf("%s: metric %s = %+v (present %v), want one positive sample", s.Name, m, got, ok)
			}
		}
		push[s.Name] = s.Metrics["push_after_dependency"].Median
		size[s.Name] = s.Metrics["image_size"].Median
	}
	if push["canto"] >= push["recommended"] {
		t.Errorf("canto's dependency change pushes %v bytes, the recommended Dockerfile's %v: want less", push["canto"], push["recommended"])
	}
	// --canto-compile-bytecode reaches canto build: the image gains the
	// .pyc files of gunicorn and itsdangerous.
	out = mustCanto(t, []string{"PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring", "PIP_CONFIG_FILE=" + env["CANTO_TW_PIP_CONF"]},
		"bench", dir, "--strategies", "canto", "--repeat", "1", "--json", "--canto-compile-bytecode",
		"--docker", env["CANTO_TW_DOCKER"], "--poetry", poetry, "--index-url", env["CANTO_TW_INDEX_URL"],
		"--canto-base", env["CANTO_TW_BASE_SLIM"], "--tmp-dir", t.TempDir())
	rep.Subjects, rep.Failures = nil, nil
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Subjects) != 1 || len(rep.Failures) != 0 {
		t.Fatalf("report with --canto-compile-bytecode: %v\n%s", err, out)
	}
	if withPyc := rep.Subjects[0].Metrics["image_size"].Median; withPyc <= size["canto"] {
		t.Errorf("--canto-compile-bytecode: image of %v bytes, without it %v: want larger", withPyc, size["canto"])
	}
	if read() != before {
		t.Error("canto bench changed the project it measured")
	}
	if _, err := os.Stat(filepath.Join(dir, "Dockerfile")); err == nil {
		t.Error("canto bench wrote a Dockerfile into the project")
	}
}
