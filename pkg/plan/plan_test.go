package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/canto-build/canto/pkg/target"
	"github.com/google/go-cmp/cmp"
)

const testPyproject = `
[tool.poetry]
name = "app"
version = "1.0.0"
description = ""
authors = []

[tool.poetry.dependencies]
python = "^3.9"
flask = "^3.0"
requests = {version = "^2.31", extras = ["socks"]}
pywin = {version = "*", markers = "sys_platform == 'win32'"}
old = {version = "*", python = "<3.10"}
psycopg = {version = "^3.1", optional = true}
tool = {git = "https://example.com/tool.git", rev = "main"}
sibling = {path = "../sibling", develop = true}
native = "^1.0"

[tool.poetry.extras]
postgres = ["psycopg"]

[tool.poetry.group.dev.dependencies]
pytest = "^8"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
sphinx = "*"
`

const testLock = `
[[package]]
name = "flask"
version = "3.0.0"
description = ""
optional = false
python-versions = ">=3.8"
files = [
    {file = "flask-3.0.0-py3-none-any.whl", hash = "sha256:aa"},
    {file = "flask-3.0.0.tar.gz", hash = "sha256:ab"},
]

[package.dependencies]
Werkzeug = ">=3.0.0"
colorama = {version = "*", markers = "platform_system == \"Windows\""}
importlib-metadata = {version = ">=3.6.0", markers = "python_version < \"3.10\""}

[[package]]
name = "werkzeug"
version = "3.0.1"
description = ""
optional = false
python-versions = ">=3.8"
files = [{file = "werkzeug-3.0.1-py3-none-any.whl", hash = "sha256:bb"}]

[[package]]
name = "colorama"
version = "0.4.6"
description = ""
optional = false
python-versions = "*"
files = [{file = "colorama-0.4.6-py2.py3-none-any.whl", hash = "sha256:cc"}]

[[package]]
name = "importlib-metadata"
version = "7.0.0"
description = ""
optional = false
python-versions = ">=3.8"
files = [{file = "importlib_metadata-7.0.0-py3-none-any.whl", hash = "sha256:dd"}]

[[package]]
name = "requests"
version = "2.31.0"
description = ""
optional = false
python-versions = ">=3.7"
files = [{file = "requests-2.31.0-py3-none-any.whl", hash = "sha256:ee"}]

[package.dependencies]
urllib3 = ">=1.21.1,<3"
PySocks = {version = ">=1.5.6,!=1.5.7", optional = true}
chardet = {version = ">=3.0.2,<6", optional = true}

[package.extras]
socks = ["PySocks (>=1.5.6,!=1.5.7)"]
use-chardet-on-py3 = ["chardet (>=3.0.2,<6)"]

[[package]]
name = "urllib3"
version = "1.26.18"
description = ""
optional = false
python-versions = ">=2.7"
files = [{file = "urllib3-1.26.18-py2.py3-none-any.whl", hash = "sha256:f1"}]

[[package]]
name = "urllib3"
version = "2.1.0"
description = ""
optional = false
python-versions = ">=3.8"
files = [{file = "urllib3-2.1.0-py3-none-any.whl", hash = "sha256:f2"}]

[[package]]
name = "pysocks"
version = "1.7.1"
description = ""
optional = true
python-versions = "*"
files = [{file = "PySocks-1.7.1-py3-none-any.whl", hash = "sha256:99"}]

[[package]]
name = "chardet"
version = "5.2.0"
description = ""
optional = true
python-versions = ">=3.7"
files = [{file = "chardet-5.2.0-py3-none-any.whl", hash = "sha256:98"}]

[[package]]
name = "pywin"
version = "1.0"
description = ""
optional = false
python-versions = "*"
files = [{file = "pywin-1.0-py3-none-win_amd64.whl", hash = "sha256:97"}]

[[package]]
name = "old"
version = "1.0"
description = ""
optional = false
python-versions = "*"
files = [{file = "old-1.0.tar.gz", hash = "sha256:96"}]

[[package]]
name = "psycopg"
version = "3.1.0"
description = ""
optional = true
python-versions = ">=3.7"
files = [{file = "psycopg-3.1.0-py3-none-any.whl", hash = "sha256:95"}]

[[package]]
name = "tool"
version = "0.1.0"
description = ""
optional = false
python-versions = "*"
files = []
develop = false

[package.source]
type = "git"
url = "https://example.com/tool.git"
reference = "main"
resolved_reference = "0123456789abcdef"

[[package]]
name = "sibling"
version = "0.2.0"
description = ""
optional = false
python-versions = "*"
files = []
develop = true

[package.source]
type = "directory"
url = "../sibling"

[[package]]
name = "native"
version = "1.2.0"
description = ""
optional = false
python-versions = ">=3.9"
files = [
    {file = "native-1.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:71"},
    {file = "native-1.2.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", hash = "sha256:72"},
    {file = "native-1.2.0-cp311-cp311-musllinux_1_1_x86_64.whl", hash = "sha256:73"},
    {file = "native-1.2.0.tar.gz", hash = "sha256:74"},
]

[package.source]
type = "legacy"
url = "https://pypi.example.com/simple"
reference = "private"

[[package]]
name = "pytest"
version = "8.0.0"
description = ""
optional = false
python-versions = ">=3.8"
files = [{file = "pytest-8.0.0-py3-none-any.whl", hash = "sha256:80"}]

[[package]]
name = "sphinx"
version = "7.0.0"
description = ""
optional = false
python-versions = ">=3.8"
files = [{file = "sphinx-7.0.0-py3-none-any.whl", hash = "sha256:81"}]

[metadata]
lock-version = "2.0"
python-versions = "^3.9"
content-hash = "x"
`

