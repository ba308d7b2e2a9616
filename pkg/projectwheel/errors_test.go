package projectwheel

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildErrors(t *testing.T) {
	const head = "[tool.poetry]\nname = \"proj\"\nversion = \"1.0.0\"\ndescription = \"d\"\nauthors = []\n"
	tests := []struct {
		name  string
		files map[string]string
		// wantErr is the error text after "building wheel of <dir>: <dir>/pyproject.toml: ".
		wantErr     string
		wantType    any // a pointer to the typed error expected
		wantPackage bool
	}{
		{
			name:     "package-mode false",
			files:    map[string]string{"pyproject.toml": "[tool.poetry]\npackage-mode = false\n"},
			wantErr:  "tool.poetry.package-mode is false: the project is not a package and has no wheel",
			wantType: new(*NotAPackageError),
		},
		{
			name: "setuptools backend",
			files: map[string]string{
				"pyproject.toml":   head + "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n",
				"proj/__init__.py": "",
			},
			wantErr:     "build-system.build-backend is \"setuptools.build_meta\", not poetry-core, which canto does not pack itself",
			wantType:    new(*UnsupportedError),
			wantPackage: true,
		},
		{
			name: "build script",
			files: map[string]string{
				"pyproject.toml":   head + "build = \"build.py\"\n" + poetryBuildSystem,
				"proj/__init__.py": "",
			},
			wantErr:     "tool.poetry.build runs a build script, which canto does not pack itself",
			wantType:    new(*UnsupportedError),
			wantPackage: true,
		},
		{
			name: "Cython source",
			files: map[string]string{
				"pyproject.toml":   head + poetryBuildSystem,
				"proj/__init__.py": "",
				"proj/_speed.pyx":  "",
			},
			wantErr:     "tool.poetry.packages: \"proj/_speed.pyx\" is a compiled-extension source, which canto does not pack itself",
			wantType:    new(*UnsupportedError),
			wantPackage: true,
		},
		{
			name:  "no package found",
			files: map[string]string{"pyproject.toml": head, "other/__init__.py": ""},
			wantErr: "tool.poetry.packages: no package or module found for project \"proj\": looked for proj/, proj.py, src/proj/ and src/proj.py\n" +
				"hint: create the package proj/ (or src/proj/), or list the packages to pack in tool.poetry.packages",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name:  "both package and module",
			files: map[string]string{"pyproject.toml": head, "proj/__init__.py": "", "proj.py": ""},
			wantErr: "tool.poetry.packages: both proj/ and proj.py exist\n" +
				"hint: remove one, or list the one to pack in tool.poetry.packages",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "package directory does not exist",
			files: map[string]string{
				"pyproject.toml":   head + "packages = [{ include = \"proj\" }, { include = \"missing\", from = \"src\" }]\n",
				"proj/__init__.py": "", "src/x.py": "",
			},
			wantErr: "tool.poetry.packages[1].include: \"src/missing\" matches nothing\n" +
				"hint: include is a package directory, a module file or a glob, relative to the project directory or to from",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "from directory does not exist",
			files: map[string]string{
				"pyproject.toml":   head + "packages = [{ include = \"proj\", from = \"lib\" }]\n",
				"proj/__init__.py": "",
			},
			wantErr: "tool.poetry.packages[0].from: directory \"lib\" does not exist\n" +
				"hint: from names the directory, relative to pyproject.toml, that holds the package (often \"src\")",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "include matching nothing",
			files: map[string]string{
				"pyproject.toml":   head + "include = [{ path = \"data/*.json\", format = \"wheel\" }]\n",
				"proj/__init__.py": "",
			},
			wantErr: "tool.poetry.include[0]: \"data/*.json\" matches nothing\n" +
				"hint: include paths and globs are relative to the directory of pyproject.toml",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "sdist-only include matching nothing is fine to skip, but a bad package is not",
			files: map[string]string{
				"pyproject.toml":  head + "include = [\"nothing/*\"]\npackages = [{ include = \"proj\" }]\n",
				"proj/README.txt": "no modules",
			},
			wantErr: "tool.poetry.packages[0].include: \"proj\" is not a package: it holds no .py file\n" +
				"hint: a package needs at least one Python module; list data files in tool.poetry.include with format = [\"wheel\"]",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "unimportable auto-detected module",
			files: map[string]string{
				"pyproject.toml":       "[tool.poetry]\nname = \"3d-tools\"\nversion = \"1.0.0\"\n",
				"3d_tools/__init__.py": "",
			},
			wantErr: "tool.poetry.packages: module name \"3d_tools\", derived from the project name \"3d-tools\", is not importable\n" +
				"hint: rename the package to a valid Python identifier and list it in tool.poetry.packages",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "unimportable explicit package",
			files: map[string]string{
				"pyproject.toml":     head + "packages = [{ include = \"my-pkg\" }]\n",
				"my-pkg/__init__.py": "",
			},
			wantErr: "tool.poetry.packages[0].include: \"my-pkg/__init__.py\" would install as the top-level module \"my-pkg\", which is not importable\n" +
				"hint: rename the package or module to a valid Python identifier",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "path outside the project",
			files: map[string]string{
				"pyproject.toml": head + "packages = [{ include = \"proj\", from = \"../elsewhere\" }]\n",
			},
			wantErr: "tool.poetry.packages[0].from: \"../elsewhere\" is not a relative path inside the project\n" +
				"hint: write a slash-separated path relative to the directory of pyproject.toml",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "missing file script",
			files: map[string]string{
				"pyproject.toml":   head + "[tool.poetry.scripts]\nrun = { reference = \"bin/run\", type = \"file\" }\n",
				"proj/__init__.py": "",
			},
			wantErr: "tool.poetry.scripts.run.reference: \"bin/run\" is not a file\n" +
				"hint: a file script's reference is the path of the script, relative to pyproject.toml",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "union constraint",
			files: map[string]string{
				"pyproject.toml":   head + "[tool.poetry.dependencies]\nfoo = \"^1.0 || ^3.0\"\n",
				"proj/__init__.py": "",
			},
			wantErr: "tool.poetry.dependencies.foo: constraint \"^1.0 || ^3.0\" is a union, which a PEP 440 specifier set cannot express\n" +
				"hint: write the constraint as one range, or split it into a multiple-constraints dependency with python or markers",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name: "missing readme",
			files: map[string]string{
				"pyproject.toml":   head + "readme = \"README.md\"\n",
				"proj/__init__.py": "",
			},
			wantErr:     "tool.poetry.readme: reading readme \"README.md\": open README.md: no such file or directory\nhint: the readme path is relative to the directory of pyproject.toml",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
		{
			name:        "bad version",
			files:       map[string]string{"pyproject.toml": "[tool.poetry]\nname = \"proj\"\nversion = \"one\"\n"},
			wantErr:     "tool.poetry.version: parsing version \"one\": expected release number at position 0\nhint: write a PEP 440 version such as \"1.2.3\"",
			wantType:    new(*ConfigError),
			wantPackage: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			p := load(t, dir)
			if got := IsPackage(p); got != tt.wantPackage {
				t.Errorf("IsPackage = %v, want %v", got, tt.wantPackage)
			}
			_, err := buildDir(t, dir)
			if err == nil {
				t.Fatal("no error")
			}
			prefix := "building wheel of \"" + dir + "\": " + filepath.Join(dir, "pyproject.toml") + ": "
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			want := strings.ReplaceAll(prefix+tt.wantErr, dir+string(filepath.Separator), "")
			if got != want {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
			switch target := tt.wantType.(type) {
			case **NotAPackageError:
				if !errors.As(err, target) {
					t.Errorf("error is not a *NotAPackageError: %T", err)
				}
			case **UnsupportedError:
				if !errors.As(err, target) {
					t.Errorf("error is not an *UnsupportedError: %T", err)
				}
			case **ConfigError:
				if !errors.As(err, target) {
					t.Errorf("error is not a *ConfigError: %T", err)
				}
			default:
				t.Fatalf("unknown wantType %T", tt.wantType)
			}
		})
	}
}
