package pyindex

import "testing"

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept, want string
	}{
		{"", MediaLegacyHTML},
		{"*/*", MediaLegacyHTML},
		{"text/html", MediaLegacyHTML},
		{MediaJSON, MediaJSON},
		{MediaHTML, MediaHTML},
		{"application/vnd.pypi.simple.latest+json", MediaJSON},
		{"application/vnd.pypi.simple.latest+html", MediaHTML},
		// pip 23's header
		{"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", MediaJSON},
		{"application/vnd.pypi.simple.v1+json;q=0.2, text/html", MediaLegacyHTML},
		{"application/*", MediaHTML},
		{"application/*;q=0.5, application/vnd.pypi.simple.v1+json;q=0.9", MediaJSON},
		{"text/html;q=0, */*", MediaHTML},
		{"application/json", ""},
		{"application/vnd.pypi.simple.v2+json", ""},
		{"text/html;q=0", ""},
		{"garbage, ;;, */x", ""},
		{"TEXT/HTML", MediaLegacyHTML},
		{"text/html; q=abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			if got := Negotiate(tt.accept); got != tt.want {
				t.Errorf("Negotiate(%q) = %q, want %q", tt.accept, got, tt.want)
			}
		})
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "*/*", "text/html;q=0.5", MediaJSON + ";q=1, */*;q=0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch got := Negotiate(s); got {
		case "", MediaJSON, MediaHTML, MediaLegacyHTML:
		default:
			t.Errorf("Negotiate(%q) = %q, not an offer", s, got)
		}
	})
}
