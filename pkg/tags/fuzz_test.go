package tags

import (
	"strings"
	"testing"
)

func FuzzParseTag(f *testing.F) {
	for _, s := range []string{"py3-none-any", "py2.py3-none-any", "cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64", "a..b-c-d", "--", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTag(s)
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatalf("ParseTag(%q) returned no tags and no error", s)
		}
		seen := map[Tag]bool{}
		for _, tg := range got {
			if seen[tg] {
				t.Fatalf("duplicate %v", tg)
			}
			seen[tg] = true
			// Every expanded tag is itself a valid single tag.
			back, err := ParseTag(tg.String())
			if err != nil || len(back) != 1 || back[0] != tg {
				t.Fatalf("tag %v from %q does not round-trip: %v %v", tg, s, back, err)
			}
		}
	})
}

func FuzzParseWheelFilename(f *testing.F) {
	for _, s := range []string{
		"numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"foo-1.0-1abc-py2.py3-none-any.whl",
		"foo-2!1.0+local-py3-none-any.whl",
		"foo__bar-1.0-py3-none-any.whl",
		".whl",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWheelFilename(s)
		if err != nil {
			return
		}
		if w.Name == "" || w.Version == "" || len(w.Tags) == 0 {
			t.Fatalf("incomplete parse of %q: %+v", s, w)
		}
		if strings.ContainsAny(w.Name, "_.") || w.Name != strings.ToLower(w.Name) {
			t.Fatalf("name %q is not normalised", w.Name)
		}
		back, err := ParseWheelFilename(w.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", s, w.String(), err)
		}
		if back.Name != w.Name || back.Version != w.Version || back.Build != w.Build || !tagsEqual(back.Tags, w.Tags) {
			t.Fatalf("round trip of %q: %+v != %+v", s, back, w)
		}
	})
}

func FuzzParseSdistFilename(f *testing.F) {
	for _, s := range []string{"numpy-1.26.4.tar.gz", "Foo_Bar-1.0.zip", "foo-1.0.tgz", "foo.tar.gz", "-1.tar.bz2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, version, err := ParseSdistFilename(s)
		if err != nil {
			return
		}
		if name == "" || version == "" || strings.Contains(version, "-") {
			t.Fatalf("bad parse of %q: (%q, %q)", s, name, version)
		}
		if normalizeName(name) != name {
			t.Fatalf("name %q is not normalised", name)
		}
	})
}
