package config

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/google/go-cmp/cmp"
)

func parse(t *testing.T, canto string) (Config, error) {
	t.Helper()
	p, err := pyproject.Parse([]byte("[tool.poetry]\nname = \"x\"\nversion = \"1\"\n\n[tool.canto]\n"+canto), "pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	return FromProject(p)
}

func TestFromProject(t *testing.T) {
	got, err := parse(t, `base = "oci:/tmp/images:slim"
venv = "/srv/venv"
entrypoint = ["gunicorn", "app:app"]
ports = ["8000"]
env = {APP_ENV = "prod"}
with = ["web"]
all-extras = true
cache-repo = "ghcr.io/acme/canto-wheels"
`)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Base: "oci:/tmp/images:slim", Venv: "/srv/venv", Entrypoint: []string{"gunicorn", "app:app"}, Ports: []string{"8000"}, Env: map[string]string{"APP_ENV": "prod"}, With: []string{"web"}, AllExtras: true, CacheRepo: "ghcr.io/acme/canto-wheels"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFromProjectErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`entrypint = ["x"]`, "pyproject.toml: [tool.canto] has unknown key entrypint\nhint: the known keys are "},
		{`venv = "relative/venv"`, `pyproject.toml: [tool.canto] venv "relative/venv": must be a clean absolute path other than /`},
		{`ports = 8000`, "pyproject.toml: [tool.canto] ports: "},
		{`only = ["a"]` + "\n" + `with = ["b"]`, "pyproject.toml: [tool.canto] only cannot be combined with with or without"},
	} {
		_, err := parse(t, tc.in)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want prefix %q", tc.in, err, tc.want)
		}
	}
}

func TestKeysMatchStruct(t *testing.T) {
	var keys []string
	ty := reflect.TypeOf(Config{})
	for i := 0; i < ty.NumField(); i++ {
		keys = append(keys, ty.Field(i).Tag.Get("toml"))
	}
	sort.Strings(keys)
	if diff := cmp.Diff(keys, Keys()); diff != "" {
		t.Errorf("Keys() out of step with Config (-struct +Keys):\n%s", diff)
	}
}

func TestNoTable(t *testing.T) {
	p, err := pyproject.Parse([]byte("[tool.poetry]\nname = \"x\"\nversion = \"1\"\n"), "pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := FromProject(p)
	if err != nil || !reflect.DeepEqual(c, Config{}) {
		t.Errorf("got %+v, %v", c, err)
	}
}
