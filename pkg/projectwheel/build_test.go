package projectwheel

import (
	"bytes"
	"os"
	"testing"

	"github.com/canto-build/canto/pkg/wheel"
	"github.com/google/go-cmp/cmp"
)

const poetryBuildSystem = `
[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
`

func TestBuild(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		exec      []string
		wantFile  string
		wantNames []string
		// wantFiles pins the content of some members.
		wantFiles map[string]string
		wantModes map[string]os.FileMode
	}{
		{
			name: "flat layout",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "My.Pkg"
version = "1.0"
description = "A package."
authors = ["Ada Lovelace <ada@example.com>", "Bob <bob@example.com>"]
license = "MIT"
readme = "README.md"
keywords = ["one", "two"]
homepage = "https://example.com"
repository = "https://example.com/repo"

[tool.poetry.dependencies]
python = "^3.11"
requests = "^2.28"
attrs = "*"
tomli = { version = "~2.0", python = "<3.11" }
` + poetryBuildSystem,
				"README.md":                            "# My pkg\n\nHello.\n",
				"my_pkg/__init__.py":                   "",
				"my_pkg/sub/mod.py":                    "x = 1\n",
				"my_pkg/data.json":                     "{}",
				"my_pkg/__pycache__/x.cpython-311.pyc": "junk",
				"my_pkg/stale.pyc":                     "junk",
				"tests/test_x.py":                      "",
				".git/config":                          "",
			},
			wantFile: "my_pkg-1.0-py3-none-any.whl",
			wantNames: []string{
				"my_pkg/__init__.py",
				"my_pkg/data.json",
				"my_pkg/sub/mod.py",
				"my_pkg-1.0.dist-info/METADATA",
				"my_pkg-1.0.dist-info/WHEEL",
				"my_pkg-1.0.dist-info/RECORD",
			},
			wantFiles: map[string]string{
				"my_pkg-1.0.dist-info/METADATA": `Metadata-Version: 2.3
Name: My.Pkg
Version: 1.0
Summary: A package.
License: MIT
Keywords: one,two
Author: Ada Lovelace
Author-email: ada@example.com
Requires-Python: >=3.11,<4.0
Requires-Dist: attrs
Requires-Dist: requests (>=2.28,<3.0)
Requires-Dist: tomli (>=2.0,<2.1) ; python_version < "3.11"
Project-URL: Homepage, https://example.com
Project-URL: Repository, https://example.com/repo
Description-Content-Type: text/markdown

# My pkg

Hello.
`,
				"my_pkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: canto test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
			},
		},
		{
			name: "src layout with console script",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "cli-tool"
version = "0.3.0-beta.1"
description = ""
authors = []

[tool.poetry.dependencies]
python = ">=3.9"
click = ">=8.1,<9"

[tool.poetry.scripts]
cli-tool = "cli_tool.__main__:main"
` + poetryBuildSystem,
				"src/cli_tool/__init__.py": "",
				"src/cli_tool/__main__.py": "def main(): pass\n",
				"src/other/__init__.py":    "",
			},
			wantFile: "cli_tool-0.3.0b1-py3-none-any.whl",
			wantNames: []string{
				"cli_tool/__init__.py",
				"cli_tool/__main__.py",
				"cli_tool-0.3.0b1.dist-info/entry_points.txt",
				"cli_tool-0.3.0b1.dist-info/METADATA",
				"cli_tool-0.3.0b1.dist-info/WHEEL",
				"cli_tool-0.3.0b1.dist-info/RECORD",
			},
			wantFiles: map[string]string{
				"cli_tool-0.3.0b1.dist-info/entry_points.txt": "[console_scripts]\ncli-tool=cli_tool.__main__:main\n\n",
				"cli_tool-0.3.0b1.dist-info/METADATA": `Metadata-Version: 2.3
Name: cli-tool
Version: 0.3.0b1
Summary: 
Requires-Python: >=3.9
Requires-Dist: click (>=8.1,<9)
`,
			},
		},
		{
			name: "explicit packages with from, to and format",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "multi"
version = "2.0.0"
description = "d"
authors = []
packages = [
  { include = "alpha", from = "lib" },
  { include = "beta.py", from = "lib", to = "vendored" },
  { include = "gamma/**/*.py" },
  { include = "docs_only", format = "sdist" },
  { include = "both", format = ["sdist", "wheel"] },
]
` + poetryBuildSystem,
				"lib/alpha/__init__.py":  "",
				"lib/alpha/res/logo.txt": "logo",
				"lib/beta.py":            "",
				"gamma/__init__.py":      "",
				"gamma/deep/x.py":        "",
				"gamma/deep/skip.txt":    "not a .py",
				"docs_only/__init__.py":  "",
				"both/__init__.py":       "",
				"multi/__init__.py":      "ignored: packages are explicit",
			},
			wantFile: "multi-2.0.0-py3-none-any.whl",
			wantNames: []string{
				"alpha/__init__.py",
				"alpha/res/logo.txt",
				"both/__init__.py",
				"gamma/__init__.py",
				"gamma/deep/x.py",
				"vendored/beta.py",
				"multi-2.0.0.dist-info/METADATA",
				"multi-2.0.0.dist-info/WHEEL",
				"multi-2.0.0.dist-info/RECORD",
			},
		},
		{
			name: "module file project",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "single-mod"
version = "1.0.0"
description = "d"
authors = []
` + poetryBuildSystem,
				"single_mod.py": "print('hi')\n",
				"other.py":      "",
			},
			wantFile: "single_mod-1.0.0-py3-none-any.whl",
			wantNames: []string{
				"single_mod.py",
				"single_mod-1.0.0.dist-info/METADATA",
				"single_mod-1.0.0.dist-info/WHEEL",
				"single_mod-1.0.0.dist-info/RECORD",
			},
		},
		{
			name: "include and exclude",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "inc"
version = "1.0.0"
description = "d"
authors = []
include = [
  "LICENSE",
  { path = "CHANGELOG.md", format = ["sdist", "wheel"] },
  { path = "inc/secret_but_wanted.py", format = "wheel" },
  { path = "assets", format = "wheel" },
]
exclude = ["inc/secret*.py", "inc/tests", "assets/*.tmp"]
` + poetryBuildSystem,
				"LICENSE":                  "MIT",
				"CHANGELOG.md":             "changes",
				"inc/__init__.py":          "",
				"inc/secret.py":            "",
				"inc/secret_but_wanted.py": "",
				"inc/tests/test_a.py":      "",
				"assets/a.css":             "",
				"assets/scratch.tmp":       "",
			},
			wantFile: "inc-1.0.0-py3-none-any.whl",
			wantNames: []string{
				"CHANGELOG.md",
				"assets/a.css",
				// poetry-core: a wheel include wins over exclude.
				"assets/scratch.tmp",
				"inc/__init__.py",
				"inc/secret_but_wanted.py",
				"inc-1.0.0.dist-info/METADATA",
				"inc-1.0.0.dist-info/WHEEL",
				"inc-1.0.0.dist-info/RECORD",
			},
		},
		{
			name: "scripts, file scripts, plugins",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "tooling"
version = "1.0.0"
description = "d"
authors = []

[tool.poetry.scripts]
tool = "tooling.cli:main"
tool-sh = { reference = "bin/tool.sh", type = "file" }
tool-py = { reference = "bin/helper.py", type = "file" }

[tool.poetry.plugins."tooling.plugins"]
b = "tooling.plugins:b"
a = "tooling.plugins:a"
` + poetryBuildSystem,
				"tooling/__init__.py": "",
				"tooling/cli.py":      "",
				"tooling/run.sh":      "#!/bin/sh\n",
				"bin/tool.sh":         "#!/bin/sh\necho hi\n",
				"bin/helper.py":       "#!python\n",
			},
			exec:     []string{"bin/tool.sh", "tooling/run.sh"},
			wantFile: "tooling-1.0.0-py3-none-any.whl",
			wantNames: []string{
				"tooling-1.0.0.data/scripts/helper.py",
				"tooling-1.0.0.data/scripts/tool.sh",
				"tooling/__init__.py",
				"tooling/cli.py",
				"tooling/run.sh",
				"tooling-1.0.0.dist-info/entry_points.txt",
				"tooling-1.0.0.dist-info/METADATA",
				"tooling-1.0.0.dist-info/WHEEL",
				"tooling-1.0.0.dist-info/RECORD",
			},
			wantFiles: map[string]string{
				"tooling-1.0.0.dist-info/entry_points.txt": "[console_scripts]\ntool=tooling.cli:main\n\n[tooling.plugins]\na=tooling.plugins:a\nb=tooling.plugins:b\n\n",
				"tooling-1.0.0.data/scripts/tool.sh":       "#!/bin/sh\necho hi\n",
			},
			wantModes: map[string]os.FileMode{
				"tooling-1.0.0.data/scripts/tool.sh":   0o755,
				"tooling-1.0.0.data/scripts/helper.py": 0o644,
				"tooling/run.sh":                       0o755,
				"tooling/cli.py":                       0o644,
				"tooling-1.0.0.dist-info/METADATA":     0o644,
			},
		},
		{
			name: "extras and direct references",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "extras-demo"
version = "1.0.0"
description = "d"
authors = []

[tool.poetry.dependencies]
python = "^3.8"
pendulum = { version = "^2.0", optional = true, python = "^3.8" }
psycopg2 = { version = "~2.9", optional = true }
orphan = { version = "^1", optional = true }
exact = "1.2.3"
excl = ">=1.0,!=1.5"
wild = "==2.*"
httpx = { version = "^0.27", extras = ["http2", "brotli"] }
pywin = { version = "^306", platform = "win32" }
uvloop = { version = ">=0.17", markers = "sys_platform != 'win32' or platform_machine == 'x86_64'", python = ">=3.8.1" }
mylib = { git = "https://github.com/org/mylib.git", tag = "v1.0" }
sshlib = { git = "git@github.com:org/sshlib.git", branch = "main", subdirectory = "pkg" }
urllib = { url = "https://example.com/urllib-1.0.tar.gz" }
multi = [
  { version = "^1.0", python = "<3.10" },
  { version = "^2.0", python = ">=3.10" },
]

[tool.poetry.extras]
time = ["pendulum"]
DB = ["psycopg2", "pendulum"]
` + poetryBuildSystem,
				"extras_demo/__init__.py": "",
			},
			wantFile: "extras_demo-1.0.0-py3-none-any.whl",
			wantNames: []string{
				"extras_demo/__init__.py",
				"extras_demo-1.0.0.dist-info/METADATA",
				"extras_demo-1.0.0.dist-info/WHEEL",
				"extras_demo-1.0.0.dist-info/RECORD",
			},
			wantFiles: map[string]string{
				"extras_demo-1.0.0.dist-info/METADATA": `Metadata-Version: 2.3
Name: extras-demo
Version: 1.0.0
Summary: d
Requires-Python: >=3.8,<4.0
Provides-Extra: db
Provides-Extra: time
Requires-Dist: exact (==1.2.3)
Requires-Dist: excl (>=1.0,!=1.5)
Requires-Dist: httpx[brotli,http2] (>=0.27,<0.28)
Requires-Dist: multi (>=1.0,<2.0) ; python_version < "3.10"
Requires-Dist: multi (>=2.0,<3.0) ; python_version >= "3.10"
Requires-Dist: mylib @ git+https://github.com/org/mylib.git@v1.0
Requires-Dist: pendulum (>=2.0,<3.0) ; (python_version >= "3.8" and python_version < "4.0") and (extra == "db" or extra == "time")
Requires-Dist: psycopg2 (>=2.9,<2.10) ; extra == "db"
Requires-Dist: pywin (>=306,<307) ; sys_platform == "win32"
Requires-Dist: sshlib @ git+ssh://git@github.com/org/sshlib.git@main#subdirectory=pkg
Requires-Dist: urllib @ https://example.com/urllib-1.0.tar.gz
Requires-Dist: uvloop (>=0.17) ; (sys_platform != 'win32' or platform_machine == 'x86_64') and python_full_version >= "3.8.1"
Requires-Dist: wild (==2.*)
`,
			},
		},
		{
			name: "PEP 621 project",
			files: map[string]string{
				"pyproject.toml": `[project]
name = "modern"
version = "3.1.4"
description = "A PEP 621 project."
requires-python = ">=3.9"
authors = [{ name = "Grace", email = "grace@example.com" }]
license = { text = "Apache-2.0" }
readme = "README.rst"
classifiers = ["Programming Language :: Python :: 3"]
dependencies = ["requests>=2", "tomli ; python_version < '3.11'"]

[project.optional-dependencies]
CLI = ["click>=8 ; os_name == 'posix'", "rich"]

[project.scripts]
modern = "modern:main"

[project.gui-scripts]
modern-gui = "modern.gui:run"

[project.entry-points."modern.plugins"]
x = "modern.x:X"

[project.urls]
Source = "https://example.com/src"

[tool.poetry.dependencies]
requests = { source = "internal" }
` + poetryBuildSystem,
				"README.rst":         "Modern\n======\n",
				"modern/__init__.py": "",
			},
			wantFile: "modern-3.1.4-py3-none-any.whl",
			wantNames: []string{
				"modern/__init__.py",
				"modern-3.1.4.dist-info/entry_points.txt",
				"modern-3.1.4.dist-info/METADATA",
				"modern-3.1.4.dist-info/WHEEL",
				"modern-3.1.4.dist-info/RECORD",
			},
			wantFiles: map[string]string{
				"modern-3.1.4.dist-info/METADATA": `Metadata-Version: 2.3
Name: modern
Version: 3.1.4
Summary: A PEP 621 project.
License: Apache-2.0
Author: Grace
Author-email: grace@example.com
Requires-Python: >=3.9
Classifier: Programming Language :: Python :: 3
Provides-Extra: cli
Requires-Dist: click>=8 ; (os_name == 'posix') and extra == "cli"
Requires-Dist: requests>=2
Requires-Dist: rich ; extra == "cli"
Requires-Dist: tomli ; python_version < '3.11'
Project-URL: Source, https://example.com/src
Description-Content-Type: text/x-rst

Modern
======
`,
				"modern-3.1.4.dist-info/entry_points.txt": "[console_scripts]\nmodern=modern:main\n\n[gui_scripts]\nmodern-gui=modern.gui:run\n\n[modern.plugins]\nx=modern.x:X\n\n",
			},
		},
		{
			name: "PEP 621 with dynamic dependencies from tool.poetry",
			files: map[string]string{
				"pyproject.toml": `[project]
name = "hybrid"
dynamic = ["dependencies", "version"]
requires-python = ">=3.10,<4"

[project.optional-dependencies]
upnp = ["miniupnpc"]

[tool.poetry]
version = "0.1.0"

[tool.poetry.dependencies]
aiofiles = ">=24.1.0"
chia_rs = ">=0.47.0, <0.48"
` + poetryBuildSystem,
				"hybrid/__init__.py": "",
			},
			wantFile: "hybrid-0.1.0-py3-none-any.whl",
			wantNames: []string{
				"hybrid/__init__.py",
				"hybrid-0.1.0.dist-info/METADATA",
				"hybrid-0.1.0.dist-info/WHEEL",
				"hybrid-0.1.0.dist-info/RECORD",
			},
			wantFiles: map[string]string{
				"hybrid-0.1.0.dist-info/METADATA": `Metadata-Version: 2.3
Name: hybrid
Version: 0.1.0
Summary: 
Requires-Python: >=3.10,<4
Provides-Extra: upnp
Requires-Dist: aiofiles (>=24.1.0)
Requires-Dist: chia_rs (>=0.47.0,<0.48)
Requires-Dist: miniupnpc ; extra == "upnp"
`,
			},
		},
		{
			name: "stub-only package and no build-system table",
			files: map[string]string{
				"pyproject.toml": `[tool.poetry]
name = "foo-stubs"
version = "1.0.0"
description = "d"
authors = []
packages = [{ include = "foo-stubs" }]
`,
				"foo-stubs/__init__.pyi": "",
				"foo-stubs/py.typed":     "",
			},
			wantFile: "foo_stubs-1.0.0-py3-none-any.whl",
			wantNames: []string{
				"foo-stubs/__init__.pyi",
				"foo-stubs/py.typed",
				"foo_stubs-1.0.0.dist-info/METADATA",
				"foo_stubs-1.0.0.dist-info/WHEEL",
				"foo_stubs-1.0.0.dist-info/RECORD",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files, tt.exec...)
			res, err := buildDir(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			if res.Filename != tt.wantFile {
				t.Errorf("Filename = %q, want %q", res.Filename, tt.wantFile)
			}
			if res.Size != int64(len(res.Bytes)) {
				t.Errorf("Size = %d, len(Bytes) = %d", res.Size, len(res.Bytes))
			}
			u := readWheel(t, res.Bytes)
			w, err := wheel.Open(bytes.NewReader(res.Bytes), res.Size, res.Filename)
			if err != nil {
				t.Fatalf("canto's installer refuses the wheel: %v", err)
			}
			if err := w.Verify(t.Context()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantNames, u.names); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			for name, want := range tt.wantFiles {
				if diff := cmp.Diff(want, u.files[name]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
			for name, want := range tt.wantModes {
				if got := u.modes[name]; got != want {
					t.Errorf("mode of %s = %v, want %v", name, got, want)
				}
			}
		})
	}
}