func load(t *testing.T, pyprojectText, lockText string) (*pyproject.Project, *lock.Lock) {
	t.Helper()
	p, err := pyproject.Parse([]byte(pyprojectText), "pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lock.Parse([]byte(lockText), "poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	return p, l
}

func mustTarget(t *testing.T, platform, python, libc string) target.Target {
	t.Helper()
	tg, err := target.Parse(platform, python, libc)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// summary renders a plan as "name version kind file" lines.
func summary(p *Plan) []string {
	var out []string
	for _, pkg := range p.Packages {
		what := pkg.Artifact.Filename
		if what == "" {
			what = pkg.Artifact.URL
		}
		out = append(out, strings.Join([]string{pkg.Name, pkg.Version, string(pkg.Artifact.Kind), what}, " "))
	}
	return out
}

func TestMake(t *testing.T) {
	p, l := load(t, testPyproject, testLock)
	tests := []struct {
		name                   string
		platform, python, libc string
		only, with, without    []string
		extras                 []string
		want                   []string
	}{{
		name:     "main on glibc x86_64 py3.11",
		platform: "linux/amd64", python: "3.11", libc: "glibc-2.36",
		want: []string{
			"flask 3.0.0 wheel flask-3.0.0-py3-none-any.whl",
			"native 1.2.0 wheel native-1.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
			"pysocks 1.7.1 wheel PySocks-1.7.1-py3-none-any.whl",
			"requests 2.31.0 wheel requests-2.31.0-py3-none-any.whl",
			"sibling 0.2.0 directory ../sibling",
			"tool 0.1.0 git git+https://example.com/tool.git@0123456789abcdef",
			"urllib3 2.1.0 wheel urllib3-2.1.0-py3-none-any.whl",
			"werkzeug 3.0.1 wheel werkzeug-3.0.1-py3-none-any.whl",
		},
	}, {
		name:     "aarch64 picks its wheel",
		platform: "linux/arm64", python: "3.11", libc: "glibc-2.31",
		only: []string{"main"},
		want: []string{
			"flask 3.0.0 wheel flask-3.0.0-py3-none-any.whl",
			"native 1.2.0 wheel native-1.2.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
			"pysocks 1.7.1 wheel PySocks-1.7.1-py3-none-any.whl",
			"requests 2.31.0 wheel requests-2.31.0-py3-none-any.whl",
			"sibling 0.2.0 directory ../sibling",
			"tool 0.1.0 git git+https://example.com/tool.git@0123456789abcdef",
			"urllib3 2.1.0 wheel urllib3-2.1.0-py3-none-any.whl",
			"werkzeug 3.0.1 wheel werkzeug-3.0.1-py3-none-any.whl",
		},
	}, {
		name:     "musl and python 3.9 with dev, docs and an extra",
		platform: "linux/amd64", python: "3.9", libc: "musl-1.2",
		with: []string{"dev", "docs"}, extras: []string{"postgres"},
		want: []string{
			"flask 3.0.0 wheel flask-3.0.0-py3-none-any.whl",
			"importlib-metadata 7.0.0 wheel importlib_metadata-7.0.0-py3-none-any.whl",
			// cp311 wheels do not fit cp39: the sdist is the way.
			"native 1.2.0 sdist native-1.2.0.tar.gz",
			"old 1.0 sdist old-1.0.tar.gz",
			"psycopg 3.1.0 wheel psycopg-3.1.0-py3-none-any.whl",
			"pysocks 1.7.1 wheel PySocks-1.7.1-py3-none-any.whl",
			"pytest 8.0.0 wheel pytest-8.0.0-py3-none-any.whl",
			"requests 2.31.0 wheel requests-2.31.0-py3-none-any.whl",
			"sibling 0.2.0 directory ../sibling",
			"sphinx 7.0.0 wheel sphinx-7.0.0-py3-none-any.whl",
			"tool 0.1.0 git git+https://example.com/tool.git@0123456789abcdef",
			"urllib3 2.1.0 wheel urllib3-2.1.0-py3-none-any.whl",
			"werkzeug 3.0.1 wheel werkzeug-3.0.1-py3-none-any.whl",
		},
	}, {
		name:     "only dev",
		platform: "linux/amd64", python: "3.11", libc: "glibc-2.36",
		only: []string{"dev"},
		want: []string{"pytest 8.0.0 wheel pytest-8.0.0-py3-none-any.whl"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups, err := SelectGroups(p, tt.only, tt.with, tt.without)
			if err != nil {
				t.Fatal(err)
			}
			pl, err := Make(Request{Project: p, Lock: l, Target: mustTarget(t, tt.platform, tt.python, tt.libc), Groups: groups, Extras: tt.extras})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summary(pl)); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestArtifactDetails(t *testing.T) {
	p, l := load(t, testPyproject, testLock)
	pl, err := Make(Request{Project: p, Lock: l, Target: mustTarget(t, "linux/amd64", "3.11", "glibc-2.36"), Groups: []string{"main"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Artifact{}
	extras := map[string][]string{}
	for _, pkg := range pl.Packages {
		got[pkg.Name] = pkg.Artifact
		extras[pkg.Name] = pkg.Extras
	}
	want := Artifact{Kind: KindWheel, Filename: "native-1.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", SHA256: "71", Index: "https://pypi.example.com/simple", IndexName: "private"}
	if diff := cmp.Diff(want, got["native"]); diff != "" {
		t.Errorf("native (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"socks"}, extras["requests"]); diff != "" {
		t.Errorf("requests extras (-want +got):\n%s", diff)
	}
}

func TestExplain(t *testing.T) {
	p, l := load(t, testPyproject, testLock)
	pl, err := Make(Request{Project: p, Lock: l, Target: mustTarget(t, "linux/amd64", "3.11", "glibc-2.36"), Groups: []string{"main"}})
	if err != nil {
		t.Fatal(err)
	}
	ex := pl.Explain("Colorama")
	if ex.Package != nil {
		t.Fatal("colorama is planned")
	}
	wantSkipped := []string{`flask 3.0.0: marker "platform_system == \"Windows\"" is false for the target`}
	if diff := cmp.Diff(wantSkipped, ex.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	ex = pl.Explain("chardet")
	if diff := cmp.Diff([]string{"requests 2.31.0: optional, and no active extra of requests enables it"}, ex.Skipped); diff != "" {
		t.Errorf("chardet skipped (-want +got):\n%s", diff)
	}
	ex = pl.Explain("psycopg")
	if diff := cmp.Diff([]string{"group main: optional, and no selected extra of the project enables it"}, ex.Skipped); diff != "" {
		t.Errorf("psycopg skipped (-want +got):\n%s", diff)
	}
	ex = pl.Explain("old")
	if diff := cmp.Diff([]string{`group main: python "<3.10" excludes the target's Python 3.11.0`}, ex.Skipped); diff != "" {
		t.Errorf("old skipped (-want +got):\n%s", diff)
	}
	ex = pl.Explain("native")
	if ex.Package == nil || diff(ex.RequiredBy, []string{"group main"}) {
		t.Fatalf("native: %+v", ex)
	}
	var chosen []string
	for _, f := range ex.Locked[0].Files {
		if f.Chosen {
			chosen = append(chosen, f.Filename)
		}
		if f.Verdict == "" {
			t.Errorf("%s has no verdict", f.Filename)
		}
	}
	if diff := cmp.Diff([]string{"native-1.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"}, chosen); diff != "" {
		t.Errorf("chosen (-want +got):\n%s", diff)
	}
	ex = pl.Explain("werkzeug")
	if diff := cmp.Diff([]string{"flask 3.0.0"}, ex.RequiredBy); diff != "" {
		t.Errorf("werkzeug required by (-want +got):\n%s", diff)
	}
}

func diff(a, b []string) bool { return cmp.Diff(a, b) != "" }

func TestMakeErrors(t *testing.T) {
	tests := []struct {
		name                   string
		platform, python, libc string
		groups, extras         []string
		mutate                 func(*lock.Lock)
		want                   string
		wantType               any
	}{{
		name:     "python outside the project's range",
		platform: "linux/amd64", python: "3.8", libc: "glibc-2.36", groups: []string{"main"},
		want: "pyproject.toml: the project requires python ^3.9, but the target has Python 3.8\nhint: choose a base image or --python that satisfies ^3.9",
	}, {
		name:     "no compatible file",
		platform: "linux/s390x", python: "3.11", libc: "glibc-2.36", groups: []string{"main"},
		mutate: func(l *lock.Lock) {
			for i := range l.Packages {
				if l.Packages[i].Name == "native" {
					l.Packages[i].Files = l.Packages[i].Files[:3]
				}
			}
		},
		want: "no file of native 1.2.0 fits linux/s390x python3.11 glibc-2.36: closest is native-1.2.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl: built for aarch64, target is linux/s390x\nhint: pick a target that one of its wheels supports (see `canto plan --explain native`), or lock a version that publishes a wheel or an sdist for it",
	}, {
		name:     "unknown extra",
		platform: "linux/amd64", python: "3.11", libc: "glibc-2.36", groups: []string{"main"}, extras: []string{"mysql"},
		want: `pyproject.toml: no extra "mysql" (extras: postgres)`,
	}, {
		name:     "dependency missing from the lock",
		platform: "linux/amd64", python: "3.11", libc: "glibc-2.36", groups: []string{"main"},
		mutate: func(l *lock.Lock) {
			for i := range l.Packages {
				if l.Packages[i].Name == "werkzeug" {
					l.Packages[i].Name = "werkzeug-renamed"
				}
			}
		},
		want: "poetry.lock: flask 3.0.0 requires \"werkzeug\" with version >=3.0.0, which is not locked\nhint: the lock does not match the project; run \"poetry lock\"",
	}, {
		name:     "unevaluable marker",
		platform: "linux/amd64", python: "3.11", libc: "glibc-2.36", groups: []string{"main"},
		mutate: func(l *lock.Lock) {
			for i := range l.Packages {
				if l.Packages[i].Name == "flask" {
					l.Packages[i].Dependencies["colorama"][0].Markers = `platform_machin == "x86_64"`
				}
			}
		},
		want: "poetry.lock: dependency \"colorama\" of flask 3.0.0: ",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p2, l2 := load(t, testPyproject, testLock)
			if tt.mutate != nil {
				tt.mutate(l2)
			}
			_, err := Make(Request{Project: p2, Lock: l2, Target: mustTarget(t, tt.platform, tt.python, tt.libc), Groups: tt.groups, Extras: tt.extras})
			if err == nil {
				t.Fatal("no error")
			}
			if strings.HasSuffix(tt.want, ": ") {
				if !strings.HasPrefix(err.Error(), tt.want) {
					t.Errorf("error = %q, want prefix %q", err, tt.want)
				}
				return
			}
			if err.Error() != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestNoCompatibleFileIsTyped(t *testing.T) {
	_, l := load(t, testPyproject, testLock)
	var native *lock.Package
	for i := range l.Packages {
		if l.Packages[i].Name == "native" {
			native = &l.Packages[i]
			native.Files = native.Files[:1]
		}
	}
	_, err := chooseArtifact(native, mustTarget(t, "linux/arm64", "3.11", "glibc-2.36"), l)
	var nc *NoCompatibleFileError
	var inc *target.IncompatibleError
	if !errors.As(err, &nc) || !errors.As(err, &inc) {
		t.Fatalf("error %v (%T) is not a NoCompatibleFileError wrapping an IncompatibleError", err, err)
	}
	if nc.Package != "native" || nc.Version != "1.2.0" || inc.Closest != native.Files[0].Name {
		t.Errorf("error fields: %+v / %+v", nc, inc)
	}
}

func TestSelectGroups(t *testing.T) {
	p, _ := load(t, testPyproject, testLock)
	tests := []struct {
		only, with, without []string
		want                []string
		wantErr             string
	}{
		{want: []string{"main"}},
		{with: []string{"dev"}, want: []string{"main", "dev"}},
		{with: []string{"Docs", "dev"}, want: []string{"main", "dev", "docs"}},
		{with: []string{"dev"}, without: []string{"main"}, want: []string{"dev"}},
		{only: []string{"docs"}, want: []string{"docs"}},
		{only: []string{"docs"}, with: []string{"dev"}, wantErr: "--only cannot be combined with --with or --without"},
		{with: []string{"test"}, wantErr: `pyproject.toml: no dependency group "test" (groups: main, dev, docs)`},
	}
	for _, tt := range tests {
		got, err := SelectGroups(p, tt.only, tt.with, tt.without)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("SelectGroups(%v,%v,%v) error = %v, want %q", tt.only, tt.with, tt.without, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("SelectGroups(%v,%v,%v) (-want +got):\n%s", tt.only, tt.with, tt.without, diff)
		}
	}
}

func targetFor(platform, python, libc string) (target.Target, error) {
	return target.Parse(platform, python, libc)
}
