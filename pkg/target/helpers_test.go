package target

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/tags"
)

// parseOne parses a tag that must not be a compressed set.
func parseOne(s string) (tags.Tag, error) {
	ts, err := tags.ParseTag(s)
	if err != nil {
		return tags.Tag{}, err
	}
	if len(ts) != 1 {
		return tags.Tag{}, fmt.Errorf("%q is a set of %d tags", s, len(ts))
	}
	return ts[0], nil
}

// readFixture reads a file list from testdata/wheels, skipping comments.
func readFixture(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "wheels", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		t.Fatalf("fixture %s is empty", name)
	}
	return out
}

func mustParse(t *testing.T, platform, python, libc string) Target {
	t.Helper()
	tg, err := Parse(platform, python, libc)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}
