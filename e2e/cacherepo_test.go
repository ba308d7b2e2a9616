//go:build e2e

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/canto-build/canto/pkg/wheelrepo"
)

// TestCacheRepoSharesCompiledWheels builds the Flask + uWSGI example twice
// with --cache-repo, each time with an empty local cache, as two CI
// machines would: the first compiles uWSGI and pushes the wheel; the second
// takes it from the registry, compiles nothing, and builds the same image.
func TestCacheRepoSharesCompiledWheels(t *testing.T) {
	env := baseimgEnv(t)
	baseimgNeed(t, env, "CANTO_TW_BASE_FULL", "CANTO_TW_REGISTRY")
	// A repository of its own, so an earlier run's wheel cannot answer the
	// first build.
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	repoRef := env["CANTO_TW_REGISTRY"] + "/canto/wheels-e2e-" + hex.EncodeToString(b)
	repo, err := name.NewRepository(repoRef, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	dir := example(t, "flask-uwsgi")
	build := func(cacheDir string) cantoRun {
		t.Helper()
		r := canto(t, noDaemon, "build", dir, "--cache-dir", cacheDir,
			"--base", env["CANTO_TW_BASE_FULL"], "--builder", env["CANTO_TW_BASE_FULL"],
			"--cache-repo", repoRef, "--insecure-registry",
			"-o", "oci:"+t.TempDir()+":app")
		if r.err != nil {
			t.Fatalf("canto build: %v\nstderr:\n%s", r.err, r.stderr)
		}
		return r
	}

	first := build(t.TempDir())
	if !strings.Contains(first.stderr, "[sdist] uwsgi 2.0.21: wheel compiled") {
		t.Fatalf("the first build did not compile uWSGI:\n%s", first.stderr)
	}
	if strings.Contains(first.stderr, "level=WARN") {
		t.Errorf("the first build warned:\n%s", first.stderr)
	}
	tags, err := remote.List(repo)
	if err != nil {
		t.Fatalf("listing %s: %v", repoRef, err)
	}
	if len(tags) != 1 || !strings.HasPrefix(tags[0], "wheel-") {
		t.Fatalf("the cache repo holds %q, want one wheel-… tag", tags)
	}
	desc, err := remote.Get(repo.Tag(tags[0]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Best effort: the test world's registry may refuse deletes.
		_ = remote.Delete(repo.Digest(desc.Digest.String()))
	})
	if !strings.Contains(string(desc.Manifest), `"artifactType":"`+wheelrepo.ArtifactType+`"`) ||
		!strings.Contains(string(desc.Manifest), `"org.opencontainers.image.title":"uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl"`) {
		t.Errorf("the pushed artifact is not a canto wheel of uWSGI:\n%s", desc.Manifest)
	}

	second := build(t.TempDir())
	if want := "[sdist] uwsgi 2.0.21: wheel from the cache repo " + repoRef; !strings.Contains(second.stderr, want) {
		t.Errorf("the second build's stderr lacks %q:\n%s", want, second.stderr)
	}
	if strings.Contains(second.stderr, "wheel compiled") || strings.Contains(second.stderr, "level=WARN") {
		t.Errorf("the second build compiled or warned:\n%s", second.stderr)
	}
	if first.stdout != second.stdout || !strings.HasPrefix(first.stdout, "sha256:") {
		t.Errorf("digests differ: first %q, second %q", first.stdout, second.stdout)
	}
}
