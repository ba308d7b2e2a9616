package pyname

import (
	"regexp"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"requests", "requests"},
		{"Django", "django"},
		{"zope.interface", "zope-interface"},
		{"Foo__Bar", "foo-bar"},
		{"foo-_.-bar", "foo-bar"},
		{"typing_extensions", "typing-extensions"},
		{"A.B-C_D", "a-b-c-d"},
		{"", ""},
		{"--x--", "-x-"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := Name(tt.in).Normalized(); got != tt.want {
				t.Errorf("Name(%q).Normalized() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a", true},
		{"A1", true},
		{"zope.interface", true},
		{"foo_bar-baz", true},
		{"1", true},
		{"", false},
		{"-foo", false},
		{"foo-", false},
		{"foo.", false},
		{"_foo", false},
		{"foo bar", false},
		{"foo/bar", false},
		{"fóo", false},
		{"foo[bar]", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Valid(tt.in); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got := Name(tt.in).Valid(); got != tt.want {
				t.Errorf("Name(%q).Valid() = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// specName is the regular expression from the spec, used as an oracle. The
// spec writes it with re.IGNORECASE, but its text says names hold ASCII
// letters only; Go's (?i), like Python's, folds "ſ" (U+017F) and the Kelvin
// sign onto ASCII letters, so the oracle spells both cases out instead.
var specName = regexp.MustCompile(`^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$`)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Foo__Bar", "a.b", "", "--", "Ünï", "x-_-y", "ſ", "\u212a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Valid(s), specName.MatchString(s); got != want {
			t.Fatalf("Valid(%q) = %v, spec regexp says %v", s, got, want)
		}
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		if want := strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(s, "-")); Valid(s) && n != want {
			t.Fatalf("Normalize(%q) = %q, want %q", s, n, want)
		}
	})
}
