package projectwheel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/wheel"
)

func sampleProject(t testing.TB) string {
	return writeTree(t, map[string]string{
		"pyproject.toml": `[tool.poetry]
name = "sample"
version = "1.0.0"
description = "d"
authors = []

[tool.poetry.dependencies]
python = "^3.10"
requests = "^2.31"

[tool.poetry.scripts]
sample = "sample.cli:main"
run-me = { reference = "bin/run-me", type = "file" }
` + poetryBuildSystem,
		"sample/__init__.py":    "",
		"sample/cli.py":         "def main():\n    print('hi')\n",
		"sample/z/deep/mod.py":  "",
		"sample/a/mod.py":       "",
		"sample/tool.sh":        "#!/bin/sh\n",
		"bin/run-me":            "#!python\nprint('run')\n",
		"sample/data/big.txt":   string(bytes.Repeat([]byte("canto "), 5000)),
		"sample/data/small.txt": "x",
	}, "bin/run-me")
}

// TestDeterministic builds twice, changing everything that must not matter
// in between: file and directory mtimes, directory modes, non-execute
// permission bits and the order files were created in.
func TestDeterministic(t *testing.T) {
	dir := sampleProject(t)
	first, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(first.Bytes)
	if got := hex.EncodeToString(sum[:]); got != first.SHA256 {
		t.Errorf("Result.SHA256 = %s, digest of the bytes = %s", first.SHA256, got)
	}

	later := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			if err := os.Chmod(p, 0o700); err != nil {
				return err
			}
		} else if fi.Mode()&0o100 == 0 {
			if err := os.Chmod(p, 0o600); err != nil { // as under umask 077
				return err
			}
		}
		return os.Chtimes(p, later, later)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Recreate a file so its directory entry order changes.
	p := filepath.Join(dir, "sample", "a", "mod.py")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sample", "a", "aaa_new_then_removed.py"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "sample", "a", "aaa_new_then_removed.py")); err != nil {
		t.Fatal(err)
	}

	second, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if first.SHA256 != second.SHA256 || !bytes.Equal(first.Bytes, second.Bytes) {
		t.Errorf("rebuild differs: %s then %s", first.SHA256, second.SHA256)
	}

	// The execute bit is content: flipping it must change the wheel.
	if err := os.Chmod(filepath.Join(dir, "sample", "cli.py"), 0o755); err != nil {
		t.Fatal(err)
	}
	third, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if third.SHA256 == first.SHA256 {
		t.Error("making a file executable did not change the wheel")
	}
	if got := readWheel(t, third.Bytes).modes["sample/cli.py"]; got != 0o755 {
		t.Errorf("mode of sample/cli.py = %v, want 0755", got)
	}
}

func TestModTimeAndWriter(t *testing.T) {
	dir := sampleProject(t)
	tests := []struct {
		name string
		t    time.Time
		want time.Time
	}{
		{"default", time.Time{}, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"SOURCE_DATE_EPOCH", time.Unix(1700000000, 0), time.Unix(1700000000, 0).UTC()},
		{"before 1980 is raised", time.Unix(0, 0), time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"other zone is stored as UTC", time.Date(2024, 2, 3, 4, 5, 6, 0, time.FixedZone("X", 3600)), time.Date(2024, 2, 3, 3, 5, 6, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if !tt.t.IsZero() {
				opts = append(opts, WithModTime(tt.t))
			}
			var buf bytes.Buffer
			res, err := buildDir(t, dir, append(opts, WithWriter(&buf))...)
			if err != nil {
				t.Fatal(err)
			}
			if res.Bytes != nil {
				t.Error("Result.Bytes set although WithWriter was given")
			}
			if res.Size != int64(buf.Len()) {
				t.Errorf("Size = %d, wrote %d", res.Size, buf.Len())
			}
			sum := sha256.Sum256(buf.Bytes())
			if hex.EncodeToString(sum[:]) != res.SHA256 {
				t.Error("SHA256 does not match the written bytes")
			}
			u := readWheel(t, buf.Bytes())
			for _, f := range u.zip.File {
				if !f.Modified.Equal(tt.want) {
					t.Fatalf("%s: Modified = %v, want %v", f.Name, f.Modified, tt.want)
				}
			}
		})
	}
}

// TestOpenWithWheelPackage proves the output passes canto's own installer
// checks: structure, names, RECORD coverage, metadata and every hash.
func TestOpenWithWheelPackage(t *testing.T) {
	dir := sampleProject(t)
	res, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := wheel.Open(bytes.NewReader(res.Bytes), res.Size, res.Filename)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w.Name() != "sample" || w.Version() != "1.0.0" {
		t.Errorf("Name, Version = %q, %q", w.Name(), w.Version())
	}
	if got := w.Metadata().RequiresDist; fmt.Sprint(got) != "[requests (>=2.31,<3.0)]" {
		t.Errorf("RequiresDist = %q", got)
	}
	if got := w.WheelInfo(); !got.RootIsPurelib || fmt.Sprint(got.Tags) != "[py3-none-any]" || got.Generator != "canto test" {
		t.Errorf("WheelInfo = %+v", got)
	}
	eps := w.EntryPoints()["console_scripts"]
	if len(eps) != 1 || eps[0].Name != "sample" {
		t.Errorf("console_scripts = %+v", eps)
	}
}

func BenchmarkBuild200Files(b *testing.B) {
	files := map[string]string{
		"pyproject.toml": "[tool.poetry]\nname = \"bench\"\nversion = \"1.0.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nrequests = \"^2\"\n",
	}
	body := string(bytes.Repeat([]byte("def f(x):\n    return x * 2\n\n"), 100))
	for i := range 200 {
		files[fmt.Sprintf("bench/sub%02d/mod%03d.py", i%20, i)] = body
	}
	dir := writeTree(b, files)
	p := load(b, dir)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(ctx, dir, p, WithWriter(discard{})); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
