package venv_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/canto-build/canto/pkg/venv"
	"github.com/canto-build/canto/pkg/wheel"
	"github.com/canto-build/canto/pkg/wheel/wheeltest"
)

var layout = venv.Layout{Prefix: "/opt/venv", PythonVersion: "3.11", Interpreter: "/usr/local/bin/python3.11"}

func TestLayoutScheme(t *testing.T) {
	want := wheel.Scheme{
		Purelib:     "/opt/venv/lib/python3.11/site-packages",
		Platlib:     "/opt/venv/lib/python3.11/site-packages",
		Headers:     "/opt/venv/include/site/python3.11",
		Scripts:     "/opt/venv/bin",
		Data:        "/opt/venv",
		Interpreter: "/opt/venv/bin/python",
	}
	if diff := cmp.Diff(want, layout.Scheme()); diff != "" {
		t.Errorf("Scheme (-want +got):\n%s", diff)
	}
}

func TestLayoutValidate(t *testing.T) {
	tests := []struct {
		name   string
		layout venv.Layout
		want   string
	}{
		{"ok", layout, ""},
		{"debian", venv.Layout{Prefix: "/venv", PythonVersion: "3.13", Interpreter: "/usr/bin/python3.13", Implementation: "cpython"}, ""},
		{"relative prefix", venv.Layout{Prefix: "opt/venv", PythonVersion: "3.11", Interpreter: "/usr/bin/python3"}, `venv prefix "opt/venv" is not a clean absolute path`},
		{"unclean prefix", venv.Layout{Prefix: "/opt/venv/", PythonVersion: "3.11", Interpreter: "/usr/bin/python3"}, `venv prefix "/opt/venv/" is not a clean absolute path`},
		{"root prefix", venv.Layout{Prefix: "/", PythonVersion: "3.11", Interpreter: "/usr/bin/python3"}, "venv prefix is \"/\"\nhint: use a directory of its own, such as /opt/venv"},
		{"newline", venv.Layout{Prefix: "/opt/v\nx", PythonVersion: "3.11", Interpreter: "/usr/bin/python3"}, `venv prefix "/opt/v\nx" contains a control character`},
		{"interpreter inside", venv.Layout{Prefix: "/opt/venv", PythonVersion: "3.11", Interpreter: "/opt/venv/bin/python"}, "venv interpreter \"/opt/venv/bin/python\" is inside the venv prefix \"/opt/venv\"\nhint: name the base interpreter of the image, e.g. /usr/local/bin/python3.11"},
		{"full version", venv.Layout{Prefix: "/opt/venv", PythonVersion: "3.11.4", Interpreter: "/usr/bin/python3"}, `venv python version "3.11.4" is not major.minor, e.g. 3.11`},
		{"pypy", venv.Layout{Prefix: "/opt/venv", PythonVersion: "3.10", Interpreter: "/usr/bin/pypy3", Implementation: "pypy"}, "venv implementation \"pypy\" is not supported\nhint: only cpython is supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.layout.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSkeleton(t *testing.T) {
	got, err := layout.Skeleton(venv.WithFullVersion("3.11.9"), venv.WithCommandLines())
	if err != nil {
		t.Fatal(err)
	}
	d := func(p string) venv.Entry { return venv.Entry{Path: p, Mode: fs.ModeDir | 0o755} }
	l := func(p, target string) venv.Entry {
		return venv.Entry{Path: p, Mode: fs.ModeSymlink | 0o777, Target: target}
	}
	want := []venv.Entry{
		d("/opt/venv"),
		d("/opt/venv/bin"),
		l("/opt/venv/bin/python", "/usr/local/bin/python3.11"),
		l("/opt/venv/bin/python3", "python"),
		l("/opt/venv/bin/python3.11", "python"),
		d("/opt/venv/include"),
		d("/opt/venv/lib"),
		d("/opt/venv/lib/python3.11"),
		d("/opt/venv/lib/python3.11/site-packages"),
		l("/opt/venv/lib64", "lib"),
		{Path: "/opt/venv/pyvenv.cfg", Mode: 0o644, Data: []byte("home = /usr/local/bin\ninclude-system-site-packages = false\nversion = 3.11.9\n" +
			"executable = /usr/local/bin/python3.11\ncommand = /usr/local/bin/python3.11 -m venv /opt/venv\n")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Skeleton (-want +got):\n%s", diff)
	}

	got, err = layout.Skeleton(venv.WithLib64(false))
	if err != nil {
		t.Fatal(err)
	}
	last := got[len(got)-1]
	if got[len(got)-2].Path == "/opt/venv/lib64" || string(last.Data) != "home = /usr/local/bin\ninclude-system-site-packages = false\nversion = 3.11\n" {
		t.Errorf("Skeleton(WithLib64(false)) = %+v, want no lib64 and a minimal pyvenv.cfg", got)
	}

	_, err = layout.Skeleton(venv.WithFullVersion("3.12.1"))
	if want := `full version "3.12.1" is not a 3.11 version`; err == nil || err.Error() != want {
		t.Errorf("Skeleton(WithFullVersion(3.12.1)) error = %v, want %q", err, want)
	}
	_, err = venv.Layout{Prefix: "x"}.Skeleton()
	if want := `venv prefix "x" is not a clean absolute path`; err == nil || err.Error() != want {
		t.Errorf("Skeleton of invalid layout: error = %v, want %q", err, want)
	}
}

func recordHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:])
}

