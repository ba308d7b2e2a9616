package tomltree

import (
	"errors"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

func TestPaths(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Join("tool.poetry", "dependencies"), "tool.poetry.dependencies"},
		{Join("tool.poetry.dependencies", "zope.interface"), `tool.poetry.dependencies."zope.interface"`},
		{Index("package", 3), "package[3]"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestTreeKeepsFirstError(t *testing.T) {
	tr := &Tree{File: "pyproject.toml"}
	doc := map[string]any{"name": int64(3), "version": true}
	if got := tr.Str(doc, "name", "tool.poetry.name"); got != "" {
		t.Errorf("Str = %q", got)
	}
	tr.Str(doc, "version", "tool.poetry.version")
	want := "pyproject.toml: tool.poetry.name: expected a string, got integer\nhint: correct tool.poetry.name in pyproject.toml"
	if tr.Err == nil || tr.Err.Error() != want {
		t.Errorf("Err = %v, want %q", tr.Err, want)
	}
}

func TestNewSyntaxError(t *testing.T) {
	var v map[string]any
	err := toml.Unmarshal([]byte("a = 1\nb = \n"), &v)
	got := NewSyntaxError("x.toml", err, "fix it")
	var se *SyntaxError
	if !errors.As(got, &se) || se.Line != 2 || se.File != "x.toml" || se.Hint != "fix it" {
		t.Fatalf("got %#v", got)
	}
}
