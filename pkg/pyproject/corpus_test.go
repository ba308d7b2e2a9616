package pyproject

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir is the shared corpus of real Poetry projects; tests using it
// skip when it is absent.
const corpusDir = "../../../shared/corpus/poetry-locks"

func TestCorpusParses(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not present: %v", err)
	}
	dirs, err := filepath.Glob(filepath.Join(corpusDir, "*", "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 50 {
		t.Fatalf("found only %d corpus projects", len(dirs))
	}
	for _, path := range dirs {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			p, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name == "" {
				t.Error("no project name")
			}
			if p.Group("main") == nil && len(p.Groups) == 0 {
				t.Error("no dependency groups")
			}
			if len(p.ContentHash()) != 64 {
				t.Errorf("ContentHash() = %q", p.ContentHash())
			}
		})
	}
}
