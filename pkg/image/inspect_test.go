package image

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const debianStatus = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: python3.11-minimal
Status: install ok installed
Architecture: amd64
Version: 3.11.2-6
Depends: libpython3.11-minimal (= 3.11.2-6)

Package: python3.9-minimal
Status: deinstall ok config-files
Architecture: amd64
Version: 3.9.2-1
`

const debianPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// debianLayer is a merged-/usr Debian 12 root with Python 3.11 from dpkg.
func debianLayer() []entry {
	return []entry{
		dir("usr/"), dir("usr/bin/"), dir("usr/lib/"), dir("usr/lib/x86_64-linux-gnu/"),
		symlink("bin", "usr/bin"), symlink("lib", "usr/lib"), symlink("lib64", "usr/lib64"),
		file("usr/bin/sh", "#!"),
		file("usr/lib/x86_64-linux-gnu/libc.so.6", "ELF"),
		file("usr/bin/python3.11", "ELF"),
		symlink("usr/bin/python3", "python3.11"),
		dir("usr/lib/python3.11/"), file("usr/lib/python3.11/os.py", "#"),
		dir("var/lib/dpkg/"), file("var/lib/dpkg/status", debianStatus),
	}
}

func TestInspect(t *testing.T) {
	debian12 := &Python{Path: "/usr/bin/python3.11", Version: "3.11", FullVersion: "3.11.2", Prefix: "/usr", StdlibDir: "lib/python3.11"}
	glibc236 := Libc{Family: LibcGlibc, Version: "2.36"}
	tests := []struct {
		name   string
		cfg    v1.Config
		layers [][]entry
		want   *BaseInfo
	}{
		{
			name:   "debian",
			cfg:    v1.Config{Env: []string{debianPath}, WorkingDir: "/"},
			layers: [][]entry{debianLayer()},
			want:   &BaseInfo{OS: "linux", Arch: "amd64", Python: debian12, Libc: glibc236, Env: []string{debianPath}, WorkingDir: "/"},
		},
		{
			name: "official python image",
			cfg:  v1.Config{Env: []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "PYTHON_VERSION=3.12.4"}},
			layers: [][]entry{debianLayer(), {
				dir("usr/local/bin/"),
				file("usr/local/bin/python3.12", "ELF"),
				symlink("usr/local/bin/python3", "python3.12"),
				symlink("usr/local/bin/python", "python3"),
				dir("usr/local/lib/python3.12/"),
			}},
			want: &BaseInfo{
				OS: "linux", Arch: "amd64",
				Python: &Python{Path: "/usr/local/bin/python3.12", Version: "3.12", FullVersion: "3.12.4", Prefix: "/usr/local", StdlibDir: "lib/python3.12"},
				Libc:   glibc236,
				Env:    []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "PYTHON_VERSION=3.12.4"},
			},
		},
		{
			name: "distroless without shell or python3 link",
			cfg:  v1.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}, User: "65532"},
			layers: [][]entry{{
				dir("usr/bin/"), file("usr/bin/python3.11", "ELF"),
				dir("lib/x86_64-linux-gnu/"), file("lib/x86_64-linux-gnu/libc.so.6", "ELF"),
				dir("var/lib/dpkg/status.d/"),
				file("var/lib/dpkg/status.d/libc6", "Package: libc6\nVersion: 2.36-9+deb12u7\nArchitecture: amd64\n"),
				file("var/lib/dpkg/status.d/libc6.md5sums", "d41d8cd98f00b204e9800998ecf8427e  lib/x86_64-linux-gnu/libc.so.6\n"),
				file("var/lib/dpkg/status.d/python3.11-minimal", "Package: python3.11-minimal\nVersion: 3.11.2-6+deb12u2\n"),
			}},
			want: &BaseInfo{
				OS: "linux", Arch: "amd64",
				Python: &Python{Path: "/usr/bin/python3.11", Version: "3.11", FullVersion: "3.11.2", Prefix: "/usr", StdlibDir: "lib/python3.11"},
				Libc:   glibc236,
				Env:    []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
				User:   "65532",
			},
		},
		{
			name: "no package database: the version from libc's banner",
			cfg:  v1.Config{Env: []string{debianPath}},
			layers: [][]entry{{
				dir("usr/"), dir("usr/bin/"), dir("usr/lib/"), dir("usr/lib/x86_64-linux-gnu/"),
				file("usr/lib/x86_64-linux-gnu/libc.so.6", "\x7fELF\x00\x00GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36.\n\x00more"),
				file("usr/bin/python3.11", "ELF"), symlink("usr/bin/python3", "python3.11"),
			}},
			want: &BaseInfo{
				OS: "linux", Arch: "amd64",
				Python: &Python{Path: "/usr/bin/python3.11", Version: "3.11", Prefix: "/usr", StdlibDir: "lib/python3.11"},
				Libc:   glibc236,
				Env:    []string{debianPath},
			},
		},
		{
			name: "alpine with musl",
			cfg:  v1.Config{},
			layers: [][]entry{{
				dir("lib/"), file("lib/ld-musl-x86_64.so.1", "ELF"),
				symlink("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"),
				dir("bin/"), file("bin/busybox", "ELF"), symlink("bin/sh", "/bin/busybox"),
				dir("lib/apk/db/"),
				file("lib/apk/db/installed", "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\n\nC:Q1def=\nP:python3\nV:3.11.8-r0\nA:x86_64\n"),
				dir("usr/bin/"), file("usr/bin/python3.11", "ELF"), symlink("usr/bin/python3", "python3.11"),
			}},
			want: &BaseInfo{
				OS: "linux", Arch: "amd64",
				Python: &Python{Path: "/usr/bin/python3.11", Version: "3.11", FullVersion: "3.11.8", Prefix: "/usr", StdlibDir: "lib/python3.11"},
				Libc:   Libc{Family: LibcMusl, Version: "1.2.4"},
			},
		},
		{
			name: "python3 decides among several pythons, through an absolute alternatives link",
			cfg:  v1.Config{Env: []string{debianPath}},
			layers: [][]entry{{
				dir("usr/bin/"), file("usr/bin/python3.11", "ELF"), file("usr/bin/python3.13", "ELF"),
				file("usr/bin/python3.12", "ELF"),
				symlink("usr/bin/python3", "/etc/alternatives/python3"),
				dir("etc/alternatives/"), symlink("etc/alternatives/python3", "../../usr/bin/python3.12"),
			}},
			want: &BaseInfo{
				OS: "linux", Arch: "amd64",
				Python: &Python{Path: "/usr/bin/python3.12", Version: "3.12", Prefix: "/usr", StdlibDir: "lib/python3.12"},
				Env:    []string{debianPath},
			},
		},
		{
			name: "without python3 the newest python3.N wins",
			cfg:  v1.Config{},
			layers: [][]entry{{
				dir("usr/bin/"), file("usr/bin/python3.9", "ELF"), file("usr/bin/python3.11", "ELF"), file("usr/bin/python3.10", "ELF"),
			}},
			want: &BaseInfo{
				OS: "linux", Arch: "amd64",
				Python: &Python{Path: "/usr/bin/python3.11", Version: "3.11", Prefix: "/usr", StdlibDir: "lib/python3.11"},
			},
		},
		{
			name: "opaque directory hides the official python; Debian's remains",
			cfg:  v1.Config{Env: []string{debianPath, "PYTHON_VERSION=3.12.4"}},
			layers: [][]entry{
				debianLayer(),
				{dir("usr/local/bin/"), file("usr/local/bin/python3.12", "ELF"), symlink("usr/local/bin/python3", "python3.12")},
				{dir("usr/local/bin/"), file("usr/local/bin/.wh..wh..opq", ""), file("usr/local/bin/tool", "#!")},
			},
			want: &BaseInfo{OS: "linux", Arch: "amd64", Python: debian12, Libc: glibc236, Env: []string{debianPath, "PYTHON_VERSION=3.12.4"}},
		},
		{
			name: "file replaced by a newer layer is read from the top",
			cfg:  v1.Config{Env: []string{debianPath}},
			layers: [][]entry{
				debianLayer(),
				{file("var/lib/dpkg/status", "Package: libc6\nStatus: install ok installed\nVersion: 2.37-1\n\nPackage: python3.11-minimal\nStatus: install ok installed\nVersion: 3.11.9-1\n")},
			},
			want: &BaseInfo{OS: "linux", Arch: "amd64",
				Python: &Python{Path: "/usr/bin/python3.11", Version: "3.11", FullVersion: "3.11.9", Prefix: "/usr", StdlibDir: "lib/python3.11"},
				Libc:   Libc{Family: LibcGlibc, Version: "2.37"}, Env: []string{debianPath}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := imageOf(t, tc.cfg, tc.layers...)
			got, err := Inspect(context.Background(), img)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Inspect (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInspectNoPython(t *testing.T) {
	const searched = "/usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin"
	tests := []struct {
		name   string
		layers [][]entry
	}{
		{"empty", nil},
		{"whiteouts delete python in an upper layer", [][]entry{
			debianLayer(),
			{dir("usr/bin/"), whiteout("usr/bin", "python3.11"), whiteout("usr/bin", "python3")},
		}},
		{"whiteout of the whole bin directory", [][]entry{
			debianLayer(),
			{dir("usr/"), whiteout("usr", "bin")},
		}},
		{"a file replaces the directory", [][]entry{
			debianLayer(),
			{file("usr/bin", "not a directory any more")},
		}},
		{"symlink loop", [][]entry{{
			dir("usr/bin/"), symlink("usr/bin/python3", "python3.11"), symlink("usr/bin/python3.11", "python3"),
		}}},
		{"python3 names a directory", [][]entry{{dir("usr/bin/"), dir("usr/bin/python3.11/"), symlink("usr/bin/python3", "python3.11")}}},
		{"python 2 only", [][]entry{{dir("usr/bin/"), file("usr/bin/python2.7", "ELF"), symlink("usr/bin/python", "python2.7")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := imageOf(t, v1.Config{}, tc.layers...)
			_, err := Inspect(context.Background(), img)
			var npe *NoPythonError
			if !errors.As(err, &npe) {
				t.Fatalf("Inspect error = %v, want a *NoPythonError", err)
			}
			want := "inspecting image: no python3 interpreter in the image (searched " + searched + ")\n" +
				"hint: use a base image that ships CPython 3, such as python:3.12-slim or gcr.io/distroless/python3-debian12"
			if err.Error() != want {
				t.Errorf("error:\n got %q\nwant %q", err.Error(), want)
			}
		})
	}
}

func TestInspectCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Inspect(ctx, imageOf(t, v1.Config{}, debianLayer()))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Inspect with a canceled context: %v, want context.Canceled", err)
	}
}

func TestVersionHelpers(t *testing.T) {
	deb := map[string]string{"2.36-9+deb12u4": "2.36", "1:2.3-1": "2.3", "3.12.3-1ubuntu0.1": "3.12.3", "3.11.2": "3.11.2"}
	for in, want := range deb {
		if got := debianUpstream(in); got != want {
			t.Errorf("debianUpstream(%q) = %q, want %q", in, got, want)
		}
	}
	apk := map[string]string{"1.2.4-r2": "1.2.4", "3.11.8-r0": "3.11.8", "1.0": "1.0", "2.0-rc1": "2.0-rc1"}
	for in, want := range apk {
		if got := apkUpstream(in); got != want {
			t.Errorf("apkUpstream(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDpkgStatus(t *testing.T) {
	pkgs := map[string]string{}
	parseDpkgStatus([]byte(debianStatus+"\nPackage: noversion\nStatus: install ok installed\n\nVersion: 1.0\n\n\r\nPackage: crlf\r\nVersion: 2.0-1\r\n"), pkgs)
	want := map[string]string{"libc6": "2.36-9+deb12u4", "python3.11-minimal": "3.11.2-6", "crlf": "2.0-1"}
	if diff := cmp.Diff(want, pkgs); diff != "" {
		t.Errorf("parseDpkgStatus (-want +got):\n%s", diff)
	}
}

func FuzzParseDpkgStatus(f *testing.F) {
	f.Add([]byte(debianStatus))
	f.Add([]byte("Package: a\nVersion: 1\n\n"))
	f.Add([]byte("P:musl\nV:1.2.4-r2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs := map[string]string{}
		parseDpkgStatus(b, pkgs)
		for name, v := range pkgs {
			if name == "" || v == "" {
				t.Fatalf("empty name or version: %q=%q", name, v)
			}
			_ = debianUpstream(v)
			_ = apkUpstream(v)
		}
	})
}

// FuzzResolve builds a filesystem of symlinks from the input and resolves
// paths through it: resolution must end, and stay inside the image.
func FuzzResolve(f *testing.F) {
	f.Add("usr/bin/python3", "python3.11", "bin", "usr/bin", "/bin/python3")
	f.Add("a", "b", "b", "a", "/a")
	f.Add("x", "../../../../etc", "etc", "/x/y", "/x/passwd")
	f.Fuzz(func(t *testing.T, l1, t1, l2, t2, query string) {
		fsys := &imageFS{entries: map[string]*fsEntry{
			cleanTarPath(l1):           {typeflag: '2', linkname: t1},
			cleanTarPath(l2):           {typeflag: '2', linkname: t2},
			"/usr/bin/python3.11":      {typeflag: '0'},
			cleanTarPath(l1 + "/file"): {typeflag: '0'},
		}}
		p, _, err := fsys.resolve(query)
		if err == nil && !strings.HasPrefix(p, "/") {
			t.Fatalf("resolve(%q) = %q, outside the root", query, p)
		}
	})
}