const (
	initPy      = "def main():\n    print('hi')\n"
	scriptIn    = "#!python\nimport demo\ndemo.main()\n"
	scriptOut   = "#!/opt/venv/bin/python\nimport demo\ndemo.main()\n"
	dataFile    = "config = 1\n"
	entryPoints = "[console_scripts]\ndemo = demo:main\n\n[gui_scripts]\ndemo-gui = demo.gui:run\n"
)

func demoWheel(modified time.Time) []byte {
	return wheeltest.Build(wheeltest.Spec{
		Files: []wheeltest.File{
			{Name: "demo/__init__.py", Data: []byte(initPy)},
			{Name: "demo-1.0.data/scripts/demo-script", Data: []byte(scriptIn)},
			{Name: "demo-1.0.data/data/etc/demo.conf", Data: []byte(dataFile)},
		},
		EntryPoints: entryPoints,
		Modified:    modified,
	})
}

// buildLayer installs the skeleton and the demo wheel into a tar.
func buildLayer(t *testing.T, whl []byte, opts venv.TarOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	dst := venv.NewTarDestination(&buf, opts)
	skel, err := layout.Skeleton(venv.WithFullVersion("3.11.9"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range skel {
		if err := dst.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	w, err := wheel.Open(bytes.NewReader(whl), int64(len(whl)), "demo-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	if err := wheel.Install(context.Background(), w, dst, wheel.InstallOptions{Scheme: layout.Scheme()}); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// listTar renders each header on one line and returns the regular files'
// contents.
func listTar(t *testing.T, data []byte) ([]string, map[string]string) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	var lines []string
	contents := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return lines, contents
		}
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%c %04o %d:%d %s:%s %d %s", h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime.Unix(), h.Name)
		switch h.Typeflag {
		case tar.TypeSymlink:
			line += " -> " + h.Linkname
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			contents[h.Name] = string(b)
			line += fmt.Sprintf(" (%d)", h.Size)
		}
		if len(h.PAXRecords) > 0 {
			line += fmt.Sprintf(" pax=%v", h.PAXRecords)
		}
		lines = append(lines, line)
	}
}

func TestInstallIntoTar(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	data := buildLayer(t, demoWheel(time.Time{}), venv.TarOptions{ModTime: mtime, Uname: "root", Gname: "root"})
	lines, contents := listTar(t, data)

	launcher := func(module, name, attr string) string {
		return "#!/opt/venv/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom " + module + " import " + name + "\n" +
			"if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(" + attr + "())\n"
	}
	console, gui := launcher("demo", "main", "main"), launcher("demo.gui", "run", "run")
	metadata := "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
	wheelFile := "Wheel-Version: 1.0\nGenerator: wheeltest\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
	row := func(p, content string) string { return fmt.Sprintf("%s,%s,%d\n", p, recordHash(content), len(content)) }
	record := row("../../../bin/demo", console) +
		row("../../../bin/demo-gui", gui) +
		row("../../../bin/demo-script", scriptOut) +
		row("../../../etc/demo.conf", dataFile) +
		row("demo-1.0.dist-info/INSTALLER", "canto\n") +
		row("demo-1.0.dist-info/METADATA", metadata) +
		"demo-1.0.dist-info/RECORD,,\n" +
		row("demo-1.0.dist-info/WHEEL", wheelFile) +
		row("demo-1.0.dist-info/entry_points.txt", entryPoints) +
		row("demo/__init__.py", initPy)
	cfg := "home = /usr/local/bin\ninclude-system-site-packages = false\nversion = 3.11.9\n"
	sp := "opt/venv/lib/python3.11/site-packages/"
	dir := func(p string) string { return "5 0755 0:0 root:root 1700000000 " + p }
	file := func(mode, p, content string) string {
		return fmt.Sprintf("0 %s 0:0 root:root 1700000000 %s (%d)", mode, p, len(content))
	}
	link := func(p, target string) string { return "2 0777 0:0 root:root 1700000000 " + p + " -> " + target }
	wantLines := []string{
		dir("opt/"),
		dir("opt/venv/"),
		dir("opt/venv/bin/"),
		file("0755", "opt/venv/bin/demo", console),
		file("0755", "opt/venv/bin/demo-gui", gui),
		file("0755", "opt/venv/bin/demo-script", scriptOut),
		link("opt/venv/bin/python", "/usr/local/bin/python3.11"),
		link("opt/venv/bin/python3", "python"),
		link("opt/venv/bin/python3.11", "python"),
		dir("opt/venv/etc/"),
		file("0644", "opt/venv/etc/demo.conf", dataFile),
		dir("opt/venv/include/"),
		dir("opt/venv/lib/"),
		dir("opt/venv/lib/python3.11/"),
		dir(sp),
		dir(sp + "demo/"),
		file("0644", sp+"demo/__init__.py", initPy),
		dir(sp + "demo-1.0.dist-info/"),
		file("0644", sp+"demo-1.0.dist-info/INSTALLER", "canto\n"),
		file("0644", sp+"demo-1.0.dist-info/METADATA", metadata),
		file("0644", sp+"demo-1.0.dist-info/RECORD", record),
		file("0644", sp+"demo-1.0.dist-info/WHEEL", wheelFile),
		file("0644", sp+"demo-1.0.dist-info/entry_points.txt", entryPoints),
		link("opt/venv/lib64", "lib"),
		file("0644", "opt/venv/pyvenv.cfg", cfg),
	}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("tar listing (-want +got):\n%s", diff)
	}
	wantContents := map[string]string{
		"opt/venv/bin/demo":                        console,
		"opt/venv/bin/demo-gui":                    gui,
		"opt/venv/bin/demo-script":                 scriptOut,
		"opt/venv/etc/demo.conf":                   dataFile,
		sp + "demo-1.0.dist-info/INSTALLER":        "canto\n",
		sp + "demo-1.0.dist-info/METADATA":         metadata,
		sp + "demo-1.0.dist-info/RECORD":           record,
		sp + "demo-1.0.dist-info/WHEEL":            wheelFile,
		sp + "demo-1.0.dist-info/entry_points.txt": entryPoints,
		sp + "demo/__init__.py":                    initPy,
		"opt/venv/pyvenv.cfg":                      cfg,
	}
	if diff := cmp.Diff(wantContents, contents); diff != "" {
		t.Errorf("tar contents (-want +got):\n%s", diff)
	}
}

// Byte-identical layers from wheels built at different times, buffered in
// memory or spilled to disk.
func TestTarIsDeterministic(t *testing.T) {
	opts := venv.TarOptions{ModTime: time.Unix(1, 0)}
	a := buildLayer(t, demoWheel(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)), opts)
	b := buildLayer(t, demoWheel(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)), opts)
	if !bytes.Equal(a, b) {
		t.Error("layers from wheels with different member times differ")
	}
	spilled := opts
	spilled.MemoryLimit = 1
	spilled.TempDir = t.TempDir()
	if c := buildLayer(t, demoWheel(time.Time{}), spilled); !bytes.Equal(a, c) {
		t.Error("layer spilled to a temporary file differs from the one buffered in memory")
	}
	if left, _ := filepathGlob(spilled.TempDir); len(left) != 0 {
		t.Errorf("spill files left behind: %v", left)
	}
}

