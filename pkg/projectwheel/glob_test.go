package projectwheel

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGlob(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"README.md":             "",
		"a.md":                  "",
		"pkg/__init__.py":       "",
		"pkg/.hidden.py":        "",
		"pkg/sub/x.py":          "",
		"pkg/sub/y.txt":         "",
		"pkg/sub/deeper/z.py":   "",
		"pkg/__pycache__/c.pyc": "",
		"src/lib/__init__.py":   "",
		".git/HEAD":             "",
		"weird[1]/file.py":      "",
	})
	tr, err := listTree(context.Background(), dir, func(string, string) {})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		base, pattern string
		want          []string
	}{
		{"", "*.md", []string{"README.md", "a.md"}},
		{"", "[!a]*.md", []string{"README.md"}},
		{"", "pkg", []string{"pkg"}},
		{"", "pkg/", []string{"pkg"}},
		{"", "./pkg", []string{"pkg"}},
		{"", "pkg/*.py", []string{"pkg/.hidden.py", "pkg/__init__.py"}},
		{"", "pkg/**/*.py", []string{"pkg/.hidden.py", "pkg/__init__.py", "pkg/sub/deeper/z.py", "pkg/sub/x.py"}},
		{"", "pkg/**", []string{"pkg", "pkg/sub", "pkg/sub/deeper"}},
		{"", "**/x.py", []string{"pkg/sub/x.py"}},
		{"", "pkg/s?b/*.txt", []string{"pkg/sub/y.txt"}},
		{"src", "lib", []string{"src/lib"}},
		{"src", "*", []string{"src/lib"}},
		{"", "missing", nil},
		{"", ".git/*", nil},
		{"", "pkg/__pycache__/*", nil},
		{"", "weird[1]", nil},
		{"", "weird[[]1]", []string{"weird[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.base+"|"+tt.pattern, func(t *testing.T) {
			es, err := tr.glob(tt.base, tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.rel)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("glob(%q, %q) (-want +got):\n%s", tt.base, tt.pattern, diff)
			}
		})
	}
	if _, err := tr.glob("", "pkg/[z-a"); err == nil {
		t.Error("malformed pattern: no error")
	}
}
