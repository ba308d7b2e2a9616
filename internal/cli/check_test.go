package cli

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/canto-build/canto/pkg/image"
)

// tarEntry is a file ("" link) or symlink of a test layer.
type tarEntry struct {
	data []byte
	link string
}

func testLayer(t *testing.T, files map[string]tarEntry) v1.Layer {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		f := files[n]
		h := &tar.Header{Name: n, Mode: 0o755, ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Size: int64(len(f.data))}
		if f.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, f.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	l, err := image.LayerFromTar(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// checkLayout writes an OCI layout with the images "app" (a venv program
// needing libfoo.so.1, which it lacks), "fixed" (app with libfoo) and
// "builder" (libfoo from the Debian package libfoo1).
func checkLayout(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "x.c")
	if err := os.WriteFile(src, []byte("int sym(void) { return 1; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gcc := func(out string, args ...string) []byte {
		p := filepath.Join(dir, out)
		cmd := exec.Command("gcc", append([]string{"-nostdlib", "-fPIC", "-s", "-o", p, src, "-L" + dir}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, b)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	libfoo := gcc("libfoo.so.1", "-shared", "-Wl,-soname,libfoo.so.1")
	if err := os.Symlink("libfoo.so.1", filepath.Join(dir, "libfoo.so")); err != nil {
		t.Fatal(err)
	}
	tool := gcc("tool", "-shared", "-Wl,--no-as-needed", "-lfoo")
	debian := map[string]tarEntry{"lib": {link: "usr/lib"}, "usr/lib/x86_64-linux-gnu/.keep": {}}
	app := map[string]tarEntry{
		"opt/venv/bin/tool": {data: tool},
		"opt/venv/lib/python3.11/site-packages/tool-1.0.dist-info/RECORD": {data: []byte("../../../bin/tool,,\n")},
	}
	lib := map[string]tarEntry{"usr/lib/x86_64-linux-gnu/libfoo.so.1": {data: libfoo}}
	dpkg := map[string]tarEntry{"var/lib/dpkg/info/libfoo1:amd64.list": {data: []byte("/usr/lib/x86_64-linux-gnu/libfoo.so.1\n")}}

	mk := func(layers ...map[string]tarEntry) v1.Image {
		img := empty.Image
		for _, l := range layers {
			var err error
			if img, err = mutate.AppendLayers(img, testLayer(t, l)); err != nil {
				t.Fatal(err)
			}
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", "amd64"
		cf.Config.Env = []string{"VIRTUAL_ENV=/opt/venv"}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		return img
	}
	oci := filepath.Join(dir, "oci")
	p, err := layout.Write(oci, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for tag, img := range map[string]v1.Image{"app": mk(debian, app), "fixed": mk(debian, lib, app), "builder": mk(debian, lib, dpkg)} {
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
			t.Fatal(err)
		}
	}
	return oci
}

func TestCheckCommand(t *testing.T) {
	oci := checkLayout(t)
	app := "oci:" + oci + ":app"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr []string
	}{
		{
			name:       "missing",
			args:       []string{"check", app},
			wantCode:   1,
			wantStdout: "tool 1.0: /opt/venv/bin/tool needs libfoo.so.1, which the image lacks\n",
			wantStderr: []string{"checked 1 ELF files and 0 libraries they load under /opt/venv", "error: " + app + " lacks 1 shared libraries that its files need", "hint: use --vendor-libs"},
		},
		{
			name:     "missing, with a builder",
			args:     []string{"check", app, "--builder", "oci:" + oci + ":builder"},
			wantCode: 1,
			wantStdout: "tool 1.0: /opt/venv/bin/tool needs libfoo.so.1, which the image lacks (Debian package libfoo1 in the builder)\n" +
				"--vendor-libs --builder oci:" + oci + ":builder would add a layer with:\n" +
				"  /usr/lib/x86_64-linux-gnu/libfoo.so.1  (libfoo1)\n",
		},
		{
			name:     "the builder lacks it too",
			args:     []string{"check", app, "--builder", app},
			wantCode: 1,
			wantStdout: "tool 1.0: /opt/venv/bin/tool needs libfoo.so.1, which the image lacks (the builder lacks it too)\n" +
				"--vendor-libs cannot fix this: the builder image lacks libfoo.so.1 too\n",
		},
		{
			name:       "nothing missing",
			args:       []string{"check", "oci:" + oci + ":fixed"},
			wantStderr: []string{"checked 1 ELF files and 1 libraries they load under /opt/venv", "no shared library is missing"},
		},
		{
			name:       "another root",
			args:       []string{"check", app, "--root", "/usr"},
			wantStderr: []string{"checked 0 ELF files and 0 libraries they load under /usr"},
		},
		{
			name:       "all",
			args:       []string{"check", "oci:" + oci + ":fixed", "--all"},
			wantStderr: []string{"checked 2 ELF files and 1 libraries they load under /"},
		},
		{name: "--all with --root", args: []string{"check", app, "--all", "--root", "/x"}, wantCode: 2, wantStderr: []string{"--all and --root cannot be used together"}},
		{name: "no image", args: []string{"check"}, wantCode: 2},
		{name: "bad reference", args: []string{"check", "oci:"}, wantCode: 2},
		{name: "absent image", args: []string{"check", "oci:" + oci + ":nope"}, wantCode: 1, wantStderr: []string{"loading image oci:" + oci + ":nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errs)
			}
			if tt.wantCode != 2 {
				if diff := cmp.Diff(tt.wantStdout, out); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

func TestCheckCommandJSON(t *testing.T) {
	oci := checkLayout(t)
	code, out, errs := runCLI(t, nil, "check", "-q", "oci:"+oci+":app", "--json", "--builder", "oci:"+oci+":builder")
	if code != 1 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var got checkJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	want := checkJSON{
		Image: "oci:" + oci + ":app", Roots: []string{"/opt/venv"}, Checked: 1,
		Missing: []missingJSON{{
			Library: "libfoo.so.1", Machine: "EM_X86_64",
			NeededBy: []neederJSON{{Path: "/opt/venv/bin/tool", Package: "tool 1.0"}},
			Provider: &providerJSON{Found: true, Path: "/lib/x86_64-linux-gnu/libfoo.so.1", Real: "/usr/lib/x86_64-linux-gnu/libfoo.so.1", Package: "libfoo1"},
		}},
		Builder: "oci:" + oci + ":builder",
		Vendor:  []vendoredJSON{{Path: "/usr/lib/x86_64-linux-gnu/libfoo.so.1", Size: got.vendorSize(), From: "/usr/lib/x86_64-linux-gnu/libfoo.so.1", Package: "libfoo1"}},
		Debian:  []string{"libfoo1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("--json (-want +got):\n%s", diff)
	}
	if got.vendorSize() == 0 {
		t.Error("the vendored library has no size")
	}
}

func (c checkJSON) vendorSize() int64 {
	if len(c.Vendor) == 0 {
		return 0
	}
	return c.Vendor[0].Size
}
