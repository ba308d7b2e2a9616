package projectwheel

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSymlinks(t *testing.T) {
	files := map[string]string{
		"pyproject.toml":    "[tool.poetry]\nname = \"links\"\nversion = \"1.0.0\"\n",
		"links/__init__.py": "",
		"shared/common.py":  "COMMON = 1\n",
		"shared/dir/x.py":   "",
	}
	dir := writeTree(t, files)
	for link, target := range map[string]string{
		"links/common.py": "../shared/common.py",
		"links/dir":       "../shared/dir",
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	res, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	u := readWheel(t, res.Bytes)
	want := []string{"links/__init__.py", "links/common.py", "links-1.0.0.dist-info/METADATA", "links-1.0.0.dist-info/WHEEL", "links-1.0.0.dist-info/RECORD"}
	if diff := cmp.Diff(want, u.names); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if got := u.files["links/common.py"]; got != "COMMON = 1\n" {
		t.Errorf("linked file content = %q", got)
	}

	// A link out of the project is harmless until it would be packed; a
	// virtual environment in the project is not even listed.
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.py"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"tools/secret.py", ".venv/lib/secret.py"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(outside, "secret.py"), filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".venv", "pyvenv.cfg"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.SHA256 != res.SHA256 {
		t.Error("an unpacked link changed the wheel")
	}
	tr, err := listTree(t.Context(), dir, func(string, string) {})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.lookup(".venv/lib/secret.py"); ok {
		t.Error("the virtual environment was listed")
	}

	if err := os.Symlink(filepath.Join(outside, "secret.py"), filepath.Join(dir, "links", "secret.py")); err != nil {
		t.Fatal(err)
	}
	_, err = buildDir(t, dir)
	wantErr := "building wheel of " + strconv.Quote(dir) + ": " + filepath.Join(dir, "pyproject.toml") +
		": links/secret.py: symbolic link points outside the project to " + strconv.Quote(filepath.Join(outside, "secret.py")) +
		"\nhint: copy the file into the project, or exclude it with tool.poetry.exclude"
	if err == nil || err.Error() != wantErr {
		t.Errorf("error:\n%v\nwant:\n%s", err, wantErr)
	}
}