func TestModTimeFromEnv(t *testing.T) {
	env := func(v string) func(string) string { return func(string) string { return v } }
	got, err := venv.ModTimeFromEnv(env(""))
	if err != nil || !got.Equal(time.Unix(0, 0)) {
		t.Errorf("ModTimeFromEnv(unset) = %v, %v; want the epoch", got, err)
	}
	got, err = venv.ModTimeFromEnv(env("1700000000"))
	if err != nil || !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("ModTimeFromEnv(1700000000) = %v, %v", got, err)
	}
	_, err = venv.ModTimeFromEnv(env("yesterday"))
	want := "parsing SOURCE_DATE_EPOCH \"yesterday\": not a non-negative integer of seconds\nhint: set it to a Unix timestamp such as $(git log -1 --format=%ct)"
	if err == nil || err.Error() != want {
		t.Errorf("ModTimeFromEnv(yesterday) error = %v, want %q", err, want)
	}
}

// errReader fails after its data, like a wheel member whose hash is wrong.
type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestTarDestinationRejects(t *testing.T) {
	errHash := errors.New("hash mismatch")
	tests := []struct {
		name  string
		opts  venv.TarOptions
		steps func(d *venv.TarDestination) error
		want  string
	}{
		{"relative path", venv.TarOptions{}, func(d *venv.TarDestination) error {
			return d.WriteFile("opt/x", 0o644, 1, strings.NewReader("x"))
		}, `path "opt/x" is not a clean absolute path below /`},
		{"dotdot path", venv.TarOptions{}, func(d *venv.TarDestination) error {
			return d.WriteFile("/opt/../etc/x", 0o644, 1, strings.NewReader("x"))
		}, `path "/opt/../etc/x" is not a clean absolute path below /`},
		{"duplicate", venv.TarOptions{}, func(d *venv.TarDestination) error {
			if err := d.WriteFile("/a/x", 0o644, 1, strings.NewReader("x")); err != nil {
				return err
			}
			return d.WriteFile("/a/x", 0o644, 1, strings.NewReader("y"))
		}, "\"/a/x\" is written twice\nhint: two projects ship the same file; set TarOptions.AllowOverwrite to let the later one win, as pip does"},
		{"file over symlink even with overwrite", venv.TarOptions{AllowOverwrite: true}, func(d *venv.TarDestination) error {
			if err := d.Symlink("/a/x", "y"); err != nil {
				return err
			}
			return d.WriteFile("/a/x", 0o644, 1, strings.NewReader("y"))
		}, "\"/a/x\" is written twice\nhint: two projects ship the same file; set TarOptions.AllowOverwrite to let the later one win, as pip does"},
		{"short content", venv.TarOptions{}, func(d *venv.TarDestination) error {
			return d.WriteFile("/a/x", 0o644, 5, strings.NewReader("x"))
		}, "content is shorter than the announced 5 bytes"},
		{"long content", venv.TarOptions{}, func(d *venv.TarDestination) error {
			return d.WriteFile("/a/x", 0o644, 1, strings.NewReader("xy"))
		}, "content is longer than the announced 1 bytes"},
		{"error at EOF is reported", venv.TarOptions{}, func(d *venv.TarDestination) error {
			return d.WriteFile("/a/x", 0o644, 1, &errReader{data: "x", err: errHash})
		}, "hash mismatch"},
		{"error at EOF is reported when spilling", venv.TarOptions{MemoryLimit: 1}, func(d *venv.TarDestination) error {
			return d.WriteFile("/a/x", 0o644, 2, &errReader{data: "xy", err: errHash})
		}, "hash mismatch"},
		{"file used as directory", venv.TarOptions{}, func(d *venv.TarDestination) error {
			if err := d.WriteFile("/a/x", 0o644, 0, strings.NewReader("")); err != nil {
				return err
			}
			if err := d.WriteFile("/a/x/y", 0o644, 0, strings.NewReader("")); err != nil {
				return err
			}
			return d.Close()
		}, `writing layer tar: "/a/x" is not a directory but "/a/x/y" is inside it`},
		{"closed", venv.TarOptions{}, func(d *venv.TarDestination) error {
			if err := d.Close(); err != nil {
				return err
			}
			return d.Mkdir("/a")
		}, `adding "/a": tar destination is closed`},
		{"bad symlink", venv.TarOptions{}, func(d *venv.TarDestination) error {
			return d.Symlink("/a", "")
		}, `symlink "/a" has an invalid target ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.TempDir = t.TempDir()
			d := venv.NewTarDestination(io.Discard, tt.opts)
			err := tt.steps(d)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTarAllowOverwrite(t *testing.T) {
	var buf bytes.Buffer
	d := venv.NewTarDestination(&buf, venv.TarOptions{AllowOverwrite: true})
	for _, s := range []string{"first", "second"} {
		if err := d.WriteFile("/x", 0o600, int64(len(s)), strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Mkdir("/d"); err != nil {
		t.Fatal(err)
	}
	if err := d.Mkdir("/d"); err != nil {
		t.Errorf("second Mkdir of the same directory: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	lines, contents := listTar(t, buf.Bytes())
	want := []string{"5 0755 0:0 : 0 d/", "0 0644 0:0 : 0 x (6)"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	if contents["x"] != "second" {
		t.Errorf("x = %q, want the later write", contents["x"])
	}
}

func TestTarLongAndUnicodeNames(t *testing.T) {
	long := "/opt/venv/lib/python3.11/site-packages/" + strings.Repeat("a", 120) + "/é.py"
	var buf bytes.Buffer
	d := venv.NewTarDestination(&buf, venv.TarOptions{})
	if err := d.WriteFile(long, 0o644, 1, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(buf.Bytes()))
	var last *tar.Header
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = h
	}
	if last == nil || last.Name != long[1:] || last.Format != tar.FormatPAX {
		t.Errorf("last header = %+v, want %q in PAX format", last, long[1:])
	}
}
