package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/sdist"
	"github.com/canto-build/canto/pkg/wheel/wheeltest"
	"github.com/canto-build/canto/pkg/wheelrepo"
)

// The sandbox build itself is covered by pkg/sdist and the e2e tests; these
// cover what SandboxSdists does around it with a cache repository: pull
// into the local cache, refuse wheels of other projects, warn on a push
// that fails.

const repoTarget = "cp311-linux_x86_64-glibc"

func repoSdists(t *testing.T, repo *name.Repository) (*SandboxSdists, *bytes.Buffer) {
	t.Helper()
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	return &SandboxSdists{
		Cache: c, CacheRepo: repo, digest: "sha256:" + strings.Repeat("b", 64),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}, &logs
}

func memRegistry(t *testing.T) name.Repository {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	r, err := wheelrepo.ParseRepository(strings.TrimPrefix(srv.URL, "http://") + "/canto/wheels")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sharedWheel pushes a wheel of project as the entry for the sdist's key.
func sharedWheel(t *testing.T, s *SandboxSdists, f fetch.File, project string) (string, []byte) {
	t.Helper()
	data := wheeltest.Build(wheeltest.Spec{Name: project, Version: "2.0",
		Files: []wheeltest.File{{Name: project + "/__init__.py", Data: []byte("x = 1\n")}}})
	filename := project + "-2.0-cp311-cp311-linux_x86_64.whl"
	p := filepath.Join(t.TempDir(), filename)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := wheelrepo.Push(context.Background(), *s.CacheRepo, sdist.Key(f.SHA256, s.digest, repoTarget), p, filename); err != nil {
		t.Fatal(err)
	}
	return filename, data
}

func TestSandboxSdistsPullsFromTheCacheRepo(t *testing.T) {
	ctx := context.Background()
	repo := memRegistry(t)
	s, logs := repoSdists(t, &repo)
	var pulled []string
	s.Pulled = func(pkg plan.Package, ref string) { pulled = append(pulled, pkg.Name+" "+pkg.Version+" from "+ref) }
	pkg := plan.Package{Name: "native", Version: "2.0"}
	f := fetch.File{Package: "native", Version: "2.0", Filename: "native-2.0.tar.gz", SHA256: strings.Repeat("a", 64)}
	filename, data := sharedWheel(t, s, f, "native")

	got, ok := s.pull(ctx, pkg, f, repoTarget)
	if !ok {
		t.Fatalf("pull missed; log:\n%s", logs)
	}
	sum := sha256.Sum256(data)
	if got.Filename != filename || got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(data)) {
		t.Errorf("pull = %+v", got)
	}
	if want := []string{"native 2.0 from " + repo.String()}; strings.Join(pulled, "|") != strings.Join(want, "|") {
		t.Errorf("Pulled told %q, want %q", pulled, want)
	}
	// The wheel is now the local cache's answer for the build: sdist.Build
	// would not run, and the repository is not asked again.
	res, ok, err := sdist.Cached(s.Cache, sdist.Key(f.SHA256, s.digest, repoTarget))
	if err != nil || !ok || res.SHA256 != got.SHA256 {
		t.Fatalf("the local cache lacks the pulled wheel: %+v, %v, %v", res, ok, err)
	}
	if _, ok := s.pull(ctx, pkg, f, repoTarget); ok {
		t.Error("pull asked the repository for a wheel the local cache holds")
	}
	if logs.Len() != 0 {
		t.Errorf("warnings on a good pull:\n%s", logs)
	}
}

func TestSandboxSdistsRefusesAnotherProjectsWheel(t *testing.T) {
	repo := memRegistry(t)
	s, logs := repoSdists(t, &repo)
	f := fetch.File{Filename: "native-2.0.tar.gz", SHA256: strings.Repeat("a", 64)}
	sharedWheel(t, s, f, "evil")
	if _, ok := s.pull(context.Background(), plan.Package{Name: "native", Version: "2.0"}, f, repoTarget); ok {
		t.Fatal("pull took a wheel of another project")
	}
	if !strings.Contains(logs.String(), `level=WARN msg="building native 2.0: the cache repo's wheel is of another project"`) {
		t.Errorf("no warning:\n%s", logs)
	}
	if _, ok, _ := sdist.Cached(s.Cache, sdist.Key(f.SHA256, s.digest, repoTarget)); ok {
		t.Error("the refused wheel was filed in the local cache")
	}
}

func TestSandboxSdistsPushFailureIsAWarning(t *testing.T) {
	repo, err := wheelrepo.ParseRepository("127.0.0.1:1/canto/wheels")
	if err != nil {
		t.Fatal(err)
	}
	s, logs := repoSdists(t, &repo)
	data := wheeltest.Build(wheeltest.Spec{Name: "native", Version: "2.0"})
	p := filepath.Join(t.TempDir(), "native-2.0-py3-none-any.whl")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f := fetch.File{Filename: "native-2.0.tar.gz", SHA256: strings.Repeat("a", 64)}
	s.push(context.Background(), plan.Package{Name: "native", Version: "2.0"}, f, repoTarget,
		&sdist.Result{WheelPath: p, WheelFilename: "native-2.0-py3-none-any.whl"})
	if !strings.Contains(logs.String(), `level=WARN msg="the wheel of native 2.0 could not be shared through the cache repo; the build goes on" repo=127.0.0.1:1/canto/wheels err="pushing \"native-2.0-py3-none-any.whl\" to`) {
		t.Errorf("no warning:\n%s", logs)
	}
	// A lookup in an unreachable repository is a warning and a miss too.
	logs.Reset()
	if _, ok := s.pull(context.Background(), plan.Package{Name: "native", Version: "2.0"}, f, repoTarget); ok {
		t.Error("pull from an unreachable repository hit")
	}
	if !strings.Contains(logs.String(), `level=WARN msg="building native 2.0: the cache repo gave no usable wheel" repo=127.0.0.1:1/canto/wheels err="looking up`) {
		t.Errorf("no warning:\n%s", logs)
	}
}
