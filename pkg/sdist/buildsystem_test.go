package sdist_test

import (
	"testing"

	"github.com/canto-build/canto/pkg/sdist"
	"github.com/google/go-cmp/cmp"
)

func TestParseBuildSystem(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    string
		nilData bool
		want    sdist.BuildSystem
		wantErr string
	}{
		{name: "no pyproject.toml", nilData: true, want: sdist.LegacyBuildSystem},
		{name: "no build-system table", data: "[project]\nname = \"x\"\n", want: sdist.LegacyBuildSystem},
		{name: "setuptools", data: "[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n",
			want: sdist.BuildSystem{Requires: []string{"setuptools>=61", "wheel"}, Backend: "setuptools.build_meta"}},
		{name: "requires only falls back to the legacy backend", data: "[build-system]\nrequires = [\"setuptools\", \"cython\"]\n",
			want: sdist.BuildSystem{Requires: []string{"setuptools", "cython"}, Backend: "setuptools.build_meta:__legacy__"}},
		{name: "in-tree backend", data: "[build-system]\nrequires = []\nbuild-backend = \"backend:Backend.inner\"\nbackend-path = [\"_build\", \".\"]\n",
			want: sdist.BuildSystem{Requires: []string{}, Backend: "backend:Backend.inner", BackendPath: []string{"_build", "."}}},
		{name: "poetry-core", data: "[build-system]\nrequires = [\"poetry-core>=1.0.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n",
			want: sdist.BuildSystem{Requires: []string{"poetry-core>=1.0.0"}, Backend: "poetry.core.masonry.api"}},
		{name: "missing requires", data: "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n",
			wantErr: "parsing pyproject.toml: [build-system] has no \"requires\" key\nhint: PEP 518 requires it, e.g. requires = [\"setuptools>=61\"]"},
		{name: "bad backend", data: "[build-system]\nrequires = []\nbuild-backend = \"os; rm -rf /\"\n",
			wantErr: `parsing pyproject.toml: build-backend "os; rm -rf /" is not "module.path" or "module.path:object.path"`},
		{name: "backend with empty object", data: "[build-system]\nrequires = []\nbuild-backend = \"mod:\"\n",
			wantErr: `parsing pyproject.toml: build-backend "mod:" is not "module.path" or "module.path:object.path"`},
		{name: "backend-path escapes", data: "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"../x\"]\n",
			wantErr: `parsing pyproject.toml: backend-path entry "../x" is not a path inside the source tree`},
		{name: "absolute backend-path", data: "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"/usr\"]\n",
			wantErr: `parsing pyproject.toml: backend-path entry "/usr" is not a path inside the source tree`},
		{name: "requires not a list", data: "[build-system]\nrequires = \"setuptools\"\n",
			wantErr: "parsing pyproject.toml: [build-system] requires is not an array of strings"},
		{name: "requires holds a number", data: "[build-system]\nrequires = [\"a\", 1]\n",
			wantErr: "parsing pyproject.toml: [build-system] requires is not an array of strings"},
		{name: "backend not a string", data: "[build-system]\nrequires = []\nbuild-backend = 1\n",
			wantErr: "parsing pyproject.toml: [build-system] build-backend is not a string"},
		{name: "build-system not a table", data: "build-system = 1\n",
			wantErr: "parsing pyproject.toml: build-system is not a table"},
		{name: "bad toml", data: "[build-system\n",
			wantErr: "parsing pyproject.toml: line 1, column 14: toml: expected ']' to close table name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if !tc.nilData {
				data = []byte(tc.data)
			}
			got, err := sdist.ParseBuildSystem(data)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseBuildSystem(f *testing.F) {
	for _, s := range []string{
		"", "[build-system]\nrequires = [\"setuptools\"]\n",
		"[build-system]\nrequires = []\nbuild-backend = \"a.b:c.d\"\nbackend-path = [\".\"]\n",
		"[build-system]\nbuild-backend = 3\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bs, err := sdist.ParseBuildSystem([]byte(s))
		if err != nil {
			return
		}
		if bs.Backend == "" || bs.Requires == nil {
			t.Errorf("ParseBuildSystem(%q) = %+v without an error", s, bs)
		}
	})
}
