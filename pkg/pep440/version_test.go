package pep440

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.2.x", `parsing version "1.2.x": invalid character at position 4`},
		{"1.0-", `parsing version "1.0-": invalid character at position 3`},
		{"", `parsing version "": expected release number at position 0`},
		{"v", `parsing version "v": expected release number at position 1`},
		{"1!", `parsing version "1!": expected release number after epoch at position 2`},
		{"1.0+", `parsing version "1.0+": expected local version segment at position 4`},
		{"1.0+a..b", `parsing version "1.0+a..b": expected local version segment at position 6`},
		{"1.0 a1", `parsing version "1.0 a1": invalid character at position 3`},
		{"99999999999999999999", `parsing version "99999999999999999999": number too large at position 0`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.in)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"x\") did not panic")
		}
	}()
	MustParse("x")
}

func TestSortAndAccessors(t *testing.T) {
	in := []string{"1.0", "1.0.dev0", "1.0a1", "1!0.1", "1.0.post1", "1.0+local", "0.9", "1.0rc1"}
	vs := make([]Version, len(in))
	for i, s := range in {
		vs[i] = MustParse(s)
	}
	slices.SortFunc(vs, Compare)
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	want := []string{"0.9", "1.0.dev0", "1.0a1", "1.0rc1", "1.0", "1.0+local", "1.0.post1", "1!0.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sorted (-want +got):\n%s", diff)
	}
	v := MustParse("2!1.2.3rc4.post5.dev6+Ubuntu-1")
	if v.Epoch() != 2 || !slices.Equal(v.Release(), []int{1, 2, 3}) || v.Local() != "ubuntu.1" || v.Public().String() != "2!1.2.3rc4.post5.dev6" {
		t.Errorf("accessors of %s: epoch %d release %v local %q public %s", v, v.Epoch(), v.Release(), v.Local(), v.Public())
	}
	r := v.Release()
	r[0] = 99
	if v.Release()[0] != 1 {
		t.Error("Release() exposes internal slice")
	}
	if !(Version{}).IsZero() || v.IsZero() {
		t.Error("IsZero wrong")
	}
	if !MustParse("1.0").Equal(MustParse("1.0.0")) || MustParse("1.0").Equal(MustParse("1.0+x")) {
		t.Error("Equal wrong")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.0", "v1!2.3.4rc5.post6.dev7+abc.8", "1.0-r1", "1.0.POST1", "1.0a.", "1.0+", " 1 ", "1.0-1", "1.0_dev_2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		n := v.String()
		w, err := Parse(n)
		if err != nil {
			t.Fatalf("normalized %q of %q does not re-parse: %v", n, s, err)
		}
		if w.String() != n || Compare(v, w) != 0 {
			t.Fatalf("round trip of %q: %q then %q", s, n, w)
		}
		if Compare(v, v.Public()) < 0 || Compare(v.BaseVersion(), v) > 0 && !v.IsPrerelease() {
			t.Fatalf("ordering of %q against its public/base version is wrong", s)
		}
	})
}
