package index

import "testing"

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"requests", "requests"},
		{"Django", "django"},
		{"zope.interface", "zope-interface"},
		{"typing_extensions", "typing-extensions"},
		{"Foo__Bar--baz..Qux", "foo-bar-baz-qux"},
		{"a-_.b", "a-b"},
		{"ruamel.yaml.clib", "ruamel-yaml-clib"},
		{"x-", "x-"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := normalizeName(tt.in); got != tt.want {
				t.Errorf("normalizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"requests", true},
		{"A", true},
		{"zope.interface", true},
		{"a_b-c.d", true},
		{"9", true},
		{"", false},
		{"-a", false},
		{"a-", false},
		{"a b", false},
		{"a/b", false},
		{"../x", false},
		{"ä", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validName(tt.in); got != tt.want {
				t.Errorf("validName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
