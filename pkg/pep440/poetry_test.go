package pep440

import "testing"

// Expected forms below are derived by hand from poetry-core's
// constraints/version/parser.py and the next_* methods of its Version.
func TestParsePoetryConstraint(t *testing.T) {
	tests := []struct {
		in, want string
		yes, no  []string
	}{
		{"*", "*", []string{"0", "1.0a1", "99!1"}, nil},
		{"x", "*", []string{"1.0"}, nil},
		{"^1.2.3", ">=1.2.3,<2.0.0", []string{"1.2.3", "1.9.9", "1.2.3+local"}, []string{"1.2.2", "2.0.0", "2.0.0a1", "2.0.0.dev0"}},
		{"^1.2", ">=1.2,<2.0", []string{"1.2", "1.99"}, []string{"2.0"}},
		{"^1", ">=1,<2", []string{"1.5"}, []string{"2"}},
		{"^0.2", ">=0.2,<0.3", []string{"0.2.9"}, []string{"0.3", "0.3.0a1"}},
		{"^0.2.3", ">=0.2.3,<0.3.0", []string{"0.2.3"}, []string{"0.3.0"}},
		{"^0.0.3", ">=0.0.3,<0.0.4", []string{"0.0.3", "0.0.3.post1"}, []string{"0.0.4", "0.0.2"}},
		{"^0.0", ">=0.0,<0.1", []string{"0.0.9"}, []string{"0.1"}},
		{"^0", ">=0,<1", []string{"0.9"}, []string{"1.0"}},
		{"^0.0.0", ">=0.0.0,<0.0.1", []string{"0.0.0"}, []string{"0.0.1"}},
		{"^1.2.3.4", ">=1.2.3.4,<2.0.0.0", []string{"1.3"}, []string{"2"}},
		{"^1.0.0a1", ">=1.0.0a1,<2.0.0", []string{"1.0.0a1", "1.0.0"}, []string{"1.0.0.dev0"}},
		{"^1!1.0", ">=1!1.0,<1!2.0", []string{"1!1.5"}, []string{"1.5", "1!2.0"}},
		{"~1", ">=1,<2", []string{"1.9"}, []string{"2.0"}},
		{"~1.2", ">=1.2,<1.3", []string{"1.2.9"}, []string{"1.3"}},
		{"~1.2.3", ">=1.2.3,<1.3.0", []string{"1.2.9"}, []string{"1.3.0", "1.2.2"}},
		{"~ 1.2", ">=1.2,<1.3", []string{"1.2"}, nil},
		{"~=1.2", ">=1.2,<2.0", []string{"1.9"}, []string{"2.0"}},
		{"~=1.2.3", ">=1.2.3,<1.3.0", []string{"1.2.4"}, []string{"1.3"}},
		{"~=1", ">=1,<1.1", []string{"1.0.5"}, []string{"1.1"}},
		{"1.2", "1.2", []string{"1.2", "1.2.0", "1.2+local"}, []string{"1.2.1", "1.2a1"}},
		{"==1.2", "1.2", []string{"1.2.0"}, []string{"1.2.post1"}},
		{"=1.2", "1.2", []string{"1.2"}, nil},
		{"1.2+abc", "1.2+abc", []string{"1.2+abc"}, []string{"1.2", "1.2+abd"}},
		{">=3.8,<4.0", ">=3.8,<4.0", []string{"3.8", "3.12.1"}, []string{"3.7", "4.0", "4.0a1", "4.0.dev0"}},
		{">=3.8, <4.0", ">=3.8,<4.0", []string{"3.9"}, nil},
		{">= 3.8 < 4.0", ">=3.8,<4.0", []string{"3.9"}, []string{"4.0"}},
		{">=3.8 <4", ">=3.8,<4", []string{"3.9"}, []string{"4.0"}},
		{">=3.8,<4.0,", ">=3.8,<4.0", []string{"3.9"}, nil},
		{"<4.0rc1", "<4.0rc1", []string{"4.0a1", "4.0rc0"}, []string{"4.0rc1", "4.0rc1.post1"}},
		{"<=4.0", "<=4.0", []string{"4.0", "4.0+local", "4.0a1"}, []string{"4.0.post1"}},
		{">1.7", ">1.7", []string{"1.7.1", "1.8a1"}, []string{"1.7", "1.7.post1", "1.7+local"}},
		{">1.7.post1", ">1.7.post1", []string{"1.7.post2"}, []string{"1.7.post1"}},
		{"!=1.5", "!=1.5", []string{"1.4", "1.6"}, []string{"1.5", "1.5.0", "1.5+x", "1.5a1", "1.5.post1"}},
		{"==1.2.*", "==1.2.*", []string{"1.2", "1.2.5", "1.2.0.dev0", "1.2a1", "1.2.9.post1"}, []string{"1.3", "1.3.dev0", "1.1.9"}},
		{"1.2.*", "==1.2.*", []string{"1.2.1"}, []string{"1.3"}},
		{"!=3.0.*", "!=3.0.*", []string{"2.7", "3.1", "3.1.dev0"}, []string{"3.0", "3.0.5", "3.0.dev0"}},
		{">=2.7, !=3.0.*, !=3.1.*", ">=2.7,!=3.0.*,!=3.1.*", []string{"2.7.18", "3.2"}, []string{"3.0.1", "3.1.9", "2.6"}},
		{"3.10.x", "==3.10.*", []string{"3.10.4"}, []string{"3.11"}},
		{"3.*", "==3.*", []string{"3.11"}, []string{"4.0", "2.7"}},
		{"==1.0a1.*", "==1.0a1.*", []string{"1.0a1", "1.0a1.post3"}, []string{"1.0a2", "1.0"}},
		{"^2.7 || ^3.6", ">=2.7,<3.0 || >=3.6,<4.0", []string{"2.7.1", "3.9"}, []string{"3.0", "4.0", "3.5"}},
		{">=1.0 | <0.5", ">=1.0 || <0.5", []string{"0.4", "1.2"}, []string{"0.7"}},
		{"^1.2 , !=1.5.0", ">=1.2,<2.0,!=1.5.0", []string{"1.4"}, []string{"1.5"}},
		{">=dev", ">=0.0.dev0", []string{"0.0.dev0", "0.1"}, nil},
		{"  ^1.0  ", ">=1.0,<2.0", []string{"1.0"}, nil},
		{"v1.0", "1.0", []string{"1.0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParsePoetryConstraint(tt.in)
			if err != nil {
				t.Fatalf("ParsePoetryConstraint(%q): %v", tt.in, err)
			}
			if got := c.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			for _, v := range tt.yes {
				if !c.Contains(MustParse(v)) {
					t.Errorf("%q does not contain %q", tt.in, v)
				}
			}
			for _, v := range tt.no {
				if c.Contains(MustParse(v)) {
					t.Errorf("%q contains %q", tt.in, v)
				}
			}
			again, err := ParsePoetryConstraint(c.String())
			if err != nil || again.String() != c.String() {
				t.Errorf("String %q does not round-trip: %v %q", c.String(), err, again.String())
			}
		})
	}
	if !mustPoetry(t, "*").IsAny() || !mustPoetry(t, "^1 || *").IsAny() || mustPoetry(t, "^1").IsAny() {
		t.Error("IsAny wrong")
	}
}

