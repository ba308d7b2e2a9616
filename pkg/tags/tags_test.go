package tags

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTag(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"py3-none-any", []string{"py3-none-any"}},
		{"py2.py3-none-any", []string{"py2-none-any", "py3-none-any"}},
		{"cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
			[]string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"}},
		{"py2.py3-none.abi3-any.linux_x86_64", []string{
			"py2-none-any", "py2-none-linux_x86_64", "py2-abi3-any", "py2-abi3-linux_x86_64",
			"py3-none-any", "py3-none-linux_x86_64", "py3-abi3-any", "py3-abi3-linux_x86_64"}},
		{"Py3-NONE-Any", []string{"py3-none-any"}},
		{"py3.py3-none-any.any", []string{"py3-none-any"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTag(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, g := range got {
				s = append(s, g.String())
			}
			if diff := cmp.Diff(tt.want, s); diff != "" {
				t.Errorf("ParseTag(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseTagErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `parsing tag "": want interpreter-abi-platform, got 1 part(s): invalid compatibility tag`},
		{"py3-none", `parsing tag "py3-none": want interpreter-abi-platform, got 2 part(s): invalid compatibility tag`},
		{"py3-none-any-x", `parsing tag "py3-none-any-x": want interpreter-abi-platform, got 4 part(s): invalid compatibility tag`},
		{"py3--any", `parsing tag "py3--any": empty abi tag: invalid compatibility tag`},
		{"-none-any", `parsing tag "-none-any": empty interpreter tag: invalid compatibility tag`},
		{"py2..py3-none-any", `parsing tag "py2..py3-none-any": empty element in interpreter tag "py2..py3": invalid compatibility tag`},
		{"py3-none-any.", `parsing tag "py3-none-any.": empty element in platform tag "any.": invalid compatibility tag`},
		{"py3-none-any ", `parsing tag "py3-none-any ": character ' ' not allowed in platform tag: invalid compatibility tag`},
		{"py3-nöne-any", `parsing tag "py3-nöne-any": character 'ö' not allowed in abi tag: invalid compatibility tag`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTag(tt.in)
			if err == nil {
				t.Fatalf("ParseTag(%q) = %v, want error", tt.in, got)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidTag) {
				t.Errorf("error does not match ErrInvalidTag")
			}
		})
	}
}

func TestParseWheelFilename(t *testing.T) {
	tests := []struct {
		in   string
		want WheelFilename
	}{
		{"numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", WheelFilename{
			Name: "numpy", RawName: "numpy", Version: "1.26.4",
			Tags: []Tag{{"cp311", "cp311", "manylinux_2_17_x86_64"}, {"cp311", "cp311", "manylinux2014_x86_64"}},
		}},
		{"Zope.Interface-6.2-1b-py3-none-any.whl", WheelFilename{
			Name: "zope-interface", RawName: "Zope.Interface", Version: "6.2", Build: "1b",
			Tags: []Tag{{"py3", "none", "any"}},
		}},
		{"pydantic_core-2.16.3-cp312-none-musllinux_1_1_x86_64.whl", WheelFilename{
			Name: "pydantic-core", RawName: "pydantic_core", Version: "2.16.3",
			Tags: []Tag{{"cp312", "none", "musllinux_1_1_x86_64"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWheelFilename(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want the input back", s)
			}
		})
	}
}

func TestParseWheelFilenameErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"foo-1.0-py3-none-any.zip", `parsing wheel filename "foo-1.0-py3-none-any.zip": extension must be ".whl"`},
		{"foo-1.0-py3-any.whl", `parsing wheel filename "foo-1.0-py3-any.whl": want name-version[-build]-python-abi-platform.whl, got 4 dash-separated parts`},
		{"foo-bar-baz-1.0-1-py3-none-any.whl", `parsing wheel filename "foo-bar-baz-1.0-1-py3-none-any.whl": want name-version[-build]-python-abi-platform.whl, got 8 dash-separated parts`},
		{"-1.0-py3-none-any.whl", `parsing wheel filename "-1.0-py3-none-any.whl": empty project name`},
		{"foo__bar-1.0-py3-none-any.whl", `parsing wheel filename "foo__bar-1.0-py3-none-any.whl": invalid project name "foo__bar" (contains "__")`},
		{"foo+bar-1.0-py3-none-any.whl", `parsing wheel filename "foo+bar-1.0-py3-none-any.whl": invalid project name "foo+bar" (character '+' not allowed)`},
		{"foo-1.0.x-py3-none-any.whl", `parsing wheel filename "foo-1.0.x-py3-none-any.whl": invalid version "1.0.x"`},
		{"foo-1.0-b1-py3-none-any.whl", `parsing wheel filename "foo-1.0-b1-py3-none-any.whl": invalid build tag "b1" (must start with a digit)`},
		{"foo-1.0--py3-none-any.whl", `parsing wheel filename "foo-1.0--py3-none-any.whl": invalid build tag "" (must start with a digit)`},
		{"foo-1.0-py3--any.whl", `parsing wheel filename "foo-1.0-py3--any.whl": invalid tags: parsing tag "py3--any": empty abi tag: invalid compatibility tag`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWheelFilename(tt.in)
			if err == nil {
				t.Fatalf("got %+v, want error", got)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidFilename) {
				t.Error("error does not match ErrInvalidFilename")
			}
		})
	}
	// The tag error stays reachable under the filename error.
	_, err := ParseWheelFilename("foo-1.0-py3--any.whl")
	if !errors.Is(err, ErrInvalidTag) {
		t.Errorf("%v does not match ErrInvalidTag", err)
	}
}

func TestParseSdistFilename(t *testing.T) {
	tests := []struct{ in, name, version string }{
		{"numpy-1.26.4.tar.gz", "numpy", "1.26.4"},
		{"Foo_Bar-1.0.zip", "foo-bar", "1.0"},
		{"foo-bar-baz-2.0rc1.tar.gz", "foo-bar-baz", "2.0rc1"},
		{"PyYAML-5.1.tar.bz2", "pyyaml", "5.1"},
		{"foo-1!2.0.post1.dev3+abc.tgz", "foo", "1!2.0.post1.dev3+abc"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, version, err := ParseSdistFilename(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if name != tt.name || version != tt.version {
				t.Errorf("got (%q, %q), want (%q, %q)", name, version, tt.name, tt.version)
			}
		})
	}
}

func TestParseSdistFilenameErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"foo-1.0.tar", `parsing sdist filename "foo-1.0.tar": extension must be ".tar.gz" or ".zip" (or legacy ".tar.bz2" or ".tgz")`},
		{"foo.tar.gz", `parsing sdist filename "foo.tar.gz": want name-version, found no '-'`},
		{"-1.0.tar.gz", `parsing sdist filename "-1.0.tar.gz": empty project name`},
		{"foo-bar.zip", `parsing sdist filename "foo-bar.zip": invalid version "bar"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, _, err := ParseSdistFilename(tt.in)
			if err == nil {
				t.Fatal("want error")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidFilename) {
				t.Error("error does not match ErrInvalidFilename")
			}
		})
	}
}

func TestCompareBuildTags(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "0", -1},
		{"1", "", 1},
		{"1", "2", -1},
		{"10", "9", 1},
		{"007", "7", 0},
		{"1a", "1", 1},
		{"1a", "1b", -1},
		{"99999999999999999999999", "100000000000000000000000", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			if got := CompareBuildTags(tt.a, tt.b); got != tt.want {
				t.Errorf("CompareBuildTags(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := CompareBuildTags(tt.b, tt.a); got != -tt.want {
				t.Errorf("CompareBuildTags(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
			}
		})
	}
}
