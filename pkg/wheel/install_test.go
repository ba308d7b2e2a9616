package wheel_test

import (
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

	"github.com/google/go-cmp/cmp"

	"github.com/canto-build/canto/pkg/wheel"
	"github.com/canto-build/canto/pkg/wheel/wheeltest"
)

type memFile struct {
	Mode fs.FileMode
	Data string
}

// memDest is a Destination that keeps files in a map.
type memDest map[string]memFile

func (m memDest) WriteFile(path string, mode fs.FileMode, size int64, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if int64(len(data)) != size {
		return fmt.Errorf("got %d bytes, announced %d", len(data), size)
	}
	m[path] = memFile{Mode: mode, Data: string(data)}
	return nil
}

func recordHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:])
}

var testScheme = wheel.Scheme{
	Purelib:     "/venv/lib/python3.11/site-packages",
	Platlib:     "/venv/lib64/python3.11/site-packages",
	Headers:     "/venv/include/site/python3.11",
	Scripts:     "/venv/bin",
	Data:        "/venv",
	Interpreter: "/venv/bin/python",
}

func TestInstallRoutesEveryScheme(t *testing.T) {
	data := wheeltest.Build(wheeltest.Spec{
		Wheel: "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n",
		Files: []wheeltest.File{
			pyFile("demo/__init__.py", "VERSION = 1\n"),
			{Name: "demo/tool.sh", Data: []byte("#!/bin/sh\n"), Mode: 0o750},
			pyFile("demo-1.0.data/purelib/pure.py", ""),
			{Name: "demo-1.0.data/platlib/plat.so", Data: []byte("ELF"), Mode: 0o755},
			pyFile("demo-1.0.data/headers/demo.h", "int x;\n"),
			pyFile("demo-1.0.data/scripts/run", "#!pythonw -u\nprint('run')\n"),
			pyFile("demo-1.0.data/scripts/raw.sh", "#!/bin/sh\necho raw\n"),
			pyFile("demo-1.0.data/data/share/man/man1/demo.1", ".TH DEMO\n"),
			pyFile("demo-1.0.dist-info/INSTALLER", "pip\n"),
			{Name: "demo-1.0.dist-info/RECORD.jws", Data: []byte("{}"), NotInRecord: true},
		},
		EntryPoints: "[console_scripts]\ndemo = demo.cli:main\n[gui_scripts]\ndemo-gui = demo.gui:App.run\n[other]\nx = y\n",
	})
	w, err := wheel.Open(bytes.NewReader(data), int64(len(data)), demoWhl)
	if err != nil {
		t.Fatal(err)
	}
	dst := memDest{}
	err = wheel.Install(context.Background(), w, dst, wheel.InstallOptions{
		Scheme:    testScheme,
		Requested: true,
		DirectURL: &wheel.DirectURL{URL: "file:///src/demo-1.0-py3-none-any.whl", ArchiveInfo: &wheel.ArchiveInfo{Hashes: map[string]string{"sha256": "ab"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	consoleLauncher := "#!/venv/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom demo.cli import main\n" +
		"if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n"
	guiLauncher := "#!/venv/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom demo.gui import App\n" +
		"if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(App.run())\n"
	const (
		pl = "/venv/lib64/python3.11/site-packages/"
		pu = "/venv/lib/python3.11/site-packages/"
	)
	metadata := "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
	wheelFile := "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n"
	entryPoints := "[console_scripts]\ndemo = demo.cli:main\n[gui_scripts]\ndemo-gui = demo.gui:App.run\n[other]\nx = y\n"
	directURL := `{"url":"file:///src/demo-1.0-py3-none-any.whl","archive_info":{"hashes":{"sha256":"ab"}}}`
	record := strings.Join([]string{
		"../../../bin/demo," + recordHash(consoleLauncher) + fmt.Sprintf(",%d", len(consoleLauncher)),
		"../../../bin/demo-gui," + recordHash(guiLauncher) + fmt.Sprintf(",%d", len(guiLauncher)),
		"../../../bin/raw.sh," + recordHash("#!/bin/sh\necho raw\n") + ",19",
		"../../../bin/run," + recordHash("#!/venv/bin/python -u\nprint('run')\n") + ",35",
		"../../../include/site/python3.11/demo/demo.h," + recordHash("int x;\n") + ",7",
		"../../../lib/python3.11/site-packages/pure.py," + recordHash("") + ",0",
		"../../../share/man/man1/demo.1," + recordHash(".TH DEMO\n") + ",9",
		"demo-1.0.dist-info/INSTALLER," + recordHash("canto\n") + ",6",
		"demo-1.0.dist-info/METADATA," + recordHash(metadata) + fmt.Sprintf(",%d", len(metadata)),
		"demo-1.0.dist-info/RECORD,,",
		"demo-1.0.dist-info/REQUESTED," + recordHash("") + ",0",
		"demo-1.0.dist-info/WHEEL," + recordHash(wheelFile) + fmt.Sprintf(",%d", len(wheelFile)),
		"demo-1.0.dist-info/direct_url.json," + recordHash(directURL) + fmt.Sprintf(",%d", len(directURL)),
		"demo-1.0.dist-info/entry_points.txt," + recordHash(entryPoints) + fmt.Sprintf(",%d", len(entryPoints)),
		"demo/__init__.py," + recordHash("VERSION = 1\n") + ",12",
		"demo/tool.sh," + recordHash("#!/bin/sh\n") + ",10",
		"plat.so," + recordHash("ELF") + ",3",
	}, "\n") + "\n"
	want := memDest{
		"/venv/bin/demo":     {0o755, consoleLauncher},
		"/venv/bin/demo-gui": {0o755, guiLauncher},
		"/venv/bin/raw.sh":   {0o755, "#!/bin/sh\necho raw\n"},
		"/venv/bin/run":      {0o755, "#!/venv/bin/python -u\nprint('run')\n"},
		"/venv/include/site/python3.11/demo/demo.h": {0o644, "int x;\n"},
		pu + "pure.py":                             {0o644, ""},
		"/venv/share/man/man1/demo.1":              {0o644, ".TH DEMO\n"},
		pl + "demo-1.0.dist-info/INSTALLER":        {0o644, "canto\n"},
		pl + "demo-1.0.dist-info/METADATA":         {0o644, metadata},
		pl + "demo-1.0.dist-info/RECORD":           {0o644, record},
		pl + "demo-1.0.dist-info/REQUESTED":        {0o644, ""},
		pl + "demo-1.0.dist-info/WHEEL":            {0o644, wheelFile},
		pl + "demo-1.0.dist-info/direct_url.json":  {0o644, directURL},
		pl + "demo-1.0.dist-info/entry_points.txt": {0o644, entryPoints},
		pl + "demo/__init__.py":                    {0o644, "VERSION = 1\n"},
		pl + "demo/tool.sh":                        {0o755, "#!/bin/sh\n"},
		pl + "plat.so":                             {0o755, "ELF"},
	}
	if diff := cmp.Diff(want, dst); diff != "" {
		t.Errorf("installed files (-want +got):\n%s", diff)
	}
}

func TestInstallRejects(t *testing.T) {
	const pre = `installing wheel "demo-1.0-py3-none-any.whl": `
	tests := []struct {
		name string
		spec wheeltest.Spec
		opts wheel.InstallOptions
		want string
	}{
		{
			name: "two members on one path",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("a.py", ""), pyFile("demo-1.0.data/purelib/a.py", "")}},
			want: pre + `member "a.py" and member "demo-1.0.data/purelib/a.py" would both be installed at "/venv/lib/python3.11/site-packages/a.py"`,
		},
		{
			name: "script and entry point on one path",
			spec: wheeltest.Spec{
				Files:       []wheeltest.File{pyFile("demo-1.0.data/scripts/demo", "")},
				EntryPoints: "[console_scripts]\ndemo = demo:main\n",
			},
			want: pre + `member "demo-1.0.data/scripts/demo" and console_scripts entry point "demo" would both be installed at "/venv/bin/demo"`,
		},
		{
			name: "console and gui script with one name",
			spec: wheeltest.Spec{EntryPoints: "[console_scripts]\ndemo = demo:main\n[gui_scripts]\ndemo = demo:gui\n"},
			want: pre + `console_scripts entry point "demo" and gui_scripts entry point "demo" would both be installed at "/venv/bin/demo"`,
		},
		{
			name: "entry point escaping bin",
			spec: wheeltest.Spec{EntryPoints: "[console_scripts]\n../../etc/cron.d/x = demo:main\n"},
			want: pre + `entry point "../../etc/cron.d/x" in group "console_scripts": name is not a valid file name`,
		},
		{
			name: "entry point without function",
			spec: wheeltest.Spec{EntryPoints: "[gui_scripts]\ndemo = demo\n"},
			want: pre + `entry point "demo" in group "gui_scripts": "demo" names no function (want module:function)`,
		},
		{
			name: "hash mismatch while streaming",
			spec: wheeltest.Spec{
				Files: []wheeltest.File{pyFile("demo-1.0.data/scripts/s", "#!python\nx\n")},
				EditRecord: editRow("demo-1.0.data/scripts/s", func(r *wheeltest.Row) {
					r.Hash = recordHash("#!python\ny\n")
				}),
			},
			want: pre + `writing "/venv/bin/s": member "demo-1.0.data/scripts/s": hash mismatch: RECORD says ` + recordHash("#!python\ny\n") +
				", content has " + recordHash("#!python\nx\n") + "\nhint: the wheel is corrupt or was altered; download it again",
		},
		{
			name: "relative scheme",
			opts: wheel.InstallOptions{Scheme: wheel.Scheme{Purelib: "venv/lib"}},
			want: pre + `scheme path purelib "venv/lib" is not a clean absolute path`,
		},
		{
			name: "direct url with two kinds",
			opts: wheel.InstallOptions{DirectURL: &wheel.DirectURL{URL: "https://x", DirInfo: &wheel.DirInfo{}, ArchiveInfo: &wheel.ArchiveInfo{}}},
			want: pre + `direct URL "https://x" has 2 of archive_info, dir_info and vcs_info, want exactly one`,
		},
		{
			name: "direct url vcs without commit",
			opts: wheel.InstallOptions{DirectURL: &wheel.DirectURL{URL: "https://x", VCSInfo: &wheel.VCSInfo{VCS: "git"}}},
			want: pre + `direct URL "https://x": vcs_info needs vcs and commit_id`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := openSpec(t, demoWhl, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if tt.opts.Scheme == (wheel.Scheme{}) {
				tt.opts.Scheme = testScheme
			}
			err = wheel.Install(context.Background(), w, memDest{}, tt.opts)
			if err == nil {
				t.Fatalf("Install succeeded, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Install error:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestInstallHashMismatchIsTyped(t *testing.T) {
	w, err := openSpec(t, demoWhl, wheeltest.Spec{
		Files:      []wheeltest.File{pyFile("demo/a.py", "x")},
		EditRecord: editRow("demo/a.py", func(r *wheeltest.Row) { r.Hash = recordHash("y") }),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = wheel.Install(context.Background(), w, memDest{}, wheel.InstallOptions{Scheme: testScheme})
	var ie *wheel.IntegrityError
	if !errors.As(err, &ie) || ie.Member != "demo/a.py" || ie.Field != "hash" {
		t.Fatalf("err = %v, want IntegrityError on demo/a.py hash", err)
	}
}

func TestInstallCancelled(t *testing.T) {
	w, err := openSpec(t, demoWhl, wheeltest.Spec{Files: []wheeltest.File{pyFile("demo/a.py", "x")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst := memDest{}
	err = wheel.Install(ctx, w, dst, wheel.InstallOptions{Scheme: testScheme})
	if !errors.Is(err, context.Canceled) || len(dst) != 0 {
		t.Errorf("err = %v with %d files written, want context.Canceled and none", err, len(dst))
	}
}
