package gitsource_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/canto-build/canto/pkg/gitsource"
)

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on this machine (make deps installs it)")
	}
}

// gitEnv isolates git from the user's configuration in tests.
func gitEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid",
		"GIT_AUTHOR_DATE=2020-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2020-01-01T00:00:00Z"}
}

func git(t *testing.T, env []string, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// repo makes a bare repository with two commits and returns its path and
// the commits, oldest first.
func repo(t *testing.T, env []string) (string, []string) {
	t.Helper()
	work := t.TempDir()
	git(t, env, work, "init", "-q", "-b", "main", ".")
	write := func(name, data string) {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pyproject.toml", "[tool.poetry]\nname = \"dep\"\nversion = \"1.0\"\n")
	write("dep/__init__.py", "V = 1\n")
	git(t, env, work, "add", ".")
	git(t, env, work, "commit", "-q", "-m", "one")
	first := git(t, env, work, "rev-parse", "HEAD")
	write("dep/__init__.py", "V = 2\n")
	write("sub/extra.txt", "x\n")
	git(t, env, work, "add", ".")
	git(t, env, work, "commit", "-q", "-m", "two")
	second := git(t, env, work, "rev-parse", "HEAD")
	bare := filepath.Join(t.TempDir(), "dep.git")
	git(t, env, work, "clone", "-q", "--bare", work, bare)
	return bare, []string{first, second}
}

func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCheckout(t *testing.T) {
	needGit(t)
	env := gitEnv(t)
	bare, commits := repo(t, env)
	cache := t.TempDir()
	ctx := context.Background()

	// An older commit, by file:// URL: the tree at that commit, no .git.
	dir, err := gitsource.Checkout(ctx, cache, "file://"+bare, commits[0], gitsource.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"pyproject.toml": "[tool.poetry]\nname = \"dep\"\nversion = \"1.0\"\n", "dep/__init__.py": "V = 1\n"}
	if diff := cmp.Diff(want, tree(t, dir)); diff != "" {
		t.Errorf("tree at the first commit (-want +got):\n%s", diff)
	}
	// The newer commit, by plain path, goes elsewhere.
	dir2, err := gitsource.Checkout(ctx, cache, bare, commits[1], gitsource.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir2)["dep/__init__.py"]; got != "V = 2\n" || dir2 == dir {
		t.Errorf("second commit: %q in %s (first in %s)", got, dir2, dir)
	}
	// A second call answers from the cache, without git.
	again, err := gitsource.Checkout(ctx, cache, "file://"+bare, commits[0], gitsource.WithEnv(env), gitsource.WithGit("/nonexistent/git"))
	if err != nil || again != dir {
		t.Errorf("cached checkout = %q, %v; want %q", again, err, dir)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "git"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 2 || strings.HasPrefix(names[0], ".tmp-") {
		t.Errorf("cache holds %v, want two finished checkouts", names)
	}
}

func TestCheckoutErrors(t *testing.T) {
	needGit(t)
	env := gitEnv(t)
	bare, commits := repo(t, env)
	ctx := context.Background()
	missing := strings.Repeat("ab", 20)
	tests := []struct {
		name, repo, commit string
		opts               []gitsource.Option
		want               []string
	}{
		{"branch name instead of a commit", bare, "main", nil,
			[]string{`is not a full commit id`, `hint: the lock file pins git dependencies by commit (resolved_reference); run "poetry lock"`}},
		{"commit not in the repository", "file://" + bare, missing, nil,
			[]string{"checking out file://" + bare + " at abababababab: ", "the repository has no commit " + missing}},
		{"no such repository", "file:///nonexistent/repo.git", commits[0], nil,
			[]string{"checking out file:///nonexistent/repo.git at ", "git fetch: exit status"}},
		{"option-looking URL", "--upload-pack=touch /tmp/pwned", commits[0], nil,
			[]string{"not a repository URL"}},
		{"ext transport refused", "ext::sh -c touch% /tmp/pwned-canto", commits[0], nil,
			[]string{"git fetch: exit status"}},
		{"no git", bare, commits[0], []gitsource.Option{gitsource.WithGit("/nonexistent/git")},
			[]string{"git dependencies need git on this machine", "hint: install it (apt-get install git)"}},
		{"credentials never shown", "https://user:s3cret-token@127.0.0.1:1/repo.git", commits[0], nil,
			[]string{"https://user:xxxxx@127.0.0.1:1/repo.git"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gitsource.Checkout(ctx, t.TempDir(), tc.repo, tc.commit, append([]gitsource.Option{gitsource.WithEnv(env)}, tc.opts...)...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret-token") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
	if _, err := os.Stat("/tmp/pwned-canto"); err == nil {
		t.Error("the ext:: transport ran a command")
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://user:pw@github.com/a/b.git", "https://user:xxxxx@github.com/a/b.git"},
		{"https://ghp_token@github.com/a/b.git", "https://xxxxx@github.com/a/b.git"},
		{"ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"},
		{"git@github.com:a/b.git", "git@github.com:a/b.git"},
		{"https://github.com/a/b.git", "https://github.com/a/b.git"},
	} {
		if got := gitsource.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
