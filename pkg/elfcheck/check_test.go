package elfcheck

import (
	"context"
	"debug/elf"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	site  = "/opt/venv/lib/python3.11/site-packages"
	multi = "/usr/lib/x86_64-linux-gnu"
)

// debianFS is the skeleton of a merged-usr Debian image.
func debianFS(extra MapFS) MapFS {
	m := MapFS{
		"/lib":                                   Symlink("usr/lib"),
		"/lib64":                                 Symlink("usr/lib64"),
		multi:                                    Dir(),
		"/etc/ld.so.conf":                        File([]byte("include /etc/ld.so.conf.d/*.conf\n")),
		"/etc/ld.so.conf.d/libc.conf":            File([]byte("# libc default configuration\n/usr/local/lib\n")),
		"/opt/venv/bin/python":                   Symlink("/usr/bin/python3.11"),
		"/opt/venv/lib64":                        Symlink("lib"),
		"/opt/venv/lib/python3.11/site-packages": Dir(),
	}
	maps.Copy(m, extra)
	return m
}

func TestCheck(t *testing.T) {
	e := compile(t)
	record := func(lines string) *MapFile { return File([]byte(lines)) }
	tests := []struct {
		name        string
		files       MapFS
		opts        []Option
		want        []Missing
		wantChecked int
		wantLibs    int
		wantSkipped []string
	}{
		{
			name: "found in the default directory",
			files: MapFS{
				site + "/foo/ext.so":   File(e.extBare),
				multi + "/libfoo.so.1": File(e.libfoo),
			},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "found through a symlink chain and the /lib symlink",
			files: MapFS{
				site + "/foo/ext.so":       File(e.extBare),
				multi + "/libfoo.so.1":     Symlink("libfoo.so.1.2.3"),
				multi + "/libfoo.so.1.2.3": Symlink("/lib/x86_64-linux-gnu/real/libfoo.so"),
				multi + "/real/libfoo.so":  File(e.libfoo),
			},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "a dangling symlink is missing",
			files: MapFS{
				site + "/foo/ext.so":   File(e.extBare),
				multi + "/libfoo.so.1": Symlink("libfoo.so.1.2.3"),
			},
			want:        []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so"}}}},
			wantChecked: 1,
		},
		{
			name: "found through ld.so.conf.d",
			files: MapFS{
				site + "/foo/ext.so":            File(e.extBare),
				"/etc/ld.so.conf.d/custom.conf": File([]byte("/opt/custom/lib\n")),
				"/opt/custom/lib/libfoo.so.1":   File(e.libfoo),
			},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "a directory no configuration lists is not searched",
			files: MapFS{
				site + "/foo/ext.so":          File(e.extBare),
				"/opt/custom/lib/libfoo.so.1": File(e.libfoo),
			},
			want:        []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so"}}}},
			wantChecked: 1,
		},
		{
			name: "found through LD_LIBRARY_PATH",
			files: MapFS{
				site + "/foo/ext.so":          File(e.extBare),
				"/opt/custom/lib/libfoo.so.1": File(e.libfoo),
			},
			opts:        []Option{WithEnv([]string{"PATH=/usr/bin", "LD_LIBRARY_PATH=/nowhere:/opt/custom/lib"})},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "manylinux: found through RUNPATH $ORIGIN",
			files: MapFS{
				site + "/foo/ext.so":           File(e.ext),
				site + "/foo.libs/libbar.so.1": File(e.libbar),
				site + "/foo.libs/libfoo.so.1": File(e.libfoo),
			},
			// libbar has no RUNPATH of its own (auditwheel gives the
			// libraries it grafts $ORIGIN), and the RUNPATH of ext.so
			// does not serve it: libfoo is missing, as for ld.so.
			want: []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{
				{Path: site + "/foo.libs/libbar.so.1"},
				{Path: site + "/foo/ext.so", Via: site + "/foo.libs/libbar.so.1"},
			}}},
			wantChecked: 3, wantLibs: 1,
		},
		{
			name: "RUNPATH of the extension does not serve its library's dependencies",
			files: MapFS{
				site + "/foo/ext.so":           File(e.ext),
				site + "/foo.libs/libbar.so.1": File(e.libbar),
				site + "/foo.libs/libfoo.so.1": File(e.libfoo),
			},
			opts:        []Option{WithRoots(site + "/foo/ext.so")},
			want:        []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so", Via: site + "/foo.libs/libbar.so.1"}}}},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "a library already loaded serves by its soname",
			files: MapFS{
				site + "/foo/ext.so":           File(e.extBoth),
				site + "/foo.libs/libbar.so.1": File(e.libbar),
				site + "/foo.libs/libfoo.so.1": File(e.libfoo),
			},
			opts:        []Option{WithRoots(site + "/foo")},
			wantChecked: 1, wantLibs: 2,
		},
		{
			name: "RPATH of the executable serves its libraries' dependencies",
			files: MapFS{
				"/opt/venv/bin/app":        File(e.app),
				"/opt/app/lib/libbar.so.1": File(e.libbar),
				"/opt/app/lib/libfoo.so.1": File(e.libfoo),
			},
			wantChecked: 1, wantLibs: 2,
		},
		{
			name: "missing",
			files: MapFS{
				site + "/foo/ext.so": File(e.extBare),
			},
			want:        []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so"}}}},
			wantChecked: 1,
		},
		{
			name: "transitively missing",
			files: MapFS{
				site + "/foo/ext.so":   File(e.ext),
				multi + "/libbar.so.1": File(e.libbar),
			},
			want:        []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so", Via: "/lib/x86_64-linux-gnu/libbar.so.1"}}}},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "a library of another machine or class is passed over",
			files: MapFS{
				site + "/foo/ext.so":                File(e.extBare),
				"/lib/x86_64-linux-gnu/libfoo.so.1": File(otherMachine(e.libfoo)),
				"/usr/lib64/libfoo.so.1":            File(elf32(t)),
				"/usr/lib/libfoo.so.1":              File(e.libfoo),
			},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "only libraries of another machine or class",
			files: MapFS{
				site + "/foo/ext.so":   File(e.extBare),
				multi + "/libfoo.so.1": File(otherMachine(e.libfoo)),
				"/usr/lib/libfoo.so.1": File(elf32(t)),
			},
			want:        []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so"}}}},
			wantChecked: 1,
		},
		{
			name: "nodefaultlib skips the default directories",
			files: MapFS{
				site + "/foo/ext.so":   File(e.nodef),
				multi + "/libfoo.so.1": File(e.libfoo),
			},
			want:        []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so"}}}},
			wantChecked: 1,
		},
		{
			name: "the distribution that installed a file owns it",
			files: MapFS{
				site + "/foo/ext.so":                   File(e.extBare),
				"/opt/venv/bin/app":                    File(e.app),
				site + "/Foo_Bar-1.0.dist-info/RECORD": record("foo/ext.so,sha256=x,1\n\"../../../bin/app\",,\nFoo_Bar-1.0.dist-info/RECORD,,\n"),
			},
			want: []Missing{
				{Library: "libbar.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: "/opt/venv/bin/app", Package: "foo-bar 1.0"}}},
				{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: site + "/foo/ext.so", Package: "foo-bar 1.0"}}},
			},
			wantChecked: 2,
		},
		{
			name: "files of another architecture are skipped",
			files: MapFS{
				site + "/foo/ext.so":   File(otherMachine(e.extBare)),
				site + "/foo/ok.so":    File(e.extBare),
				multi + "/libfoo.so.1": File(e.libfoo),
			},
			opts:        []Option{WithArch("amd64")},
			wantChecked: 1, wantLibs: 1,
			wantSkipped: []string{site + "/foo/ext.so"},
		},
		{
			name: "only the roots are scanned",
			files: MapFS{
				"/usr/bin/app":         File(e.app),
				site + "/foo/ext.so":   File(e.extBare),
				multi + "/libfoo.so.1": File(e.libfoo),
			},
			wantChecked: 1, wantLibs: 1,
		},
		{
			name: "all scans the whole filesystem, libraries included",
			files: MapFS{
				"/usr/bin/app":         File(e.app),
				site + "/foo/ext.so":   File(e.extBare),
				multi + "/libfoo.so.1": File(e.libfoo),
			},
			opts:        []Option{WithAll()},
			want:        []Missing{{Library: "libbar.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{{Path: "/usr/bin/app"}}}},
			wantChecked: 3, wantLibs: 1,
		},
		{
			name: "damaged and non-ELF files are not checked",
			files: MapFS{
				site + "/foo/bad.so": File(append([]byte("\x7fELF\x09"), make([]byte, 60)...)),
				site + "/foo/x.py":   File([]byte("import os\n")),
			},
			wantChecked: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Check(context.Background(), debianFS(tt.files), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, rep.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
			if rep.Checked != tt.wantChecked || rep.Libraries != tt.wantLibs {
				t.Errorf("checked %d files and %d libraries, want %d and %d", rep.Checked, rep.Libraries, tt.wantChecked, tt.wantLibs)
			}
			if diff := cmp.Diff(tt.wantSkipped, rep.Skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
			if rep.OK() != (len(tt.want) == 0) {
				t.Errorf("OK() = %v", rep.OK())
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		wantErr string
	}{
		{"no roots", []Option{WithRoots()}, "checking libraries: no roots to scan"},
		{"unknown architecture", []Option{WithArch("vax")}, `checking libraries: unknown architecture "vax"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check(context.Background(), debianFS(nil), tt.opts...)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Check(ctx, debianFS(nil)); err == nil {
			t.Error("no error from a canceled context")
		}
	})
}

func TestCheckMusl(t *testing.T) {
	e := compile(t)
	alpine := MapFS{
		"/lib/ld-musl-x86_64.so.1": File(e.libfoo),
		site + "/foo/ext.so":       File(e.extBare),
	}
	t.Run("default path", func(t *testing.T) {
		fsys := maps.Clone(alpine)
		fsys["/usr/local/lib/libfoo.so.1"] = File(e.libfoo)
		rep, err := Check(context.Background(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Errorf("missing %v, want none", rep.Missing)
		}
	})
	t.Run("path file replaces the default", func(t *testing.T) {
		fsys := maps.Clone(alpine)
		fsys["/usr/local/lib/libfoo.so.1"] = File(e.libfoo)
		fsys["/etc/ld-musl-x86_64.path"] = File([]byte("/lib\n/usr/lib\n"))
		rep, err := Check(context.Background(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Missing) != 1 || rep.Missing[0].Library != "libfoo.so.1" {
			t.Errorf("missing %v, want libfoo.so.1", rep.Missing)
		}
	})
}

func TestExpandTokens(t *testing.T) {
	tests := []struct {
		entry, origin string
		class         elf.Class
		machine       elf.Machine
		want          []string
	}{
		{"$ORIGIN/../foo.libs", "/opt/venv/site/foo", elf.ELFCLASS64, elf.EM_X86_64, []string{"/opt/venv/site/foo.libs"}},
		{"${ORIGIN}", "/a", elf.ELFCLASS64, elf.EM_X86_64, []string{"/a"}},
		{"/opt/$LIB", "/a", elf.ELFCLASS64, elf.EM_X86_64, []string{"/opt/lib/x86_64-linux-gnu", "/opt/lib", "/opt/lib64"}},
		{"/opt/${LIB}", "/a", elf.ELFCLASS32, elf.EM_386, []string{"/opt/lib/i386-linux-gnu", "/opt/lib"}},
		{"/opt/$PLATFORM/lib", "/a", elf.ELFCLASS64, elf.EM_AARCH64, []string{"/opt/aarch64/lib"}},
		{"relative/lib", "/a", elf.ELFCLASS64, elf.EM_X86_64, nil},
		{"/usr/local/lib/", "/a", elf.ELFCLASS64, elf.EM_X86_64, []string{"/usr/local/lib"}},
		{"/opt/$UNKNOWN", "/a", elf.ELFCLASS64, elf.EM_X86_64, []string{"/opt/$UNKNOWN"}},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			got := expandTokens(tt.entry, tt.origin, tt.class, tt.machine)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("expandTokens (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadLdSoConf(t *testing.T) {
	tests := []struct {
		name  string
		files MapFS
		want  []string
	}{
		{"none", MapFS{}, nil},
		{"debian", MapFS{
			"/etc/ld.so.conf":                         File([]byte("include /etc/ld.so.conf.d/*.conf\n\n")),
			"/etc/ld.so.conf.d/libc.conf":             File([]byte("# libc default configuration\n/usr/local/lib\n")),
			"/etc/ld.so.conf.d/x86_64-linux-gnu.conf": File([]byte("# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n")),
			"/etc/ld.so.conf.d/README":                File([]byte("/not/a/conf\n")),
		}, []string{"/usr/local/lib", "/usr/local/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"}},
		{"relative include, several per line, hwcap, libc5 types, loops", MapFS{
			"/etc/ld.so.conf":    File([]byte("/a:/b,/c\tincluded\ninclude conf/*.conf\nhwcap 1 nosegneg\n/d=libc5 # comment\nrelative\n")),
			"/etc/conf/one.conf": File([]byte("/e\ninclude /etc/ld.so.conf\n")),
		}, []string{"/a", "/b", "/c", "/e", "/d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readLdSoConf(context.Background(), tt.files)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("dirs (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzReadLdSoConf(f *testing.F) {
	f.Add("include /etc/ld.so.conf.d/*.conf\n/usr/local/lib\n")
	f.Add("include [\nhwcap\n/a:/b\n")
	f.Fuzz(func(t *testing.T, conf string) {
		fsys := MapFS{"/etc/ld.so.conf": File([]byte(conf)), "/etc/ld.so.conf.d/x.conf": File([]byte(conf))}
		dirs, err := readLdSoConf(context.Background(), fsys)
		if err != nil {
			return
		}
		for _, d := range dirs {
			if d == "" || d[0] != '/' {
				t.Fatalf("relative directory %q", d)
			}
		}
	})
}
