package elfcheck

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const dpkgStatusText = `Package: libfoo1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 1.2.3-1
Description: foo
 a library

Package: libbar1
Status: install ok installed
Architecture: amd64
Version: 2.0-1+b1

Package: removed
Status: deinstall ok config-files
Architecture: amd64
Version: 9
`

// builderFS is a merged-usr Debian builder with libfoo (a symlink chain,
// listed by dpkg under /lib), libbar (needs libfoo) and libbaz (in
// /usr/local/lib, unknown to dpkg).
func builderFS(e *elfs) MapFS {
	return debianFS(MapFS{
		multi + "/libfoo.so.1":                     Symlink("libfoo.so.1.2.3"),
		multi + "/libfoo.so.1.2.3":                 File(e.libfoo),
		multi + "/libbar.so.1":                     File(e.libbar),
		"/usr/local/lib/libbaz.so.1":               File(e.libfoo),
		"/var/lib/dpkg/status":                     File([]byte(dpkgStatusText)),
		"/var/lib/dpkg/info/libfoo1:amd64.list":    File([]byte("/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libfoo.so.1\n/lib/x86_64-linux-gnu/libfoo.so.1.2.3\n")),
		"/var/lib/dpkg/info/libfoo1:amd64.md5sums": File([]byte("x  lib/x86_64-linux-gnu/libfoo.so.1.2.3\n")),
		multi + "/libfoo.so":                       Symlink("libfoo.so.1.2.3"),
		"/var/lib/dpkg/info/libfoo-dev:amd64.list": File([]byte("/usr/lib/x86_64-linux-gnu/libfoo.so\n")),
		multi + "/libqux.so.1":                     Symlink("libqux.so.1.0"),
		multi + "/libqux.so.1.0":                   File(e.libfoo),
		"/var/lib/dpkg/info/libqux1.list":          File([]byte("/usr/lib/x86_64-linux-gnu/libqux.so.1\n")),
		"/var/lib/dpkg/info/libbar1.list":          File([]byte("/usr/lib/x86_64-linux-gnu/libbar.so.1\n")),
	})
}

