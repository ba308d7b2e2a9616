package projectwheel

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/pyproject"
)

// writeTree writes files (slash paths → content) under a new temporary
// directory; paths listed in exec get mode 0755, the rest 0644.
func writeTree(t testing.TB, files map[string]string, exec ...string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range exec {
		if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(name)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t testing.TB, dir string) *pyproject.Project {
	t.Helper()
	p, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func buildDir(t testing.TB, dir string, opts ...Option) (*Result, error) {
	t.Helper()
	opts = append([]Option{WithGeneratorVersion("test")}, opts...)
	return Build(context.Background(), dir, load(t, dir), opts...)
}

// unpacked is a wheel read back with archive/zip.
type unpacked struct {
	names []string
	files map[string]string
	modes map[string]os.FileMode
	zip   *zip.Reader
}

// readWheel opens the wheel, checks that every member appears in RECORD
// with the right hash and size (RECORD itself without either) and returns
// its members in archive order.
func readWheel(t testing.TB, data []byte) unpacked {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	u := unpacked{files: map[string]string{}, modes: map[string]os.FileMode{}, zip: zr}
	var recordName string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		u.names = append(u.names, f.Name)
		u.files[f.Name] = string(b)
		u.modes[f.Name] = f.Mode()
		if strings.HasSuffix(f.Name, ".dist-info/RECORD") {
			recordName = f.Name
		}
	}
	if recordName == "" {
		t.Fatal("no RECORD")
	}
	rows, err := csv.NewReader(strings.NewReader(u.files[recordName])).ReadAll()
	if err != nil {
		t.Fatalf("parsing RECORD: %v", err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if len(r) != 3 {
			t.Fatalf("RECORD row %q: want 3 fields", r)
		}
		seen[r[0]] = true
		body, ok := u.files[r[0]]
		if !ok {
			t.Errorf("RECORD lists %q, which is not in the wheel", r[0])
			continue
		}
		if r[0] == recordName {
			if r[1] != "" || r[2] != "" {
				t.Errorf("RECORD row for itself = %q, want no hash or size", r)
			}
			continue
		}
		sum := sha256.Sum256([]byte(body))
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); r[1] != want {
			t.Errorf("RECORD hash of %q = %s, want %s", r[0], r[1], want)
		}
		if want := strconv.Itoa(len(body)); r[2] != want {
			t.Errorf("RECORD size of %q = %s, want %s", r[0], r[2], want)
		}
	}
	for _, n := range u.names {
		if !seen[n] {
			t.Errorf("member %q is not in RECORD", n)
		}
	}
	return u
}
