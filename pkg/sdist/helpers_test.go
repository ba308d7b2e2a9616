package sdist_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/pep508"
	"github.com/canto-build/canto/pkg/sandbox"
	"github.com/canto-build/canto/pkg/sdist"
)

// member is one tar entry of a test sdist; link makes a symlink (typ 0
// means a regular file unless link is set).
type member struct {
	name, body, link string
	typ              byte
	mode             int64
}

// writeSdist writes a .tar.gz named file in dir with the given members.
func writeSdist(t *testing.T, dir, file string, members []member) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(m.body)), Linkname: m.link}
		if m.mode != 0 {
			h.Mode = m.mode
		}
		switch {
		case m.typ != 0:
			h.Typeflag = m.typ
		case m.link != "":
			h.Typeflag = tar.TypeSymlink
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(m.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// files maps names under top to contents.
func files(top string, m map[string]string) []member {
	var out []member
	for name, body := range m {
		out = append(out, member{name: top + "/" + name, body: body})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func pureSdist(t *testing.T, dir string) string {
	return writeSdist(t, dir, "pure-1.0.tar.gz", files("pure-1.0", map[string]string{
		"PKG-INFO": "Metadata-Version: 2.1\nName: pure\nVersion: 1.0\n",
		"pyproject.toml": `[build-system]
requires = ["setuptools>=40.8.0", "wheel", "nothing-on-this-python; python_version < '3'"]
build-backend = "setuptools.build_meta"
`,
		"setup.py": "from setuptools import setup\nsetup(name='pure', version='1.0', py_modules=['pure'])\n",
		"pure.py":  "def hello():\n    return 'hello'\n",
	}))
}

const cextC = `#include <Python.h>
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&mod); }
`

// cextSdist is a legacy sdist (no pyproject.toml) with a C extension.
func cextSdist(t *testing.T, dir, version, c string) string {
	return writeSdist(t, dir, "cext-"+version+".tar.gz", files("cext-"+version, map[string]string{
		"PKG-INFO": "Metadata-Version: 2.1\nName: cext\nVersion: " + version + "\n",
		"setup.py": "from setuptools import setup, Extension\nsetup(name='cext', version='" + version +
			"', ext_modules=[Extension('cext', ['cext.c'])])\n",
		"cext.c": c,
	}))
}

// debianWheels are the real wheels of Debian's python3-*-whl packages.
func debianWheels(t *testing.T) sdist.Resolver {
	t.Helper()
	paths, err := filepath.Glob("/usr/share/python-wheels/*.whl")
	if err != nil || len(paths) == 0 {
		t.Skip("no wheels in /usr/share/python-wheels: apt-get install python3-setuptools-whl python3-wheel-whl")
	}
	r, err := sdist.WheelFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hostBuilder builds in the host's own root filesystem, read-only, with
// Debian's python3.11 (and gcc and python3-dev for C extensions).
func hostRequest(t *testing.T, sdistPath string, c *cache.Cache) sdist.Request {
	t.Helper()
	if err := sandbox.Check(); err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
	if _, err := os.Stat("/usr/bin/python3.11"); err != nil {
		t.Skip("the host has no /usr/bin/python3.11")
	}
	return sdist.Request{
		Sdist:         sdistPath,
		BuilderRootFS: "/",
		BuilderDigest: "host-root",
		BuilderPython: "/usr/bin/python3.11",
		Target:        "cp311-linux_x86_64",
		Resolve:       debianWheels(t),
		Cache:         c,
	}
}

// counter counts sandbox runs.
type counter struct{ n atomic.Int32 }

func (c *counter) run(ctx context.Context, spec sandbox.Spec) (*sandbox.Result, error) {
	c.n.Add(1)
	return sandbox.Run(ctx, spec)
}

func openCache(t *testing.T) *cache.Cache {
	t.Helper()
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hostEnv is the marker environment of Debian 12's python3.11 on x86_64.
var hostEnv = pep508.Env{
	"implementation_name": "cpython", "implementation_version": "3.11.2", "os_name": "posix",
	"platform_machine": "x86_64", "platform_release": "6.1.0", "platform_system": "Linux",
	"platform_version": "#1 SMP", "python_full_version": "3.11.2", "platform_python_implementation": "CPython",
	"python_version": "3.11", "sys_platform": "linux",
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
