package pyproject

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var ignoreRaw = cmpopts.IgnoreFields(Project{}, "Raw", "doc")

const poetryFull = `[tool.poetry]
name = "svc"
version = "1.2.3"
description = "A service"
authors = ["Ann <ann@example.org>"]
license = "MIT"
readme = ["README.md", "CHANGES.md"]
packages = [{ include = "svc", from = "src" }, { include = "extra", format = ["sdist"], to = "x" }]
include = ["CHANGELOG.md", { path = "data/*.json", format = "wheel" }]
exclude = ["tests"]

[tool.poetry.dependencies]
python = ">=3.9,<4"
requests = "^2.31"
numpy = [
  { version = "<2", python = "<3.10" },
  { version = ">=2", python = ">=3.10", markers = "sys_platform != 'win32'" },
]
mylib = { git = "https://github.com/o/mylib.git", branch = "dev", subdirectory = "py" }
local = { path = "../local", develop = true }
wheelie = { url = "https://example.org/wheelie-1.0-py3-none-any.whl", optional = true }
priv = { version = "*", source = "internal", extras = ["a", "b"], platform = "linux", allow-prereleases = true }

[tool.poetry.dev-dependencies]
black = "^24"

[tool.poetry.group.dev.dependencies]
ruff = "*"

[tool.poetry.group.docs]
optional = true
include-groups = ["dev"]

[tool.poetry.group.docs.dependencies]
mkdocs = "^1"

[tool.poetry.extras]
download = ["wheelie"]

[[tool.poetry.source]]
name = "internal"
url = "https://pypi.example/simple"
priority = "Explicit"

[[tool.poetry.source]]
name = "old-default"
url = "https://old.example/simple"
default = true

[[tool.poetry.source]]
name = "old-secondary"
url = "https://old2.example/simple"
secondary = true

[[tool.poetry.source]]
name = "PyPI"
priority = "primary"

[tool.poetry.scripts]
svc = "svc.cli:main"
helper = { reference = "bin/helper.sh", type = "file" }
legacy = { callable = "svc.legacy:run", extras = ["download"] }

[tool.poetry.plugins."svc.plugins"]
base = "svc.plugins:Base"

[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"

[tool.canto]
base = "python:3.12-slim"
groups = ["main"]
`