func TestReadDpkg(t *testing.T) {
	e := compile(t)
	d, err := ReadDpkg(context.Background(), builderFS(e))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want DebianPackage
		ok   bool
	}{
		{multi + "/libfoo.so.1.2.3", DebianPackage{Name: "libfoo1", Version: "1.2.3-1", Arch: "amd64"}, true},
		{multi + "/libbar.so.1", DebianPackage{Name: "libbar1", Version: "2.0-1+b1", Arch: "amd64"}, true},
		{multi + "/libfoo.so", DebianPackage{Name: "libfoo-dev", Arch: "amd64"}, true},
		{multi + "/libqux.so.1.0", DebianPackage{Name: "libqux1"}, true}, // only its symlink is listed
		{"/usr/local/lib/libbaz.so.1", DebianPackage{}, false},
		{"/usr/lib", DebianPackage{}, false},
	}
	for _, tt := range tests {
		got, ok := d.Owner(tt.path)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Owner(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
	empty, err := ReadDpkg(context.Background(), MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := empty.Owner(multi + "/libbar.so.1"); ok {
		t.Error("an image without dpkg owns a file")
	}
	if got := parseStatus([]byte(dpkgStatusText)); len(got) != 2 {
		t.Errorf("parseStatus found %d installed packages, want 2: %+v", len(got), got)
	}
}

func TestFindProvidersAndText(t *testing.T) {
	e := compile(t)
	final := debianFS(MapFS{
		"/opt/venv/bin/uwsgi":                   File(e.app),
		site + "/uWSGI-2.0.21.dist-info/RECORD": File([]byte("../../../bin/uwsgi,,\n")),
		site + "/a/ext.so":                      File(e.extBare),
		site + "/b/ext.so":                      File(e.extBare),
		site + "/c/ext.so":                      File(e.extBare),
		site + "/d/ext.so":                      File(e.extBare),
	})
	rep, err := Check(context.Background(), final)
	if err != nil {
		t.Fatal(err)
	}
	rep.Missing = append(rep.Missing, Missing{Library: "libnone.so.7", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/x.so"}}})
	rep.Missing = append(rep.Missing, Missing{Library: "libbaz.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/y.so"}}})
	if err := rep.FindProviders(context.Background(), builderFS(e)); err != nil {
		t.Fatal(err)
	}
	want := `uwsgi 2.0.21: /opt/venv/bin/uwsgi needs libbar.so.1, which the image lacks (Debian package libbar1 in the builder)
/opt/venv/lib/python3.11/site-packages/a/ext.so needs libfoo.so.1, which the image lacks (Debian package libfoo1 in the builder)
/opt/venv/lib/python3.11/site-packages/b/ext.so needs libfoo.so.1, which the image lacks (Debian package libfoo1 in the builder)
/opt/venv/lib/python3.11/site-packages/c/ext.so needs libfoo.so.1, which the image lacks (Debian package libfoo1 in the builder)
  and 1 more files need libfoo.so.1
/opt/venv/lib/python3.11/site-packages/x.so needs libnone.so.7, which the image lacks (the builder lacks it too)
/opt/venv/lib/python3.11/site-packages/y.so needs libbaz.so.1, which the image lacks (the builder has it at /usr/local/lib/libbaz.so.1)`
	if diff := cmp.Diff(want, rep.Text()); diff != "" {
		t.Errorf("Text (-want +got):\n%s", diff)
	}
	if got := (&Report{}).Text(); got != "" {
		t.Errorf("Text of an empty report = %q", got)
	}
	wantFoo := &Provider{Found: true, Path: "/lib/x86_64-linux-gnu/libfoo.so.1", Real: multi + "/libfoo.so.1.2.3", Package: DebianPackage{Name: "libfoo1", Version: "1.2.3-1", Arch: "amd64"}}
	if diff := cmp.Diff(wantFoo, rep.Missing[1].Provider); diff != "" {
		t.Errorf("provider of libfoo (-want +got):\n%s", diff)
	}
}

// tarListing renders a tar as one line per entry.
func tarListing(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%c %s %o %d:%d %d %s", h.Typeflag, h.Name, h.Mode, h.Uid, h.Gid, h.ModTime.Unix(), h.Uname+h.Gname)
		if h.Linkname != "" {
			line += " -> " + h.Linkname
		}
		if h.Typeflag == tar.TypeReg {
			line += fmt.Sprintf(" %d bytes", h.Size)
		}
		out = append(out, line)
	}
}

func TestVendor(t *testing.T) {
	e := compile(t)
	final := debianFS(MapFS{
		site + "/foo/ext.so":   File(e.ext),
		site + "/baz/ext.so":   File(e.extBare),
		"/usr/local/lib/other": File([]byte("x")),
	})
	// ext.so needs libbar; extBare needs libfoo: vendoring libbar brings
	// libfoo along anyway. libbaz comes from /usr/local/lib, which is no
	// default directory, so it lands in the multiarch one.
	rep, err := Check(context.Background(), final)
	if err != nil {
		t.Fatal(err)
	}
	missing := append(rep.Missing, Missing{Library: "libbaz.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64})
	mtime := time.Unix(1700000000, 0)
	v, err := Vendor(context.Background(), final, builderFS(e), missing, VendorModTime(mtime), VendorOwner(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	foo := DebianPackage{Name: "libfoo1", Version: "1.2.3-1", Arch: "amd64"}
	bar := DebianPackage{Name: "libbar1", Version: "2.0-1+b1", Arch: "amd64"}
	wantFiles := []VendoredFile{
		{Path: multi + "/libbar.so.1", Size: int64(len(e.libbar)), From: multi + "/libbar.so.1", Package: bar},
		{Path: multi + "/libbaz.so.1", Size: int64(len(e.libfoo)), From: "/usr/local/lib/libbaz.so.1"},
		{Path: multi + "/libfoo.so.1", Link: "libfoo.so.1.2.3", From: multi + "/libfoo.so.1", Package: foo},
		{Path: multi + "/libfoo.so.1.2.3", Size: int64(len(e.libfoo)), From: multi + "/libfoo.so.1.2.3", Package: foo},
	}
	if diff := cmp.Diff(wantFiles, v.Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"libbar.so.1", "libbaz.so.1", "libfoo.so.1"}, v.Libraries); diff != "" {
		t.Errorf("libraries (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]DebianPackage{bar, foo}, v.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}

	var buf bytes.Buffer
	if err := v.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	wantTar := []string{
		"5 usr/ 755 0:0 1700000000 ",
		"5 usr/lib/ 755 0:0 1700000000 ",
		"5 usr/lib/x86_64-linux-gnu/ 755 0:0 1700000000 ",
		fmt.Sprintf("0 usr/lib/x86_64-linux-gnu/libbar.so.1 644 0:0 1700000000  %d bytes", len(e.libbar)),
		fmt.Sprintf("0 usr/lib/x86_64-linux-gnu/libbaz.so.1 644 0:0 1700000000  %d bytes", len(e.libfoo)),
		"2 usr/lib/x86_64-linux-gnu/libfoo.so.1 777 0:0 1700000000  -> libfoo.so.1.2.3",
		fmt.Sprintf("0 usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3 644 0:0 1700000000  %d bytes", len(e.libfoo)),
	}
	if diff := cmp.Diff(wantTar, tarListing(t, buf.Bytes())); diff != "" {
		t.Errorf("tar (-want +got):\n%s", diff)
	}
	var again bytes.Buffer
	if err := v.WriteTar(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("writing the tar twice gave different bytes")
	}

	after, err := Check(context.Background(), Overlay(final, v.FS()))
	if err != nil {
		t.Fatal(err)
	}
	if !after.OK() {
		t.Errorf("still missing after vendoring:\n%s", after.Text())
	}
}

func TestVendorErrors(t *testing.T) {
	e := compile(t)
	want := func(lib string) []Missing {
		return []Missing{{Library: lib, Class: elf.ELFCLASS64, Machine: elf.EM_X86_64}}
	}
	tests := []struct {
		name    string
		final   MapFS
		missing []Missing
		wantErr string
	}{
		{
			name:    "the builder lacks it",
			final:   debianFS(nil),
			missing: append(want("libnone.so.7"), want("libnone.so.7")[0], want("libzip.so.4")[0]),
			wantErr: "the builder image lacks libnone.so.7, libzip.so.4 too\nhint: use a builder image with these libraries installed, or a base image that has them",
		},
		{
			name:    "the image has another file there",
			final:   debianFS(MapFS{multi + "/libfoo.so.1.2.3": File([]byte("not a library"))}),
			missing: want("libfoo.so.1"),
			wantErr: "vendoring libfoo.so.1: the image already has /usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3, which is not the library the builder has\nhint: use a base image that has the library, or remove the file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Vendor(context.Background(), tt.final, builderFS(e), tt.missing)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
	var nib *NotInBuilderError
	_, err := Vendor(context.Background(), debianFS(nil), builderFS(e), want("libnone.so.7"))
	if !errors.As(err, &nib) || len(nib.Libraries) != 1 {
		t.Errorf("error %v is no *NotInBuilderError for one library", err)
	}
}
