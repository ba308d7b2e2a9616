package projectwheel

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/pep508"
	"github.com/canto-build/canto/pkg/pyproject"
)

func TestSpecifiers(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "*", want: ""},
		{in: "", want: ""},
		{in: "^1.2", want: ">=1.2,<2.0"},
		{in: "^0.2.3", want: ">=0.2.3,<0.3.0"},
		{in: "^0.0.3", want: ">=0.0.3,<0.0.4"},
		{in: "~1.2", want: ">=1.2,<1.3"},
		{in: "~1", want: ">=1,<2"},
		{in: "~=1.2", want: ">=1.2,<2.0"},
		{in: "1.2.3", want: "==1.2.3"},
		{in: "==1.2.3", want: "==1.2.3"},
		{in: "1.*", want: "==1.*"},
		{in: ">=1.0, !=1.5, <2", want: ">=1.0,!=1.5,<2"},
		{in: "^1 || ^3", wantErr: `constraint "^1 || ^3" is a union, which a PEP 440 specifier set cannot express`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := specifiers(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("specifiers(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got != "" {
				if _, err := pep440.ParseSpecifiers(got); err != nil {
					t.Errorf("%q is not a PEP 440 specifier set: %v", got, err)
				}
			}
		})
	}
}

func TestPythonMarker(t *testing.T) {
	tests := []struct{ in, want string }{
		{"^3.8", `python_version >= "3.8" and python_version < "4.0"`},
		{">=3.8.1", `python_full_version >= "3.8.1"`},
		{"3.9.2", `python_full_version == "3.9.2"`},
		{"3.9", `python_version == "3.9"`},
		{">3.6", `python_full_version > "3.6.0"`},
		{"<=3.10", `python_full_version <= "3.10.0"`},
		{"3.8.*", `python_version >= "3.8" and python_version < "3.9"`},
		{"!=3.8.*", `python_version < "3.8" or python_version >= "3.9"`},
		{">=3.7,!=3.8.*", `python_version >= "3.7" and (python_version < "3.8" or python_version >= "3.9")`},
		{"~2.7 || ^3.6", `(python_version >= "2.7" and python_version < "2.8") or (python_version >= "3.6" and python_version < "4.0")`},
		{"*", ``},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := pythonMarker(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("pythonMarker(%q) =\n%s\nwant\n%s", tt.in, got, tt.want)
			}
			if got != "" {
				if _, err := pep508.ParseMarker(got); err != nil {
					t.Errorf("not a PEP 508 marker: %v", err)
				}
			}
		})
	}
}

func TestRequiresPython(t *testing.T) {
	tests := []struct{ pep621, poetry, want string }{
		{"", "", ""},
		{">=3.9", "^3.11", ">=3.9"},
		{"", "^3.11", ">=3.11,<4.0"},
		{"", "3.8", ">=3.8,<3.9"},
		{"", "3", ">=3.0,<4.0"},
		{"", "3.8.1", "==3.8.1"},
		{"", "*", ""},
		{"", ">=3.8,<3.13", ">=3.8,<3.13"},
		{"", "~2.7 || ^3.6", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*"},
	}
	for _, tt := range tests {
		t.Run(tt.pep621+"|"+tt.poetry, func(t *testing.T) {
			got, err := requiresPython(tt.pep621, tt.poetry)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("requiresPython(%q, %q) = %q, want %q", tt.pep621, tt.poetry, got, tt.want)
			}
		})
	}
}

func TestPlatformAndGit(t *testing.T) {
	for in, want := range map[string]string{
		"linux":           `sys_platform == "linux"`,
		"!win32":          `sys_platform != "win32"`,
		"linux || darwin": `sys_platform == "linux" or sys_platform == "darwin"`,
	} {
		if got := platformMarker(in); got != want {
			t.Errorf("platformMarker(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://github.com/o/r.git":  "https://github.com/o/r.git",
		"git@github.com:o/r.git":      "ssh://git@github.com/o/r.git",
		"ssh://git@host:2222/o/r.git": "ssh://git@host:2222/o/r.git",
		"host.example.com:team/r.git": "ssh://host.example.com/team/r.git",
		"file:///srv/git/r.git":       "file:///srv/git/r.git",
	} {
		if got := gitURL(in); got != want {
			t.Errorf("gitURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPathDependency(t *testing.T) {
	b := &builder{dir: "/work/proj", p: &pyproject.Project{}}
	got, err := b.poetryRequirement(pyproject.Dependency{Name: "lib", Path: "../lib", Develop: true, Extras: []string{"x"}, Python: ">=3.9"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `lib[x] ; python_version >= "3.9"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCorpusMetadata converts the dependencies and Python constraint of
// every real pyproject.toml in the shared corpus and checks that each line
// is a valid PEP 508 requirement and the Requires-Python a valid PEP 440
// specifier set. Projects whose constraints cannot be written (unions) must
// fail with a *ConfigError, never produce an invalid line.
func TestCorpusMetadata(t *testing.T) {
	root := "../../../shared/corpus/poetry-locks"
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("corpus not present: %v", err)
	}
	checked := 0
	for _, e := range entries {
		path := filepath.Join(root, e.Name(), "pyproject.toml")
		p, err := pyproject.Load(path)
		if err != nil {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			b := &builder{dir: filepath.Dir(path), p: p}
			reqs, extras, err := b.requiresDist()
			if err != nil {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("error is %T: %v", err, err)
				}
				t.Logf("not expressible: %v", err)
				return
			}
			for _, r := range reqs {
				if _, err := pep508.ParseRequirement(r); err != nil {
					t.Errorf("Requires-Dist %q: %v", r, err)
				}
			}
			for _, x := range extras {
				if x == "" {
					t.Error("empty extra")
				}
			}
			rp, err := requiresPython(p.RequiresPython, p.PythonConstraint)
			if err != nil {
				t.Fatalf("Requires-Python: %v", err)
			}
			if rp != "" {
				if _, err := pep440.ParseSpecifiers(rp); err != nil {
					t.Errorf("Requires-Python %q: %v", rp, err)
				}
			}
			checked++
		})
	}
	if checked < 50 {
		t.Errorf("checked only %d corpus projects", checked)
	}
}