const pep621Full = `[project]
name = "modern"
version = "0.1.0"
description = "PEP 621 project"
readme = { file = "README.rst", content-type = "text/x-rst" }
requires-python = ">=3.10"
license = { file = "LICENSE" }
authors = [{ name = "Bo", email = "bo@example.org" }, { email = "x@example.org" }, { name = "Cy" }]
dynamic = ["classifiers"]
dependencies = [
  "requests[socks,security] (>=2.31,<3) ; python_version >= '3.10'",
  "pkg @ https://example.org/pkg-1.0.tar.gz ; sys_platform == 'linux'",
  "click",
]

[project.optional-dependencies]
cli = ["rich>=13", "typer"]

[project.scripts]
modern = "modern.cli:app"

[project.gui-scripts]
modern-gui = "modern.gui:main"

[project.entry-points."modern.hooks"]
one = "modern.hooks:one"

[dependency-groups]
test = ["pytest>=8", { include-group = "lint" }]
lint = ["ruff"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
python = ">=3.10,<3.13"
requests = { source = "internal" }

[tool.poetry.group.test]
optional = true
`

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *Project
	}{
		{"empty", "", &Project{
			File: "pyproject.toml", PackageMode: true,
			Scripts: map[string]Script{}, EntryPoints: map[string]map[string]string{}, Extras: map[string][]string{},
		}},
		{"poetry", poetryFull, &Project{
			File: "pyproject.toml", Name: "svc", Version: "1.2.3", Description: "A service",
			PythonConstraint: ">=3.9,<4",
			Readme:           Readme{Files: []string{"README.md", "CHANGES.md"}},
			Authors:          []string{"Ann <ann@example.org>"},
			License:          License{Expression: "MIT"},
			PackageMode:      true,
			Packages: []PackageInclude{
				{Include: "svc", From: "src"},
				{Include: "extra", To: "x", Format: []string{"sdist"}},
			},
			Include: []Include{{Path: "CHANGELOG.md"}, {Path: "data/*.json", Format: []string{"wheel"}}},
			Exclude: []string{"tests"},
			Scripts: map[string]Script{
				"svc":    {Reference: "svc.cli:main", Type: "console"},
				"helper": {Reference: "bin/helper.sh", Type: "file"},
				"legacy": {Reference: "svc.legacy:run", Type: "console", Extras: []string{"download"}},
			},
			EntryPoints: map[string]map[string]string{"svc.plugins": {"base": "svc.plugins:Base"}},
			Extras:      map[string][]string{"download": {"wheelie"}},
			Groups: []Group{
				{Name: "main", Dependencies: []Dependency{
					{Name: "local", Path: "../local", Develop: true},
					{Name: "mylib", Git: "https://github.com/o/mylib.git", Branch: "dev", Subdirectory: "py"},
					{Name: "numpy", Constraint: "<2", Python: "<3.10"},
					{Name: "numpy", Constraint: ">=2", Python: ">=3.10", Markers: "sys_platform != 'win32'"},
					{Name: "priv", Constraint: "*", Source: "internal", Extras: []string{"a", "b"}, Platform: "linux", AllowPrereleases: true},
					{Name: "requests", Constraint: "^2.31"},
					{Name: "wheelie", URL: "https://example.org/wheelie-1.0-py3-none-any.whl", Optional: true},
				}},
				{Name: "dev", Dependencies: []Dependency{{Name: "black", Constraint: "^24"}, {Name: "ruff", Constraint: "*"}}},
				{Name: "docs", Optional: true, IncludeGroups: []string{"dev"}, Dependencies: []Dependency{{Name: "mkdocs", Constraint: "^1"}}},
			},
			Sources: []Source{
				{Name: "internal", URL: "https://pypi.example/simple", Priority: "explicit"},
				{Name: "old-default", URL: "https://old.example/simple", Priority: "default"},
				{Name: "old-secondary", URL: "https://old2.example/simple", Priority: "secondary"},
				{Name: "PyPI", Priority: "primary"},
			},
			BuildSystem: &BuildSystem{Requires: []string{"poetry-core>=1.0.0"}, Backend: "poetry.core.masonry.api"},
			Canto:       map[string]any{"base": "python:3.12-slim", "groups": []any{"main"}},
		}},
		{"pep 621", pep621Full, &Project{
			File: "pyproject.toml", Name: "modern", Version: "0.1.0", Description: "PEP 621 project",
			PythonConstraint: ">=3.10,<3.13", RequiresPython: ">=3.10",
			Dynamic:     []string{"classifiers"},
			Readme:      Readme{Files: []string{"README.rst"}, ContentType: "text/x-rst"},
			Authors:     []string{"Bo <bo@example.org>", "<x@example.org>", "Cy"},
			License:     License{File: "LICENSE"},
			Scripts:     map[string]Script{"modern": {Reference: "modern.cli:app", Type: "console"}},
			GUIScripts:  map[string]string{"modern-gui": "modern.gui:main"},
			EntryPoints: map[string]map[string]string{"modern.hooks": {"one": "modern.hooks:one"}},
			Extras:      map[string][]string{"cli": {"rich", "typer"}},
			OptionalDependencies: map[string][]Dependency{"cli": {
				{Name: "rich", Constraint: ">=13", PEP508: "rich>=13"},
				{Name: "typer", PEP508: "typer"},
			}},
			Groups: []Group{
				{Name: "main", Dependencies: []Dependency{
					{Name: "requests", Extras: []string{"socks", "security"}, Constraint: ">=2.31,<3", Markers: "python_version >= '3.10'",
						PEP508: "requests[socks,security] (>=2.31,<3) ; python_version >= '3.10'"},
					{Name: "pkg", URL: "https://example.org/pkg-1.0.tar.gz", Markers: "sys_platform == 'linux'",
						PEP508: "pkg @ https://example.org/pkg-1.0.tar.gz ; sys_platform == 'linux'"},
					{Name: "click", PEP508: "click"},
					{Name: "requests", Source: "internal"},
				}},
				{Name: "lint", Dependencies: []Dependency{{Name: "ruff", PEP508: "ruff"}}},
				{Name: "test", Optional: true, IncludeGroups: []string{"lint"}, Dependencies: []Dependency{
					{Name: "pytest", Constraint: ">=8", PEP508: "pytest>=8"},
				}},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.doc), "pyproject.toml")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, ignoreRaw, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			if string(got.Raw) != tt.doc {
				t.Error("Raw does not hold the input")
			}
		})
	}
}

