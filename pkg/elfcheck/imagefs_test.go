package elfcheck

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/canto-build/canto/pkg/image"
)

// layerTar writes m as a tar layer; a file named .wh.NAME is a whiteout and
// an entry of KindOther a hard link to its Link.
func layerTar(t *testing.T, m MapFS) []byte {
	t.Helper()
	names := make([]string, 0, len(m))
	for p := range m {
		names = append(names, p)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range names {
		f := m[p]
		h := &tar.Header{Name: p[1:], Mode: 0o644, ModTime: time.Unix(0, 0)}
		switch f.Kind {
		case KindDir:
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		case KindSymlink:
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.Link
		case KindOther:
			h.Typeflag, h.Linkname = tar.TypeLink, f.Link[1:]
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func imageOf(t *testing.T, env []string, layers ...MapFS) v1.Image {
	t.Helper()
	img := empty.Image
	for _, m := range layers {
		b := layerTar(t, m)
		l, err := image.LayerFromTar(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config.Env = "linux", "amd64", env
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestImageFS(t *testing.T) {
	e := compile(t)
	img := imageOf(t, []string{"LD_LIBRARY_PATH=/opt/ldpath"},
		debianFS(MapFS{
			multi + "/libfoo.so.1":       File(e.libfoo),
			multi + "/libbar.so.1":       File(e.libbar),
			"/opt/ldpath/libfoo.so.1":    File(e.libfoo),
			"/usr/local/lib/libbaz.so.1": File(e.libfoo),
			site + "/old/ext.so":         File(e.extBare),
			"/etc/ld.so.conf.d/old.conf": File([]byte("/opt/old\n")),
			"/opt/old/libold.so.1":       File(e.libfoo),
			"/var/lib/dpkg/info/x.list":  File([]byte("/usr/lib/x86_64-linux-gnu/libbar.so.1\n")),
			"/usr/share/doc/readme":      File([]byte("not an ELF file, but long enough to be read for its magic number")),
		}),
		MapFS{
			multi + "/.wh.libbar.so.1":         File(nil), // whiteout
			"/opt/ldpath/.wh.libfoo.so.1":      File(nil),
			site + "/.wh.old":                  File(nil),
			site + "/new/ext.so":               File(e.ext),
			site + "/new/hard.so":              &MapFile{Kind: KindOther, Link: site + "/new/ext.so"},
			site + "/New-1.0.dist-info/RECORD": File([]byte("new/ext.so,,\nnew/hard.so,,\n")),
		},
	)
	fsys, err := NewImageFS(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if fsys.Arch != "amd64" || len(fsys.Env) != 1 {
		t.Errorf("arch %q env %q from the config", fsys.Arch, fsys.Env)
	}
	rep, err := Check(context.Background(), fsys, WithEnv(fsys.Env), WithArch(fsys.Arch))
	if err != nil {
		t.Fatal(err)
	}
	want := []Missing{{Library: "libbar.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, NeededBy: []Needer{
		{Path: site + "/new/ext.so", Package: "new 1.0"},
		{Path: site + "/new/hard.so", Package: "new 1.0"},
	}}}
	if diff := cmp.Diff(want, rep.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if rep.Checked != 2 {
		t.Errorf("checked %d files, want 2", rep.Checked)
	}

	// Contents are read lazily, once per layer.
	if err := fsys.Preload(context.Background(), []string{"/lib/x86_64-linux-gnu/libfoo.so.1", "/usr/local/lib/libbaz.so.1"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/lib/x86_64-linux-gnu/libfoo.so.1", site + "/new/hard.so"} {
		b, err := fsys.ReadFile(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || !bytes.HasPrefix(b, elfMagic) {
			t.Errorf("ReadFile(%s) gave %d bytes", p, len(b))
		}
	}
	if _, err := fsys.ReadFile(context.Background(), multi+"/libbar.so.1"); err == nil {
		t.Error("read a file that a whiteout hides")
	}
	names, err := fsys.ReadDir("/lib/x86_64-linux-gnu")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"libfoo.so.1"}, names); diff != "" {
		t.Errorf("ReadDir (-want +got):\n%s", diff)
	}

	// The same image as a builder: libbar is gone, libfoo vendors.
	v, err := Vendor(context.Background(), debianFS(nil), fsys, []Missing{{Library: "libfoo.so.1", Class: elf.ELFCLASS64, Machine: elf.EM_X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Files) != 1 || v.Files[0].Path != multi+"/libfoo.so.1" || v.Files[0].Size != int64(len(e.libfoo)) {
		t.Errorf("vendored %+v", v.Files)
	}
}
