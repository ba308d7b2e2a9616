package sandbox

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/canto-build/canto/internal/tmpdir"
)

type entry struct {
	name, link string
	typ        byte
	mode       int64
	body       string
}

func tarOf(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
			if e.typ == tar.TypeDir {
				mode = 0o755
			}
		}
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: mode, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// listTree describes every path under root as "path type:mode[:content or
// link target]".
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		s := rel + " "
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			s += "link:" + target
		case fi.IsDir():
			s += "dir:" + strings.TrimPrefix(fi.Mode().String(), "d")
		default:
			b, _ := os.ReadFile(p)
			s += "file:" + fi.Mode().String() + ":" + string(b)
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestUnpackTar(t *testing.T) {
	const reg, dir, sym, lnk = tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink
	for _, tc := range []struct {
		name    string
		entries []entry
		max     int64
		want    []string
		wantErr string
	}{
		{
			name: "modes and parents made on demand",
			entries: []entry{
				{name: "usr/bin/tool", typ: reg, mode: 0o755, body: "#!"},
				{name: "usr/bin/su", typ: reg, mode: 0o4755, body: "x"},
				{name: "usr/", typ: dir, mode: 0o755},
				{name: "./etc/ro/", typ: dir, mode: 0o555},
				{name: "etc/ro/conf", typ: reg, mode: 0o444, body: "c"},
				{name: "tmp", typ: dir, mode: 0o1777},
			},
			want: []string{
				"etc dir:rwxr-xr-x", "etc/ro dir:r-xr-xr-x", "etc/ro/conf file:-r--r--r--:c",
				"tmp dir:trwxrwxrwx", "usr dir:rwxr-xr-x", "usr/bin dir:rwxr-xr-x",
				"usr/bin/su file:urwxr-xr-x:x", "usr/bin/tool file:-rwxr-xr-x:#!",
			},
		},
		{
			name:    "dot-dot refused",
			entries: []entry{{name: "../evil", typ: reg, body: "x"}},
			wantErr: `entry "../evil": name climbs out of the root with ".."`,
		},
		{
			name:    "dot-dot in the middle refused",
			entries: []entry{{name: "a/../../evil", typ: reg, body: "x"}},
			wantErr: `entry "a/../../evil": name climbs out of the root with ".."`,
		},
		{
			name:    "backslash refused",
			entries: []entry{{name: `a\..\evil`, typ: reg, body: "x"}},
			wantErr: `entry "a\\..\\evil": backslash in name`,
		},
		{
			name:    "absolute name stays inside",
			entries: []entry{{name: "/etc/passwd", typ: reg, body: "root"}},
			want:    []string{"etc dir:rwxr-xr-x", "etc/passwd file:-rw-r--r--:root"},
		},
		{
			name: "absolute symlink parent resolves inside",
			entries: []entry{
				{name: "escape", typ: sym, link: "/"},
				{name: "escape/etc/passwd", typ: reg, body: "inside"},
			},
			want: []string{"escape link:/", "etc dir:rwxr-xr-x", "etc/passwd file:-rw-r--r--:inside"},
		},
		{
			name: "climbing symlink parent is clamped at the root",
			entries: []entry{
				{name: "a/up", typ: sym, link: "../../../../../tmp"},
				{name: "a/up/x", typ: reg, body: "inside"},
			},
			want: []string{"a dir:rwxr-xr-x", "a/up link:../../../../../tmp", "tmp dir:rwxr-xr-x", "tmp/x file:-rw-r--r--:inside"},
		},
		{
			name: "symlink loop",
			entries: []entry{
				{name: "a", typ: sym, link: "b"},
				{name: "b", typ: sym, link: "a"},
				{name: "a/x", typ: reg, body: "x"},
			},
			wantErr: `entry "a/x": resolving "a": too many levels of symbolic links`,
		},
		{
			name: "hard link inside",
			entries: []entry{
				{name: "bin/python3.11", typ: reg, mode: 0o755, body: "elf"},
				{name: "bin/python3", typ: lnk, link: "bin/python3.11"},
			},
			want: []string{"bin dir:rwxr-xr-x", "bin/python3 file:-rwxr-xr-x:elf", "bin/python3.11 file:-rwxr-xr-x:elf"},
		},
		{
			name:    "hard link climbing out refused",
			entries: []entry{{name: "passwd", typ: lnk, link: "../../../etc/passwd"}},
			wantErr: `hard link "passwd": entry "../../../etc/passwd": name climbs out of the root with ".."`,
		},
		{
			name: "hard link through an absolute symlink stays inside",
			entries: []entry{
				{name: "root", typ: sym, link: "/"},
				{name: "shadow", typ: lnk, link: "root/etc/shadow"},
			},
			wantErr: `hard link "shadow" to "root/etc/shadow": lstat /tmp/TestUnpackTar`, // inside the test's root, not the host's /etc
		},
		{
			name: "hard link to a symlink refused",
			entries: []entry{
				{name: "l", typ: sym, link: "/etc/passwd"},
				{name: "h", typ: lnk, link: "l"},
			},
			wantErr: `hard link "h" to "l": target is not a regular file`,
		},
		{
			name: "devices and fifos skipped",
			entries: []entry{
				{name: "dev/null", typ: tar.TypeChar},
				{name: "dev/sda", typ: tar.TypeBlock},
				{name: "run/fifo", typ: tar.TypeFifo},
				{name: "ok", typ: reg, body: "y"},
			},
			want: []string{"dev dir:rwxr-xr-x", "ok file:-rw-r--r--:y", "run dir:rwxr-xr-x"},
		},
		{
			name:    "whiteout files never written",
			entries: []entry{{name: "a/.wh.b", typ: reg}, {name: "a/.wh..wh..opq", typ: reg}},
			want:    nil,
		},
		{
			name: "file replaces a symlink rather than writing through it",
			entries: []entry{
				{name: "f", typ: sym, link: "/etc/passwd"},
				{name: "f", typ: reg, body: "new"},
			},
			want: []string{"f file:-rw-r--r--:new"},
		},
		{
			name:    "size limit",
			entries: []entry{{name: "a", typ: reg, body: "12345"}, {name: "b", typ: reg, body: "123456"}},
			max:     10,
			wantErr: `entry "b": the root filesystem exceeds the limit of 10 bytes`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			t.Cleanup(func() { _ = tmpdir.RemoveTree(root) })
			max := tc.max
			if max == 0 {
				max = DefaultMaxRootFSSize
			}
			err := unpackTar(context.Background(), bytes.NewReader(tarOf(t, tc.entries)), root, unpackOptions{maxSize: max})
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want prefix %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, listTree(t, root)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"usr/bin", "usr/bin"}, {"./usr/bin/", "usr/bin"}, {"/etc//x", "etc/x"}, {".", "."}, {"./", "."}, {"/", "."},
	} {
		got, err := cleanName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
