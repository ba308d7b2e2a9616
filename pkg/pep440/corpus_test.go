package pep440

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var pythonVersionsLine = regexp.MustCompile(`(?m)^python-versions = "(.*)"$`)

// TestCorpusPythonVersions parses every python-versions constraint of the
// shared corpus of real poetry.lock files, when that corpus is present.
func TestCorpusPythonVersions(t *testing.T) {
	locks, _ := filepath.Glob("../../../shared/corpus/poetry-locks/*/poetry.lock")
	if len(locks) == 0 {
		t.Skip("shared corpus not present")
	}
	seen := map[string]bool{}
	for _, lock := range locks {
		b, err := os.ReadFile(lock)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if !bytes.HasPrefix(line, []byte("python-versions = ")) {
				continue
			}
			m := pythonVersionsLine.FindSubmatch(line)
			if m == nil {
				continue
			}
			s := string(m[1])
			if seen[s] {
				continue
			}
			seen[s] = true
			c, err := ParsePoetryConstraint(s)
			if err != nil {
				t.Errorf("%s: %v", lock, err)
				continue
			}
			if _, err := ParsePoetryConstraint(c.String()); err != nil {
				t.Errorf("%s: String %q of %q: %v", lock, c.String(), s, err)
			}
		}
	}
	if len(seen) < 50 {
		t.Errorf("only %d distinct constraints found", len(seen))
	}
	t.Logf("%d distinct python-versions constraints parsed from %d locks", len(seen), len(locks))
}
