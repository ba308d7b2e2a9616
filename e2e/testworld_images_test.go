//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// The base images, registries and Docker engine of the test world
// (testworld/parts/30-images, 50-registry, 60-docker).

const baseimgUpHint = "hint: start the test world with `bash testworld/up.sh 10-apt 30-images 50-registry 60-docker`"

var baseimgNames = []string{"slim", "full", "distroless"}

// baseimgEnv reads the CANTO_TW_* variables recorded in $CANTO_TESTWORLD/env,
// failing the test when the world has not been brought up.
func baseimgEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := os.Getenv("CANTO_TESTWORLD")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("finding the test world: %v", err)
		}
		dir = filepath.Join(home, ".cache", "canto-testworld")
	}
	file := filepath.Join(dir, "env")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the test world is not up: %v\n%s", err, baseimgUpHint)
	}
	// The file is written for bash (printf %q), so let bash read it.
	out, err := exec.Command("bash", "-c", `source "$1" && env -0`, "bash", file).Output()
	if err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(out), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "CANTO_TW_") {
			env[k] = v
		}
	}
	return env
}

func baseimgNeed(t *testing.T, env map[string]string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if env[k] == "" {
			t.Fatalf("the test world is not up: %s is not recorded in $CANTO_TESTWORLD/env\n%s", k, baseimgUpHint)
		}
	}
}

func baseimgTag(t *testing.T, registry, repo string) name.Tag {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(registry+"/"+repo+":e2e-"+hex.EncodeToString(b), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func baseimgStatus(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.StatusCode
	}
	return 0
}

func TestTestworldRegistries(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_REGISTRY", "CANTO_TW_AUTH_REGISTRY", "CANTO_TW_REGISTRY_USER", "CANTO_TW_REGISTRY_PASSWORD")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	want, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	good := authn.FromConfig(authn.AuthConfig{Username: env["CANTO_TW_REGISTRY_USER"], Password: env["CANTO_TW_REGISTRY_PASSWORD"]})
	bad := authn.FromConfig(authn.AuthConfig{Username: env["CANTO_TW_REGISTRY_USER"], Password: "wrong-" + env["CANTO_TW_REGISTRY_PASSWORD"]})

	pushPull := func(t *testing.T, tag name.Tag, auth authn.Authenticator) {
		t.Helper()
		if err := remote.Write(tag, img, remote.WithContext(ctx), remote.WithAuth(auth)); err != nil {
			t.Fatalf("pushing %s: %v", tag, err)
		}
		got, err := remote.Image(tag, remote.WithContext(ctx), remote.WithAuth(auth))
		if err != nil {
			t.Fatalf("pulling %s: %v", tag, err)
		}
		d, err := got.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if d != want {
			t.Errorf("pulled digest %s, pushed %s", d, want)
		}
		if err := validate.Image(got); err != nil {
			t.Errorf("validating pulled image: %v", err)
		}
	}

	t.Run("open registry push and pull", func(t *testing.T) {
		pushPull(t, baseimgTag(t, env["CANTO_TW_REGISTRY"], "canto-e2e/random"), authn.Anonymous)
	})
	t.Run("auth registry with credentials", func(t *testing.T) {
		pushPull(t, baseimgTag(t, env["CANTO_TW_AUTH_REGISTRY"], "canto-e2e/random"), good)
	})
	for _, tc := range []struct {
		name string
		auth authn.Authenticator
	}{
		{"auth registry without credentials", authn.Anonymous},
		{"auth registry with a wrong password", bad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag := baseimgTag(t, env["CANTO_TW_AUTH_REGISTRY"], "canto-e2e/random")
			err := remote.Write(tag, img, remote.WithContext(ctx), remote.WithAuth(tc.auth))
			if got := baseimgStatus(err); got != http.StatusUnauthorized {
				t.Errorf("push without valid credentials: status %d (error %v), want 401", got, err)
			}
			_, err = remote.Head(baseimgBaseRef(t, env["CANTO_TW_AUTH_REGISTRY"], "slim"), remote.WithContext(ctx), remote.WithAuth(tc.auth))
			if got := baseimgStatus(err); got != http.StatusUnauthorized {
				t.Errorf("pull without valid credentials: status %d (error %v), want 401", got, err)
			}
		})
	}
}

