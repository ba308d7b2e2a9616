package sdist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type tarEntry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func tarGz(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Mode: mode}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if typ == tar.TypeXGlobalHeader {
			h = &tar.Header{Name: e.name, Typeflag: typ, PAXRecords: map[string]string{"comment": "0123abcd"}}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil && typ == tar.TypeReg {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out = append(out, rel+" -> "+target)
		case fi.IsDir():
			out = append(out, rel+"/")
		default:
			b, _ := os.ReadFile(p)
			out = append(out, rel+" "+fi.Mode().Perm().String()+" "+string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestExtract(t *testing.T) {
	const dir, sym, lnk = tar.TypeDir, tar.TypeSymlink, tar.TypeLink
	for _, tc := range []struct {
		name       string
		entries    []tarEntry
		maxSize    int64
		maxMembers int
		wantTop    string
		want       []string
		wantErr    string
	}{
		{
			name: "ordinary sdist",
			entries: []tarEntry{
				{name: "p-1.0/", typ: dir}, {name: "p-1.0/setup.py", body: "s"},
				{name: "p-1.0/tools/run.sh", body: "#!", mode: 0o775}, {name: "p-1.0/README", body: "r", mode: 0o600},
				{name: "p-1.0/LICENSE", link: "README", typ: sym}, {name: "p-1.0/COPYING", link: "p-1.0/README", typ: lnk},
			},
			wantTop: "p-1.0",
			want: []string{"p-1.0/", "p-1.0/COPYING -rw-r--r-- r", "p-1.0/LICENSE -> README", "p-1.0/README -rw-r--r-- r",
				"p-1.0/setup.py -rw-r--r-- s", "p-1.0/tools/", "p-1.0/tools/run.sh -rwxr-xr-x #!"},
		},
		{
			name:    "pax global header of git archive",
			entries: []tarEntry{{name: "pax_global_header", typ: tar.TypeXGlobalHeader}, {name: "p-1.0/", typ: dir}, {name: "p-1.0/a", body: "a"}},
			wantTop: "p-1.0",
			want:    []string{"p-1.0/", "p-1.0/a -rw-r--r-- a"},
		},
		{
			name:    "implicit top directory, devices skipped",
			entries: []tarEntry{{name: "./p-1.0/a", body: "a"}, {name: "p-1.0/dev", typ: tar.TypeChar}, {name: "p-1.0/fifo", typ: tar.TypeFifo}},
			wantTop: "p-1.0",
			want:    []string{"p-1.0/", "p-1.0/a -rw-r--r-- a"},
		},
		{name: "dot-dot", entries: []tarEntry{{name: "p-1.0/../../etc/x", body: "x"}},
			wantErr: `reading "p-1.0.tar.gz": member "p-1.0/../../etc/x" climbs out with ".."`},
		{name: "absolute", entries: []tarEntry{{name: "/etc/x", body: "x"}},
			wantErr: `reading "p-1.0.tar.gz": member "/etc/x" has an absolute name`},
		{name: "backslash", entries: []tarEntry{{name: `p-1.0\..\x`, body: "x"}},
			wantErr: `reading "p-1.0.tar.gz": member "p-1.0\\..\\x" has a backslash in its name`},
		{name: "absolute symlink", entries: []tarEntry{{name: "p-1.0/l", link: "/etc/passwd", typ: sym}},
			wantErr: `reading "p-1.0.tar.gz": symbolic link "p-1.0/l" points outside the sdist ("/etc/passwd")`},
		{name: "climbing symlink", entries: []tarEntry{{name: "p-1.0/l", link: "../../x", typ: sym}},
			wantErr: `reading "p-1.0.tar.gz": symbolic link "p-1.0/l" points outside the sdist ("../../x")`},
		{name: "write through a symlink to the top", entries: []tarEntry{
			{name: "p-1.0/up", link: "..", typ: sym}, {name: "p-1.0/up/../x", body: "x"}},
			wantErr: `reading "p-1.0.tar.gz": member "p-1.0/up/../x" climbs out with ".."`},
		{name: "hard link out", entries: []tarEntry{{name: "p-1.0/h", link: "../etc/passwd", typ: lnk}},
			wantErr: `reading "p-1.0.tar.gz": member "../etc/passwd" climbs out with ".."`},
		{name: "two top directories", entries: []tarEntry{{name: "a/x", body: "x"}, {name: "b/y", body: "y"}},
			wantErr: `reading "p-1.0.tar.gz": an sdist holds one top-level directory, this one has 2`},
		{name: "top is a file", entries: []tarEntry{{name: "setup.py", body: "x"}},
			wantErr: `reading "p-1.0.tar.gz": top-level entry "setup.py" is not a directory`},
		{name: "size limit", maxSize: 3, entries: []tarEntry{{name: "p-1.0/a", body: "ab"}, {name: "p-1.0/b", body: "cd"}},
			wantErr: `sdist "p-1.0.tar.gz" exceeds the size limit of 3`},
		{name: "member limit", maxMembers: 2, entries: []tarEntry{{name: "p-1.0/", typ: dir}, {name: "p-1.0/a"}, {name: "p-1.0/b"}},
			wantErr: `sdist "p-1.0.tar.gz" exceeds the members limit of 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "p-1.0.tar.gz")
			if err := os.WriteFile(src, tarGz(t, tc.entries), 0o644); err != nil {
				t.Fatal(err)
			}
			dst := t.TempDir()
			maxSize, maxMembers := tc.maxSize, tc.maxMembers
			if maxSize == 0 {
				maxSize = DefaultMaxSdistSize
			}
			if maxMembers == 0 {
				maxMembers = DefaultMaxSdistMembers
			}
			top, err := extract(src, filepath.Base(src), dst, maxSize, maxMembers)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(tc.wantErr, "limit") {
					var le *LimitError
					if !errors.As(err, &le) {
						t.Errorf("error %T is not a *LimitError", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if top != tc.wantTop {
				t.Errorf("top = %q, want %q", top, tc.wantTop)
			}
			if diff := cmp.Diff(tc.want, tree(t, dst)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractZip(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"z-1.0/", "z-1.0/setup.py", "../evil"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(name, "/") {
			if _, err := w.Write([]byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		if name == "z-1.0/setup.py" {
			// A first archive without the hostile member.
			if err := zw.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "z-1.0.zip")
	if err := os.WriteFile(src, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := extract(src, filepath.Base(src), t.TempDir(), DefaultMaxSdistSize, DefaultMaxSdistMembers)
	if want := `reading "z-1.0.zip": member "../evil" climbs out with ".."`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}

	buf.Reset()
	zw = zip.NewWriter(&buf)
	for _, name := range []string{"z-1.0/setup.py", "z-1.0/pkg/__init__.py"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	top, err := extract(src, filepath.Base(src), dst, DefaultMaxSdistSize, DefaultMaxSdistMembers)
	if err != nil || top != "z-1.0" {
		t.Fatalf("extract = %q, %v", top, err)
	}
	want := []string{"z-1.0/", "z-1.0/pkg/", "z-1.0/pkg/__init__.py -rw-r--r-- x", "z-1.0/setup.py -rw-r--r-- x"}
	if diff := cmp.Diff(want, tree(t, dst)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

func TestTailLines(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for i := range 100 {
		b.WriteString(strings.Repeat("x", i) + "\n")
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	got := tailLines(f, 3)
	want := []string{strings.Repeat("x", 97), strings.Repeat("x", 98), strings.Repeat("x", 99)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tailLines (-want +got):\n%s", diff)
	}
}
