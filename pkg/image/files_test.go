package image

import (
	"archive/tar"
	"context"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func filesImage(t *testing.T) v1.Image {
	t.Helper()
	return imageOf(t, v1.Config{},
		[]entry{
			dir("usr/"), dir("usr/lib/"), symlink("lib", "usr/lib"),
			symlink("lib32", "usr/lib32"), file("usr/lib32/libimplied.so", "i"),
			file("usr/lib/libgone.so.1", "gone"),
			file("usr/lib/libkept.so.1", "old"),
			file("etc/shadowed/a", "a"),
		},
		[]entry{
			whiteout("usr/lib", "libgone.so.1"),
			file("usr/lib/libkept.so.1", "new"),
			symlink("usr/lib/libkept.so", "libkept.so.1"),
			{name: "usr/lib/libhard.so.1", typ: tar.TypeLink, link: "usr/lib/libkept.so.1"},
			dir("etc/shadowed/"), file("etc/shadowed/.wh..wh..opq", ""),
			file("opt/implied/file", "x"),
		},
	)
}

func TestReadFiles(t *testing.T) {
	visited := map[string]string{}
	f, err := ReadFiles(context.Background(), filesImage(t), func(p string, size int64, r io.Reader) error {
		b, err := io.ReadAll(r)
		if int64(len(b)) != size {
			t.Errorf("%s: read %d bytes, size %d", p, len(b), size)
		}
		if _, ok := visited[p]; ok {
			t.Errorf("%s visited twice", p)
		}
		visited[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The random bottom layer adds one file; leave it out.
	for p := range visited {
		if len(p) > 5 && p[:5] != "/usr/" && p[:5] != "/opt/" && p[:5] != "/etc/" {
			delete(visited, p)
		}
	}
	want := map[string]string{"/usr/lib/libkept.so.1": "new", "/opt/implied/file": "x", "/usr/lib32/libimplied.so": "i"}
	if diff := cmp.Diff(want, visited); diff != "" {
		t.Errorf("visited (-want +got):\n%s", diff)
	}

	lstat := []struct {
		p    string
		want FileInfo
		ok   bool
	}{
		{"/lib", FileInfo{Type: tar.TypeSymlink, Linkname: "usr/lib"}, true},
		{"/lib/libkept.so", FileInfo{Type: tar.TypeSymlink, Linkname: "libkept.so.1"}, true},
		{"/lib/libhard.so.1", FileInfo{Type: tar.TypeLink, Linkname: "/usr/lib/libkept.so.1"}, true},
		{"/usr/lib/libgone.so.1", FileInfo{}, false},
		{"/opt/implied", FileInfo{Type: tar.TypeDir}, true},
		{"/etc/shadowed/a", FileInfo{}, false},
		{"/", FileInfo{Type: tar.TypeDir}, true},
	}
	for _, tt := range lstat {
		got, ok, err := f.Lstat(tt.p)
		if err != nil || ok != tt.ok || got != tt.want {
			t.Errorf("Lstat(%q) = %+v, %v, %v; want %+v, %v", tt.p, got, ok, err, tt.want, tt.ok)
		}
	}
	resolve := []struct {
		p, want string
		ok      bool
	}{
		{"/lib/libkept.so", "/usr/lib/libkept.so.1", true},
		{"/lib/../lib/libkept.so", "/usr/lib/libkept.so.1", true},
		{"/lib/libgone.so.1", "/usr/lib/libgone.so.1", false},
		{"/opt/implied", "/opt/implied", true},
		{"/lib32/libimplied.so", "/usr/lib32/libimplied.so", true},
	}
	for _, tt := range resolve {
		got, ok, err := f.Resolve(tt.p)
		if err != nil || ok != tt.ok || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v, %v; want %q, %v", tt.p, got, ok, err, tt.want, tt.ok)
		}
	}
	if diff := cmp.Diff([]string{"libhard.so.1", "libkept.so", "libkept.so.1"}, f.ReadDir("/lib")); diff != "" {
		t.Errorf("ReadDir(/lib) (-want +got):\n%s", diff)
	}
	if got := f.ReadDir("/etc/shadowed"); len(got) != 0 {
		t.Errorf("ReadDir of an opaque directory = %q, want nothing", got)
	}

	got, err := f.Contents(context.Background(), []string{"/lib/libkept.so", "/usr/lib/libhard.so.1"}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]byte{"/lib/libkept.so": []byte("new"), "/usr/lib/libhard.so.1": []byte("new")}, got); diff != "" {
		t.Errorf("Contents (-want +got):\n%s", diff)
	}
}

func TestFilesContentsErrors(t *testing.T) {
	f, err := ReadFiles(context.Background(), filesImage(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		paths   []string
		limit   int64
		wantErr string
	}{
		{"absent", []string{"/usr/lib/libgone.so.1"}, 100, `reading "/usr/lib/libgone.so.1": not a regular file in the image`},
		{"directory", []string{"/lib"}, 100, `reading "/lib": not a regular file in the image`},
		{"too big", []string{"/opt/implied/file"}, 0, `file "/opt/implied/file" is 1 bytes, more than the 0 allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Contents(context.Background(), tt.paths, tt.limit)
			if err == nil {
				t.Fatal("no error")
			}
			// Layer errors name the layer digest first.
			if got := err.Error(); got != tt.wantErr && !hasSuffix(got, ": "+tt.wantErr) {
				t.Errorf("error %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}
