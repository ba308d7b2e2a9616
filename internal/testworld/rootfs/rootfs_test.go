package rootfs

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

type entry struct {
	Name     string
	Type     byte
	Mode     int64
	UID, GID int
	Link     string
	Body     string
	MTime    int64
}

// makeTree builds a small root filesystem with every kind of entry WriteTar
// handles. Times are set explicitly so the test does not depend on "now".
func makeTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	old := time.Unix(1000, 0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"usr/bin", "etc", "proc/self", "dev", "sys/kernel", "tmp"} {
		must(os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	must(os.WriteFile(filepath.Join(dir, "usr/bin/python3.11"), []byte("elf"), 0o755))
	must(os.Symlink("python3.11", filepath.Join(dir, "usr/bin/python3")))
	must(os.Link(filepath.Join(dir, "usr/bin/python3.11"), filepath.Join(dir, "usr/bin/zz-hardlink")))
	must(os.WriteFile(filepath.Join(dir, "etc/os-release"), []byte("ID=debian\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "usr/bin/su"), []byte("su"), 0o755))
	must(os.Chmod(filepath.Join(dir, "usr/bin/su"), 0o755|os.ModeSetuid))
	must(os.Chmod(filepath.Join(dir, "tmp"), 0o777|os.ModeSticky))
	must(os.WriteFile(filepath.Join(dir, "proc/self/status"), []byte("x"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "sys/kernel/x"), []byte("x"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "dev/null"), []byte("not a device"), 0o644))
	if os.Geteuid() == 0 {
		must(os.Lchown(filepath.Join(dir, "etc/os-release"), 1000, 1001))
	}
	// Every entry gets an old mtime except etc/os-release, which is "new".
	must(filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.Mode()&os.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, old, old)
	}))
	must(os.Chtimes(filepath.Join(dir, "etc/os-release"), time.Unix(5000, 0), time.Unix(5000, 0)))
	return dir
}

func readTar(t *testing.T, r io.Reader) []entry {
	t.Helper()
	var got []entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		e := entry{Name: h.Name, Type: h.Typeflag, Mode: h.Mode, UID: h.Uid, GID: h.Gid, Link: h.Linkname, Body: string(body)}
		if h.Typeflag != tar.TypeSymlink { // a symlink's own mtime is the test's "now"
			e.MTime = h.ModTime.Unix()
		}
		if h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner names %q/%q recorded, want numeric owners only", h.Name, h.Uname, h.Gname)
		}
		got = append(got, e)
	}
}

func TestWriteTar(t *testing.T) {
	dir := makeTree(t)
	// Files belong to whoever runs the test; as root, makeTree also gives
	// etc/os-release to 1000:1001 to show numeric owners are kept.
	owner, gid := os.Geteuid(), os.Getegid()
	osOwner := [2]int{owner, gid}
	if owner == 0 {
		osOwner = [2]int{1000, 1001}
	}
	want := []entry{
		{Name: "dev/", Type: tar.TypeDir, Mode: 0o755, UID: owner, GID: gid, MTime: 1000},
		{Name: "etc/", Type: tar.TypeDir, Mode: 0o755, UID: owner, GID: gid, MTime: 1000},
		{Name: "etc/os-release", Type: tar.TypeReg, Mode: 0o644, UID: osOwner[0], GID: osOwner[1], Body: "ID=debian\n", MTime: 2000},
		{Name: "proc/", Type: tar.TypeDir, Mode: 0o755, UID: owner, GID: gid, MTime: 1000},
		{Name: "sys/", Type: tar.TypeDir, Mode: 0o755, UID: owner, GID: gid, MTime: 1000},
		{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777, UID: owner, GID: gid, MTime: 1000},
		{Name: "usr/", Type: tar.TypeDir, Mode: 0o755, UID: owner, GID: gid, MTime: 1000},
		{Name: "usr/bin/", Type: tar.TypeDir, Mode: 0o755, UID: owner, GID: gid, MTime: 1000},
		{Name: "usr/bin/python3", Type: tar.TypeSymlink, Mode: 0o777, UID: owner, GID: gid, Link: "python3.11"},
		{Name: "usr/bin/python3.11", Type: tar.TypeReg, Mode: 0o755, UID: owner, GID: gid, Body: "elf", MTime: 1000},
		{Name: "usr/bin/su", Type: tar.TypeReg, Mode: 0o4755, UID: owner, GID: gid, Body: "su", MTime: 1000},
		{Name: "usr/bin/zz-hardlink", Type: tar.TypeLink, Mode: 0o755, UID: owner, GID: gid, Link: "usr/bin/python3.11", MTime: 1000},
	}
	var first, second bytes.Buffer
	ctx := context.Background()
	if err := WriteTar(ctx, dir, &first, WithEpoch(time.Unix(2000, 0))); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, readTar(t, bytes.NewReader(first.Bytes()))); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if err := WriteTar(ctx, dir, &second, WithEpoch(time.Unix(2000, 0))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("two archives of the same tree differ")
	}
}

func TestWriteTarErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := makeTree(t)
	tests := []struct {
		name string
		ctx  context.Context
		dir  string
		opts []Option
		want string
	}{
		{"missing dir", context.Background(), filepath.Join(dir, "nope"), nil,
			fmt.Sprintf("archiving %q: lstat %s: no such file or directory", filepath.Join(dir, "nope"), filepath.Join(dir, "nope"))},
		{"cancelled", ctx, dir, nil, fmt.Sprintf("archiving %q: context canceled", dir)},
		{"bad level", context.Background(), dir, []Option{WithCompressionLevel(42)}, "checking options: gzip level 42 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteTar(tt.ctx, tt.dir, io.Discard, tt.opts...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("WriteTar() error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	dir := makeTree(t)
	build := func() (string, string) {
		img, cleanup, err := Build(context.Background(), dir, t.TempDir(),
			WithEpoch(time.Unix(2000, 0)), WithCmd([]string{"python3", "-V"}))
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		if err := validate.Image(img); err != nil {
			t.Fatalf("validate.Image: %v", err)
		}
		mt, err := img.MediaType()
		if err != nil {
			t.Fatal(err)
		}
		if mt != types.OCIManifestSchema1 {
			t.Errorf("media type = %s, want %s", mt, types.OCIManifestSchema1)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"python3", "-V"}, cf.Config.Cmd); diff != "" {
			t.Errorf("Cmd (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(DefaultEnv, cf.Config.Env); diff != "" {
			t.Errorf("Env (-want +got):\n%s", diff)
		}
		if cf.OS != "linux" || cf.Created.Unix() != 2000 || len(cf.History) != 1 {
			t.Errorf("config os=%q created=%d history=%d, want linux, 2000, 1 entry", cf.OS, cf.Created.Unix(), len(cf.History))
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		id, err := img.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		return d.String(), id.String()
	}
	d1, id1 := build()
	d2, id2 := build()
	if d1 != d2 || id1 != id2 {
		t.Errorf("two builds differ: %s/%s vs %s/%s", d1, id1, d2, id2)
	}
}

func TestBuildNotADirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Build(context.Background(), file, t.TempDir())
	want := fmt.Sprintf("reading %q: not a root filesystem directory\nhint: build it first with testworld/up.sh 30-images", file)
	if err == nil || err.Error() != want || !errors.Is(err, ErrNoRootfs) {
		t.Errorf("Build() error = %v, want %q wrapping ErrNoRootfs", err, want)
	}
}
