package build

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/fetch"
	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/target"
)

// fakeTrees records the trees it is asked to build.
type fakeTrees struct {
	dirs  []string
	share []bool
}

func (f *fakeTrees) BuildTree(_ context.Context, _ target.Target, pkg plan.Package, dir string, share bool) (File, error) {
	f.dirs = append(f.dirs, dir)
	f.share = append(f.share, share)
	return File{Path: filepath.Join(dir, "fake.whl"), Filename: pkg.Name + "-" + pkg.Version + "-py3-none-any.whl", SHA256: strings.Repeat("0", 64)}, nil
}

// fakeSdists is an SdistBuilder that is also a TreeBuilder.
type fakeSdists struct{ fakeTrees }

func (f *fakeSdists) BuildSdist(context.Context, target.Target, plan.Package, fetch.File) (File, error) {
	panic("not called")
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const poetryProject = "[tool.poetry]\nname = \"dep\"\nversion = \"1.0\"\ndescription = \"\"\nauthors = []\npackages = [{ include = \"dep\" }]\n\n[build-system]\nrequires = [\"poetry-core\"]\nbuild-backend = \"poetry.core.masonry.api\"\n"

const setuptoolsProject = "[project]\nname = \"dep\"\nversion = \"1.0\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n"

// TestSourceTrees: canto packs a pure poetry-core tree itself and hands
// another backend, a build script or a bare setup.py to the tree builder;
// without one, the error says why.
func TestSourceTrees(t *testing.T) {
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tg := defaultTarget(t)
	pkg := plan.Package{Name: "dep", Version: "1.0"}
	tests := []struct {
		name    string
		files   map[string]string
		toTrees bool
		noTrees string
	}{
		{"poetry-core", map[string]string{"pyproject.toml": poetryProject, "dep/__init__.py": ""}, false, ""},
		{"setuptools", map[string]string{"pyproject.toml": setuptoolsProject, "dep/__init__.py": ""}, true,
			`build-system.build-backend is "setuptools.build_meta", not poetry-core`},
		{"build script", map[string]string{"pyproject.toml": poetryProject + "\n[tool.poetry.build]\nscript = \"build.py\"\n", "dep/__init__.py": "", "build.py": ""}, true,
			"tool.poetry.build runs a build script"},
		{"setup.py only", map[string]string{"setup.py": "from setuptools import setup\nsetup(name='dep', version='1.0')\n"}, true,
			"has a setup.py and no pyproject.toml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			trees := &fakeTrees{}
			f, ok, err := sourceTrees{c, time.Time{}, trees}.build(context.Background(), tg, pkg, dir, nil, false)
			if err != nil || !ok {
				t.Fatalf("build: %v, %v", ok, err)
			}
			if got := len(trees.dirs) == 1; got != tc.toTrees {
				t.Errorf("tree builder called: %v, want %v", got, tc.toTrees)
			}
			if !tc.toTrees && !strings.HasPrefix(f.Filename, "dep-1.0-py3-none-any.whl") {
				t.Errorf("canto's own wheel is %q", f.Filename)
			}
			if tc.toTrees {
				_, _, err := sourceTrees{c, time.Time{}, nil}.build(context.Background(), tg, pkg, dir, nil, false)
				if err == nil || !strings.Contains(err.Error(), tc.noTrees) || !strings.Contains(err.Error(), "hint: canto builds it with its own build backend in the sandboxed builder") {
					t.Errorf("without a tree builder: %v", err)
				}
			}
		})
	}
	_, _, err = sourceTrees{c, time.Time{}, nil}.build(context.Background(), tg, pkg, t.TempDir(), nil, false)
	if err == nil || !strings.Contains(err.Error(), "holds neither pyproject.toml nor setup.py") {
		t.Errorf("empty tree: %v", err)
	}
}

// TestGitDependency: a git dependency is checked out at the locked commit
// (its subdirectory), built, and its wheel says where it came from.
func TestGitDependency(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on this machine (make deps installs it)")
	}
	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@e.invalid"}
	work := t.TempDir()
	writeFiles(t, work, map[string]string{"python/pyproject.toml": setuptoolsProject, "python/dep/__init__.py": "", "README": "x"})
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", ".")
	run("add", ".")
	run("commit", "-q", "-m", "one")
	commit := run("rev-parse", "HEAD")

	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sd := &fakeSdists{}
	r := &SourceResolver{Cache: c, Sdists: sd}
	src := &lock.Source{Type: "git", URL: "file://" + work, Reference: "main", ResolvedReference: commit, Subdirectory: "python"}
	pkg := plan.Package{Name: "dep", Version: "1.0", Artifact: plan.Artifact{Kind: plan.KindGit}, Lock: &lock.Package{Name: "dep", Version: "1.0", Source: src}}
	f, err := r.buildGit(context.Background(), defaultTarget(t), pkg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.dirs) != 1 || !strings.HasSuffix(sd.dirs[0], string(filepath.Separator)+"python") || !sd.share[0] {
		t.Errorf("built %v (shared %v), want the checkout's python/ directory, shared", sd.dirs, sd.share)
	}
	if _, err := os.Stat(filepath.Join(sd.dirs[0], "dep", "__init__.py")); err != nil {
		t.Errorf("the checkout lacks the package: %v", err)
	}
	du := f.DirectURL
	if du == nil || du.VCSInfo == nil || du.VCSInfo.CommitID != commit || du.VCSInfo.VCS != "git" || du.URL != "file://"+work || du.Subdirectory != "python" {
		t.Errorf("direct URL %+v", du)
	}

	for _, tc := range []struct {
		name string
		src  lock.Source
		want string
	}{
		{"no commit", lock.Source{Type: "git", URL: "file://" + work, Reference: "main"}, `the lock pins no commit (resolved_reference)`},
		{"subdirectory escapes", lock.Source{Type: "git", URL: "file://" + work, ResolvedReference: commit, Subdirectory: "../.."}, `subdirectory "../.." leaves the repository`},
	} {
		pkg.Lock.Source = &tc.src
		if _, err := r.buildGit(context.Background(), defaultTarget(t), pkg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func defaultTarget(t *testing.T) target.Target {
	t.Helper()
	tg, err := target.Parse("linux/amd64", "3.11", "glibc-2.36")
	if err != nil {
		t.Fatal(err)
	}
	return tg
}
