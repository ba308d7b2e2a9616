package pyindex

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"Flask":              "flask",
		"jaraco.classes":     "jaraco-classes",
		"charset_normalizer": "charset-normalizer",
		"Foo__Bar-.baz":      "foo-bar-baz",
		"uWSGI":              "uwsgi",
		"a":                  "a",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := Normalize(in); got != want {
				t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestParseFilename(t *testing.T) {
	good := []struct {
		in   string
		want Dist
	}{
		{"Flask-2.2.2-py3-none-any.whl", Dist{"Flask-2.2.2-py3-none-any.whl", "flask", "2.2.2", Wheel}},
		{"MarkupSafe-2.1.2-cp311-cp311-linux_x86_64.whl", Dist{"MarkupSafe-2.1.2-cp311-cp311-linux_x86_64.whl", "markupsafe", "2.1.2", Wheel}},
		{"jaraco_classes-3.2.1-1-py3-none-any.whl", Dist{"jaraco_classes-3.2.1-1-py3-none-any.whl", "jaraco-classes", "3.2.1", Wheel}},
		{"uwsgi-2.0.21.tar.gz", Dist{"uwsgi-2.0.21.tar.gz", "uwsgi", "2.0.21", Sdist}},
		{"canto-testpkg-1.1.0.tar.gz", Dist{"canto-testpkg-1.1.0.tar.gz", "canto-testpkg", "1.1.0", Sdist}},
		{"old_pkg-0.1.zip", Dist{"old_pkg-0.1.zip", "old-pkg", "0.1", Sdist}},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFilename(tt.in)
			if err != nil {
				t.Fatalf("ParseFilename(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilename(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	bad := []struct {
		in, wantErr string
	}{
		{"MANIFEST.tsv", `parsing "MANIFEST.tsv": not a wheel or sdist`},
		{"../etc/passwd.whl", `parsing "../etc/passwd.whl": not a wheel or sdist`},
		{".hidden-1.0.tar.gz", `parsing ".hidden-1.0.tar.gz": not a wheel or sdist`},
		{"a/b-1.0.tar.gz", `parsing "a/b-1.0.tar.gz": not a wheel or sdist`},
		{"foo-1.0.whl", `parsing wheel name "foo-1.0.whl": want 5 or 6 dash-separated parts, got 2`},
		{"foo-1.0--none-any.whl", `parsing wheel name "foo-1.0--none-any.whl": empty part`},
		{"fo!o-1.0-py3-none-any.whl", `parsing wheel name "fo!o-1.0-py3-none-any.whl": invalid project name "fo!o"`},
		{"foo.tar.gz", `parsing sdist name "foo.tar.gz": want {name}-{version}.tar.gz`},
		{"foo-.tar.gz", `parsing sdist name "foo-.tar.gz": want {name}-{version}.tar.gz`},
		{"foo-bar.tar.gz", `parsing sdist name "foo-bar.tar.gz": version "bar" does not start with a digit`},
		{"-1.0.tar.gz", `parsing sdist name "-1.0.tar.gz": want {name}-{version}.tar.gz`},
		{"foo_-1.0.zip", `parsing sdist name "foo_-1.0.zip": invalid project name "foo_"`},
	}
	for _, tt := range bad {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseFilename(tt.in)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseFilename(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestRequiresPython(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Metadata-Version: 2.1\nName: x\nRequires-Python: >=3.7\n", ">=3.7"},
		{"with body", "Name: x\nRequires-Python: >=3.7,<4.0\n\nRequires-Python: >=2\n", ">=3.7,<4.0"},
		{"only in body", "Name: x\n\nRequires-Python: >=2\n", ""},
		{"missing", "Name: x\nVersion: 1\n", ""},
		{"case", "name: x\nrequires-python:  >=3.8 \n", ">=3.8"},
		{"continued", "Requires-Python: >=3.7,\n  <4\nName: x\n", ">=3.7, <4"},
		{"crlf", "Name: x\r\nRequires-Python: >=3.6\r\n", ">=3.6"},
		{"first wins", "Requires-Python: >=3.6\nRequires-Python: >=3.9\n", ">=3.6"},
		{"continuation of other field", "Summary: a\n Requires-Python: >=1\nName: x\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RequiresPython([]byte(tt.in)); got != tt.want {
				t.Errorf("RequiresPython(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseFilename(f *testing.F) {
	for _, s := range []string{"Flask-2.2.2-py3-none-any.whl", "uwsgi-2.0.21.tar.gz", "a-1.zip", "-.whl", "x--.tar.gz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseFilename(s)
		if err != nil {
			return
		}
		if d.Filename != s || d.Project == "" || d.Version == "" || d.Project != Normalize(d.Project) {
			t.Errorf("ParseFilename(%q) = %+v", s, d)
		}
		if strings.ContainsAny(d.Filename, "/\\") {
			t.Errorf("ParseFilename(%q) accepted a path", s)
		}
	})
}

func FuzzRequiresPython(f *testing.F) {
	for _, s := range []string{"Requires-Python: >=3.7\n", "a: b\n c\nRequires-Python:\n\t>=3\n\nx", "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := RequiresPython([]byte(s))
		if got != strings.TrimSpace(got) {
			t.Errorf("RequiresPython(%q) = %q: not trimmed", s, got)
		}
	})
}
