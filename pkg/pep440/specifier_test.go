package pep440

import "testing"

func TestParseSpecifiersErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=>1.0", `parsing specifier "=>1.0": expected one of ~= == != <= >= < > === at position 0`},
		{">=1.0,<2.x", `parsing specifier ">=1.0,<2.x": invalid character at position 9`},
		{">=", `parsing specifier ">=": expected version at position 2`},
		{"~=1", `parsing specifier "~=1": "~=" needs at least two release segments at position 2`},
		{">1.0+abc", `parsing specifier ">1.0+abc": local version label allowed only with == and != at position 4`},
		{"==1.0a1.*", `parsing specifier "==1.0a1.*": prefix match ".*" allows only a release segment at position 2`},
		{"== 1.0 .*", `parsing specifier "== 1.0 .*": whitespace before ".*" at position 6`},
		{"=== a b", `parsing specifier "=== a b": invalid character in arbitrary version at position 5`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseSpecifiers(tt.in)
			if err == nil {
				t.Fatalf("ParseSpecifiers(%q) succeeded", tt.in)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

// TestSpecifierRules pins the spec's exclusion rules by name.
func TestSpecifierRules(t *testing.T) {
	tests := []struct {
		spec, version string
		pre, want     bool
	}{
		{"<3.0", "3.0.dev0", true, false},   // <V excludes pre-releases of V
		{"<3.0", "2.9.dev0", true, true},    // but not of earlier versions
		{"<3.0rc1", "3.0a1", true, true},    // unless V is itself a pre-release
		{">1.7", "1.7.post1", false, false}, // >V excludes post-releases of V
		{">1.7.post1", "1.7.post2", false, true},
		{">1.7", "1.7+local", false, false}, // and local versions of V
		{"==1.0", "1.0+local", false, true}, // local ignored without a local in the spec
		{"==1.0+a", "1.0+b", false, false},
		{"<=1.0", "1.0+local", false, true},
		{"==1.*", "1.0a1", true, true}, // prefix match ignores pre-release segments
		{"==1.*", "1.0a1", false, false},
		{"~=1.4.5", "1.5", false, false},
		{"~=1.4.5", "1.4.9", false, true},
		{"===1.0", "1.0", false, true},
		{"===1.0.0", "1.0", false, false},
		{"", "1.0a1", false, false},
		{"", "1.0a1", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.version, func(t *testing.T) {
			ss, err := ParseSpecifiers(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := ss.Contains(MustParse(tt.version), tt.pre); got != tt.want {
				t.Errorf("%q.Contains(%q, %v) = %v, want %v", tt.spec, tt.version, tt.pre, got, tt.want)
			}
		})
	}
}

func FuzzParseSpecifiers(f *testing.F) {
	for _, s := range []string{">=1.0,<2", "~=1.4.5a4", "==1.*", "!=1.0+abc", "===foo", ",,", "> 1.0 , < 2"} {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, s, version string) {
		ss, err := ParseSpecifiers(s)
		if err != nil {
			return
		}
		out := ss.String()
		again, err := ParseSpecifiers(out)
		if err != nil {
			t.Fatalf("String %q of %q does not re-parse: %v", out, s, err)
		}
		if again.String() != out {
			t.Fatalf("round trip of %q: %q then %q", s, out, again.String())
		}
		v, err := Parse(version)
		if err != nil {
			return
		}
		for _, pre := range []bool{false, true} {
			if ss.Contains(v, pre) != again.Contains(v, pre) {
				t.Fatalf("%q and its String %q disagree on %q", s, out, version)
			}
		}
	})
}