func TestPackageModeFalse(t *testing.T) {
	p, err := Parse([]byte(pep621Full), "pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	if p.PackageMode {
		t.Error("PackageMode = true, want false")
	}
	if g := p.Group("TEST"); g == nil || g.Name != "test" {
		t.Errorf("Group(%q) = %v, want the test group", "TEST", g)
	}
	if g := p.Group("absent"); g != nil {
		t.Errorf("Group(%q) = %v, want nil", "absent", g)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"syntax", "[tool.poetry]\nname = \"x\"\nversion = 1.2.3\n",
			"pyproject.toml:3:14: expected newline but got U+002E '.'\nhint: " + syntaxHint},
		{"duplicate table", "[project]\nname = \"a\"\n[project]\n",
			"pyproject.toml:3:2: table project already exists\nhint: " + syntaxHint},
		{"project not a table", "project = 3\n",
			"pyproject.toml: project: expected a table, got integer\nhint: correct project in pyproject.toml"},
		{"dependency wrong type", "[tool.poetry.dependencies]\nrequests = 2\n",
			"pyproject.toml: tool.poetry.dependencies.requests: expected a version string, a table or an array of tables, got integer\nhint: correct tool.poetry.dependencies.requests in pyproject.toml"},
		{"dependency key quoted", "[tool.poetry.dependencies]\n\"zope.interface\" = { version = 5 }\n",
			"pyproject.toml: tool.poetry.dependencies.\"zope.interface\".version: expected a string, got integer\nhint: correct tool.poetry.dependencies.\"zope.interface\".version in pyproject.toml"},
		{"multi-constraint element", "[tool.poetry.group.dev.dependencies]\nnumpy = [{ version = \"<2\" }, \"2\"]\n",
			"pyproject.toml: tool.poetry.group.dev.dependencies.numpy[1]: expected a table, got string\nhint: correct tool.poetry.group.dev.dependencies.numpy[1] in pyproject.toml"},
		{"empty multi-constraint", "[tool.poetry.dependencies]\nnumpy = []\n",
			"pyproject.toml: tool.poetry.dependencies.numpy: empty array of constraints\nhint: correct tool.poetry.dependencies.numpy in pyproject.toml"},
		{"optional not bool", "[tool.poetry.group.docs]\noptional = \"yes\"\n",
			"pyproject.toml: tool.poetry.group.docs.optional: expected a boolean, got string\nhint: correct tool.poetry.group.docs.optional in pyproject.toml"},
		{"project dependencies not array", "[project]\ndependencies = \"requests\"\n",
			"pyproject.toml: project.dependencies: expected an array of strings, got string\nhint: correct project.dependencies in pyproject.toml"},
		{"bad requirement", "[project]\ndependencies = [\"requests\", \">=2\"]\n",
			"pyproject.toml: project.dependencies[1]: \">=2\": not a PEP 508 requirement: it must start with a distribution name\n" +
				"hint: write a PEP 508 requirement such as \"requests[socks] >=2.31 ; python_version >= '3.8'\""},
		{"bad priority", "[[tool.poetry.source]]\nname = \"x\"\nurl = \"https://x\"\npriority = \"first\"\n",
			"pyproject.toml: tool.poetry.source[0].priority: unknown priority \"first\"\nhint: use one of primary, supplemental, explicit"},
		{"source without name", "[[tool.poetry.source]]\nurl = \"https://x\"\n",
			"pyproject.toml: tool.poetry.source[0].name: missing: every source needs a name\nhint: correct tool.poetry.source[0].name in pyproject.toml"},
		{"bad script type", "[tool.poetry.scripts]\nx = { reference = \"a:b\", type = \"gui\" }\n",
			"pyproject.toml: tool.poetry.scripts.x.type: unknown script type \"gui\"\nhint: use type = \"console\" or type = \"file\""},
		{"package without include", "[tool.poetry]\npackages = [{ from = \"src\" }]\n",
			"pyproject.toml: tool.poetry.packages[0].include: missing: every packages entry needs include\nhint: correct tool.poetry.packages[0].include in pyproject.toml"},
		{"build-system requires", "[build-system]\nrequires = [\"a\", 1]\n",
			"pyproject.toml: build-system.requires[1]: expected a string, got integer\nhint: correct build-system.requires[1] in pyproject.toml"},
		{"dependency group element", "[dependency-groups]\ndev = [{ include = \"x\" }]\n",
			"pyproject.toml: dependency-groups.dev[0]: expected a requirement string or {include-group = \"name\"}\nhint: correct dependency-groups.dev[0] in pyproject.toml"},
		{"canto not a table", "[tool]\ncanto = [1]\n",
			"pyproject.toml: tool.canto: expected a table, got array\nhint: correct tool.canto in pyproject.toml"},
		{"entry point group", "[project.entry-points]\nx = \"y\"\n",
			"pyproject.toml: project.entry-points.x: expected a table, got string\nhint: correct project.entry-points.x in pyproject.toml"},
		{"readme", "[project]\nreadme = 3\n",
			"pyproject.toml: project.readme: expected a string or a table, got integer\nhint: correct project.readme in pyproject.toml"},
		{"datetime type name", "[tool.poetry]\nname = 1979-05-27T07:32:00Z\n",
			"pyproject.toml: tool.poetry.name: expected a string, got datetime\nhint: correct tool.poetry.name in pyproject.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), "pyproject.toml")
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", got, tt.want)
			}
			var se *SyntaxError
			var fe *FieldError
			if !errors.As(err, &se) && !errors.As(err, &fe) {
				t.Errorf("error %T is neither *SyntaxError nor *FieldError", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pyproject.toml")
	if err := os.WriteFile(path, []byte("[tool.poetry]\nname = \"x\"\nversion = \"1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "x" || p.File != path {
		t.Errorf("Load = {Name: %q, File: %q}", p.Name, p.File)
	}
	_, err = Load(filepath.Join(dir, "missing.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want os.ErrNotExist", err)
	}
}

func TestSplitRequirement(t *testing.T) {
	tests := []struct {
		in      string
		want    Dependency
		wantErr string
	}{
		{in: "requests", want: Dependency{Name: "requests"}},
		{in: "  Requests_Extra.x >=2.0, <3", want: Dependency{Name: "Requests_Extra.x", Constraint: ">=2.0, <3"}},
		{in: "a[b, c ,]==1", want: Dependency{Name: "a", Extras: []string{"b", "c"}, Constraint: "==1"}},
		{in: "a (>=1) ; python_version < '3.9'", want: Dependency{Name: "a", Constraint: ">=1", Markers: "python_version < '3.9'"}},
		{in: "a;os_name=='nt'", want: Dependency{Name: "a", Markers: "os_name=='nt'"}},
		{in: "a @ https://x/a.whl;b", want: Dependency{Name: "a", URL: "https://x/a.whl;b"}},
		{in: "a @ https://x/a.whl ; extra == 'x'", want: Dependency{Name: "a", URL: "https://x/a.whl", Markers: "extra == 'x'"}},
		{in: "a[x]@git+https://g/a.git@v1", want: Dependency{Name: "a", Extras: []string{"x"}, URL: "git+https://g/a.git@v1"}},
		{in: "", wantErr: `"": not a PEP 508 requirement: it must start with a distribution name`},
		{in: "-a", wantErr: `"-a": invalid distribution name "-a"`},
		{in: "a[b", wantErr: `"a[b": unclosed extras bracket`},
		{in: "a (>=1", wantErr: `"a (>=1": unclosed parenthesis in version specifier`},
		{in: "a @ ", wantErr: `"a @ ": empty URL after @`},
		{in: "a >=1;", wantErr: `"a >=1;": empty marker after ';'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := splitRequirement(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.PEP508 = tt.in
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
