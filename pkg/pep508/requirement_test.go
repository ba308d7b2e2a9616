package pep508

import (
	"testing"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/google/go-cmp/cmp"
)

func TestParseRequirement(t *testing.T) {
	r, err := ParseRequirement(`Requests [socks, Security] (>=2.8.1, <3) ; python_version >= "3.8" and extra == "Full"`)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "Requests" || !cmp.Equal(r.Extras, []string{"socks", "Security"}) || r.URL != "" {
		t.Errorf("parsed %+v", r)
	}
	if !r.Specifiers.Contains(pep440.MustParse("2.31.0"), false) || r.Specifiers.Contains(pep440.MustParse("3.0"), false) {
		t.Errorf("specifiers %q wrong", r.Specifiers)
	}
	if ok, err := r.Marker.Evaluate(linux311, []string{"full"}); !ok || err != nil {
		t.Errorf("marker %q: %v, %v", r.Marker, ok, err)
	}
	want := `Requests[Security,socks]<3,>=2.8.1; python_version >= "3.8" and extra == "full"`
	if r.String() != want {
		t.Errorf("String() = %q, want %q", r.String(), want)
	}
	u, err := ParseRequirement(`pip @ https://example.com/pip.whl ; sys_platform == "linux"`)
	if err != nil {
		t.Fatal(err)
	}
	if u.URL != "https://example.com/pip.whl" || len(u.Specifiers) != 0 || u.String() != `pip @ https://example.com/pip.whl ; sys_platform == "linux"` {
		t.Errorf("URL requirement parsed as %+v (%s)", u, u)
	}
}

func TestParseRequirementErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `parsing requirement "": expected package name at the start of dependency specifier at position 0`},
		{"-name", `parsing requirement "-name": expected package name at the start of dependency specifier at position 0`},
		{"name[", `parsing requirement "name[": expected closing ']' for this '[' at position 4`},
		{"name[a b]", `parsing requirement "name[a b]": expected comma between extra names at position 7`},
		{"name[a,]", `parsing requirement "name[a,]": expected extra name after comma at position 7`},
		{"name => 1.0", `parsing requirement "name => 1.0": invalid version specifier: expected one of ~= == != <= >= < > === at position 5`},
		{"name >= 1.x", `parsing requirement "name >= 1.x": invalid version specifier: invalid character at position 10`},
		{"name (>=1.0", `parsing requirement "name (>=1.0": expected closing ')' for this '(' at position 5`},
		{"name @ https://x/y.whl; os_name == 'nt'", `parsing requirement "name @ https://x/y.whl; os_name == 'nt'": expected end or semicolon after URL at position 24` + "\nhint: put whitespace between the URL and the ';' that starts the marker"},
		{"name @", `parsing requirement "name @": expected URL after @ at position 6`},
		{"name extra", `parsing requirement "name extra": expected end or semicolon at position 5`},
		{"name; python_version >=", `parsing requirement "name; python_version >=": expected a marker variable or quoted string at position 23`},
		{"name >= 1.0 ;", `parsing requirement "name >= 1.0 ;": expected a marker variable or quoted string at position 13`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRequirement(tt.in)
			if err == nil {
				t.Fatal("ParseRequirement succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{
		"requests[security,tests]>=2.8.1,==2.8.*;python_version<'2.7'", "name @ https://x/y.whl ; os_name == 'nt'",
		"name (>=1.0, <2)", "name===foo", "a[]", "zope.interface ; extra == 'Foo'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			return
		}
		out := r.String()
		again, err := ParseRequirement(out)
		if err != nil {
			t.Fatalf("String %q of %q does not re-parse: %v", out, s, err)
		}
		if again.String() != out {
			t.Fatalf("round trip of %q: %q then %q", s, out, again.String())
		}
	})
}
