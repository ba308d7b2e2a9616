package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// A --cache-repo or [tool.canto] cache-repo that names no repository is a
// usage error before any work.
func TestCacheRepoUsageErrors(t *testing.T) {
	src := filepath.Join("..", "..", "examples", "flask-uwsgi")
	pyproject, err := os.ReadFile(filepath.Join(src, "pyproject.toml"))
	if err != nil {
		t.Skipf("no example project: %v", err)
	}
	lock, err := os.ReadFile(filepath.Join(src, "poetry.lock"))
	if err != nil {
		t.Fatal(err)
	}
	const want = "error: parsing cache repo \"ghcr.io/acme/wheels:latest\": repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: acme/wheels:latest\nhint: name a repository without a tag, e.g. ghcr.io/acme/wheels\n"
	for _, tc := range []struct {
		name, extraConfig string
		flags             []string
	}{
		{name: "flag", flags: []string{"--cache-repo", "ghcr.io/acme/wheels:latest"}},
		{name: "config", extraConfig: "cache-repo = \"ghcr.io/acme/wheels:latest\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// [tool.canto] is the example's last table.
			if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), append(append([]byte{}, pyproject...), tc.extraConfig...), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "poetry.lock"), lock, 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"build", dir, "--base", "oci:" + filepath.Join(dir, "no-base") + ":slim",
				"-o", "oci:" + filepath.Join(dir, "out") + ":app", "--cache-dir", filepath.Join(dir, "cache")}, tc.flags...)
			code, out, errs := runCLI(t, nil, args...)
			if code != 2 || out != "" || errs != want {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and:\n%s", code, out, errs, want)
			}
		})
	}
}