func baseimgBaseRef(t *testing.T, registry, tag string) name.Tag {
	t.Helper()
	ref, err := name.NewTag(registry+"/canto/base:"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestTestworldBaseImages(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_OCI", "CANTO_TW_REGISTRY", "CANTO_TW_AUTH_REGISTRY")
	p, err := layout.FromPath(env["CANTO_TW_OCI"])
	if err != nil {
		t.Fatalf("opening %s: %v\n%s", env["CANTO_TW_OCI"], err, baseimgUpHint)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	byTag := map[string]v1.Descriptor{}
	for _, d := range im.Manifests {
		byTag[d.Annotations["org.opencontainers.image.ref.name"]] = d
	}
	auth := authn.FromConfig(authn.AuthConfig{Username: env["CANTO_TW_REGISTRY_USER"], Password: env["CANTO_TW_REGISTRY_PASSWORD"]})
	for _, tag := range baseimgNames {
		t.Run(tag, func(t *testing.T) {
			upper := strings.ToUpper(tag)
			baseimgNeed(t, env, "CANTO_TW_BASE_"+upper, "CANTO_TW_BASE_"+upper+"_DIGEST")
			if got, want := env["CANTO_TW_BASE_"+upper], "oci:"+env["CANTO_TW_OCI"]+":"+tag; got != want {
				t.Errorf("CANTO_TW_BASE_%s = %q, want %q", upper, got, want)
			}
			desc, ok := byTag[tag]
			if !ok {
				t.Fatalf("layout %s has no image tagged %q", env["CANTO_TW_OCI"], tag)
			}
			if got := desc.Digest.String(); got != env["CANTO_TW_BASE_"+upper+"_DIGEST"] {
				t.Errorf("layout digest %s, env records %s", got, env["CANTO_TW_BASE_"+upper+"_DIGEST"])
			}
			img, err := p.Image(desc.Digest)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Image(img); err != nil {
				t.Errorf("validating %s: %v", tag, err)
			}
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"python3"}, cf.Config.Cmd); diff != "" {
				t.Errorf("Cmd (-want +got):\n%s", diff)
			}
			if cf.OS != "linux" || cf.Architecture == "" {
				t.Errorf("platform %s/%s, want linux/<arch>", cf.OS, cf.Architecture)
			}
			for _, reg := range []struct {
				addr string
				auth authn.Authenticator
			}{{env["CANTO_TW_REGISTRY"], authn.Anonymous}, {env["CANTO_TW_AUTH_REGISTRY"], auth}} {
				got, err := remote.Head(baseimgBaseRef(t, reg.addr, tag), remote.WithAuth(reg.auth))
				if err != nil {
					t.Errorf("%s/canto/base:%s: %v", reg.addr, tag, err)
					continue
				}
				if got.Digest != desc.Digest {
					t.Errorf("%s/canto/base:%s has digest %s, layout has %s", reg.addr, tag, got.Digest, desc.Digest)
				}
			}
		})
	}
}

// baseimgDocker runs /usr/bin/docker and returns its trimmed stdout.
func baseimgDocker(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env["CANTO_TW_DOCKER"], args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = errors.New(strings.TrimSpace(err.Error() + "\n" + stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), err
}

func baseimgDockerEnv(t *testing.T) map[string]string {
	t.Helper()
	env := baseimgEnv(t)
	if env["CANTO_TW_NO_DOCKER"] == "1" {
		t.Skip("the test world runs without a Docker engine (CANTO_TW_NO_DOCKER=1)")
	}
	baseimgNeed(t, env, "CANTO_TW_DOCKER", "CANTO_TW_DOCKER_SLIM", "CANTO_TW_DOCKER_FULL", "CANTO_TW_DOCKER_DISTROLESS")
	if _, err := baseimgDocker(t, env, "info"); err != nil {
		t.Fatalf("the Docker engine does not answer: %v\n%s", err, baseimgUpHint)
	}
	return env
}

func TestTestworldDocker(t *testing.T) {
	env := baseimgDockerEnv(t)
	const libs = `import glob; print(bool(glob.glob("/usr/lib/*/libpython3.11.so.1.0")), bool(glob.glob("/usr/lib/*/libpcre.so.3")))`
	tests := []struct {
		name  string
		image string
		args  []string
		want  string
	}{
		{"slim runs python", "CANTO_TW_DOCKER_SLIM", []string{"python3", "-c", "print(1+1)"}, "2"},
		{"slim is Debian's python 3.11", "CANTO_TW_DOCKER_SLIM", []string{"python3", "-c",
			"import sys; print(sys.executable, sys.version_info[:2])"}, "/usr/bin/python3 (3, 11)"},
		{"slim lacks libpython and libpcre", "CANTO_TW_DOCKER_SLIM", []string{"python3", "-c", libs}, "False False"},
		{"full has libpython and libpcre", "CANTO_TW_DOCKER_FULL", []string{"python3", "-c", libs}, "True True"},
		{"full has a compiler and pip", "CANTO_TW_DOCKER_FULL", []string{"sh", "-c",
			"gcc --version >/dev/null && make --version >/dev/null && python3 -m pip --version >/dev/null && echo ok"}, "ok"},
		{"distroless runs python without a shell or pip", "CANTO_TW_DOCKER_DISTROLESS", []string{"python3", "-c",
			`import os, importlib.util, ssl; ssl.create_default_context(); print(os.path.exists("/bin/sh"), os.path.exists("/usr/bin/bash"), importlib.util.find_spec("pip"))`},
			"False False None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--rm", "--network", "host", env[tt.image]}, tt.args...)
			got, err := baseimgDocker(t, env, args...)
			if err != nil {
				t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
			}
			if got != tt.want {
				t.Errorf("output %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("distroless has no /bin/sh to run", func(t *testing.T) {
		_, err := baseimgDocker(t, env, "run", "--rm", "--network", "host", "--entrypoint", "/bin/sh", env["CANTO_TW_DOCKER_DISTROLESS"], "-c", "true")
		if err == nil {
			t.Fatal("running /bin/sh in the distroless image succeeded, want an error")
		}
		if !strings.Contains(err.Error(), "no such file or directory") {
			t.Errorf("error %q, want one saying /bin/sh does not exist", err)
		}
	})
}

func TestTestworldDockerBuild(t *testing.T) {
	env := baseimgDockerEnv(t)
	dir := t.TempDir()
	dockerfile := "FROM " + env["CANTO_TW_DOCKER_SLIM"] + "\n" +
		`RUN python3 -c "open('/built', 'w').write('built offline')"` + "\n" +
		`CMD ["python3", "-c", "print(open('/built').read())"]` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := "canto-e2e/tiny:" + strings.TrimPrefix(baseimgTag(t, "127.0.0.1:1", "x").TagStr(), "e2e-")
	t.Cleanup(func() { _, _ = baseimgDocker(t, env, "rmi", "-f", tag) })
	if _, err := baseimgDocker(t, env, "build", "--network", "host", "-t", tag, dir); err != nil {
		t.Fatalf("docker build: %v", err)
	}
	got, err := baseimgDocker(t, env, "run", "--rm", "--network", "host", tag)
	if err != nil {
		t.Fatalf("docker run: %v", err)
	}
	if got != "built offline" {
		t.Errorf("output %q, want %q", got, "built offline")
	}
}
