package pyindex

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseHtpasswd(t *testing.T) {
	got, err := ParseHtpasswd([]byte("# users\ncanto:secret\n\nsha:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Credentials{"canto": "secret", "sha": "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseHtpasswd (-want +got):\n%s", diff)
	}
	checks := []struct {
		user, pass string
		ok         bool
	}{
		{"canto", "secret", true},
		{"canto", "Secret", false},
		{"canto", "", false},
		{"sha", "password", true},
		{"sha", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", false},
		{"nobody", "secret", false},
		{"", "", false},
	}
	for _, c := range checks {
		if ok := got.check(c.user, c.pass); ok != c.ok {
			t.Errorf("check(%q, %q) = %v, want %v", c.user, c.pass, ok, c.ok)
		}
	}

	bad := []struct {
		name, in, wantErr string
	}{
		{"no colon", "canto\n", "parsing htpasswd line 1: want user:password"},
		{"empty user", ":x\n", "parsing htpasswd line 1: want user:password"},
		{"bcrypt", "a:b\nu:$2y$05$abc\n", "parsing htpasswd line 2: hash scheme of user \"u\" is not supported\nhint: store the password in plain text or as {SHA} (htpasswd -s)"},
		{"duplicate", "u:a\nu:b\n", "parsing htpasswd line 2: user \"u\" appears twice"},
		{"empty", "# nothing\n", "parsing htpasswd: no users"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHtpasswd([]byte(tt.in))
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseHtpasswd error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
