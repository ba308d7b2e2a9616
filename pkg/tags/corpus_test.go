package tags

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestCorpusFilenames parses every wheel and sdist filename in the shared
// corpus of real poetry.lock files, when that corpus is present.
func TestCorpusFilenames(t *testing.T) {
	locks, _ := filepath.Glob("../../../shared/corpus/poetry-locks/*/poetry.lock")
	if len(locks) == 0 {
		t.Skip("shared corpus not present")
	}
	if testing.Short() {
		t.Skip("slow: parses about 116,000 filenames")
	}
	// Files of URL dependencies that are not named like sdists.
	notSdists := map[string]bool{"master.tar.gz": true}
	fileRE := regexp.MustCompile(`\{file = "([^"]+)"`)
	var wheels, sdists int
	for _, lock := range locks {
		b, err := os.ReadFile(lock)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fileRE.FindAllSubmatch(b, -1) {
			name := string(m[1])
			switch {
			case filepath.Ext(name) == ".whl":
				wheels++
				if _, err := ParseWheelFilename(name); err != nil {
					t.Errorf("%s: %v", lock, err)
				}
			case filepath.Ext(name) == ".gz" || filepath.Ext(name) == ".zip":
				sdists++
				if _, _, err := ParseSdistFilename(name); err != nil && !notSdists[name] {
					t.Errorf("%s: %v", lock, err)
				}
			}
		}
	}
	if wheels < 1000 || sdists < 100 {
		t.Errorf("only %d wheels and %d sdists found; corpus layout changed?", wheels, sdists)
	}
	t.Logf("parsed %d wheel and %d sdist filenames", wheels, sdists)
}
