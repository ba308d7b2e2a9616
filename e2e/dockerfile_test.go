//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// End-to-end tests of `canto dockerfile`: the generated Dockerfile built by
// the test world's Docker engine (BuildKit, host network, local index).

// dockerBuild runs `docker build` with BuildKit and plain progress in dir,
// returning the build log.
func dockerBuild(t *testing.T, env map[string]string, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env["CANTO_TW_DOCKER"], append([]string{"build", "--network", "host", "--progress", "plain"}, append(args, dir)...)...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out.String())
	}
	return out.String()
}

// stepCached reports whether the build step whose command contains substr
// was taken from the cache.
func stepCached(t *testing.T, log, substr string) bool {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, substr) {
			continue
		}
		m := regexp.MustCompile(`^(#\d+) \[`).FindStringSubmatch(line)
		if m == nil {
			continue
		}
		return strings.Contains(log, "\n"+m[1]+" CACHED\n")
	}
	t.Fatalf("no build step runs %q:\n%s", substr, log)
	return false
}

// TestDockerfileRecommendedServes builds the recommended Dockerfile of the
// flask-uwsgi example (uWSGI compiled from its sdist on Debian's python) and
// checks that the image serves HTTP as a non-root user with neither a
// compiler nor Poetry, and that a code change leaves the dependency layer
// cached.
func TestDockerfileRecommendedServes(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_DOCKER_SLIM", "CANTO_TW_INDEX_URL")
	needDocker(t, env)
	dir := example(t, "flask-uwsgi")
	mustCanto(t, nil, "dockerfile", dir, "-q", "--strategy", "recommended",
		"--base", env["CANTO_TW_DOCKER_SLIM"], "--index-url", env["CANTO_TW_INDEX_URL"],
		"--cmd", "uwsgi --ini uwsgi.ini", "-o", dir+string(filepath.Separator))

	tag := fmt.Sprintf("e2e/dockerfile-flask-uwsgi:%d", time.Now().UnixNano())
	dockerBuild(t, env, dir, "--tag", tag)
	defer docker(t, env, "rmi", "-f", tag)

	name := fmt.Sprintf("e2e-dockerfile-%d", time.Now().UnixNano())
	if o, err := docker(t, env, "run", "-d", "--name", name, "--network", "host", tag); err != nil {
		t.Fatalf("docker run: %v\n%s", err, o)
	}
	defer docker(t, env, "rm", "-f", name)
	body, err := getWithin("http://127.0.0.1:8000/", 60*time.Second)
	if err != nil {
		logs, _ := docker(t, env, "logs", name)
		t.Fatalf("the server did not answer: %v\n%s", err, logs)
	}
	if !strings.Contains(body, "hello from flask behind uwsgi") {
		t.Errorf("body %q", body)
	}
	if user, _ := docker(t, env, "inspect", "-f", "{{.Config.User}}", tag); strings.TrimSpace(user) != "10001:10001" {
		t.Errorf("user %q, want 10001:10001", user)
	}
	if out, err := docker(t, env, "exec", name, "sh", "-c", "command -v gcc cc poetry; ls -d /opt/poetry"); err == nil || strings.TrimSpace(out) != "ls: cannot access '/opt/poetry': No such file or directory" {
		t.Errorf("the image has a compiler or Poetry (err %v):\n%s", err, out)
	}

	// Editing the code rebuilds the project, not the dependencies.
	init := filepath.Join(dir, "app", "__init__.py")
	src, err := os.ReadFile(init)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(init, bytes.Replace(src, []byte("hello from flask"), []byte("hello again from flask"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	log := dockerBuild(t, env, dir, "--tag", tag)
	if !stepCached(t, log, "poetry install --only main --no-root") {
		t.Errorf("a code change reinstalled the dependencies:\n%s", log)
	}
	if stepCached(t, log, "poetry build --format wheel") {
		t.Errorf("a code change did not rebuild the project's wheel:\n%s", log)
	}
}