func mustPoetry(t *testing.T, s string) Constraint {
	t.Helper()
	c, err := ParsePoetryConstraint(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParsePoetryConstraintErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `parsing constraint "": empty constraint at position 0`},
		{"^1.x", `parsing constraint "^1.x": invalid character at position 3`},
		{">=1.0,<2.x", `parsing constraint ">=1.0,<2.x": invalid character at position 9`},
		{">=1.0 || foo", `parsing constraint ">=1.0 || foo": expected release number at position 9`},
		{"<>1.0", `parsing constraint "<>1.0": operator "<>" is not supported at position 0` + "\nhint: write != instead"},
		{"1.0 - 2.0", `parsing constraint "1.0 - 2.0": invalid character at position 3`},
		{">=1.0,,<2", `parsing constraint ">=1.0,,<2": invalid character at position 5`},
		{"=>1.0", `parsing constraint "=>1.0": expected release number at position 1`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParsePoetryConstraint(tt.in)
			if err == nil {
				t.Fatalf("ParsePoetryConstraint(%q) succeeded", tt.in)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

func FuzzParsePoetryConstraint(f *testing.F) {
	for _, s := range []string{"^1.2.3", "~1", "~=1.2", ">=3.8,<4.0", "^2.7 || ^3.6", "!=3.0.*", "*", "1.0", ">= 1 <2", "==1.0a1.*"} {
		f.Add(s, "1.2.3")
	}
	f.Fuzz(func(t *testing.T, s, version string) {
		c, err := ParsePoetryConstraint(s)
		if err != nil {
			return
		}
		out := c.String()
		again, err := ParsePoetryConstraint(out)
		if err != nil {
			t.Fatalf("String %q of %q does not re-parse: %v", out, s, err)
		}
		if again.String() != out {
			t.Fatalf("round trip of %q: %q then %q", s, out, again.String())
		}
		if v, err := Parse(version); err == nil && c.Contains(v) != again.Contains(v) {
			t.Fatalf("%q and its String %q disagree on %q", s, out, version)
		}
	})
}
