package archtest

import (
	"go/build"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/canto-build/canto"

// allowed lists, for each package, the canto packages it may import. Third
// party imports are checked separately through thirdParty.
var allowed = map[string][]string{
	"pkg/pyname":       {},
	"pkg/pep440":       {},
	"pkg/pep508":       {"pkg/pep440", "pkg/pyname"},
	"pkg/tags":         {"pkg/pyname"},
	"pkg/target":       {"pkg/tags", "pkg/pep440", "pkg/pyname"},
	"pkg/pyproject":    {"pkg/pyname", "pkg/pep440", "pkg/pep508", "internal/tomltree"},
	"pkg/lock":         {"pkg/pyname", "pkg/pep440", "pkg/pep508", "pkg/pyproject", "internal/tomltree"},
	"pkg/wheel":        {"pkg/pyname", "pkg/pep440", "pkg/tags"},
	"pkg/plan":         {"pkg/pyname", "pkg/pep440", "pkg/pep508", "pkg/tags", "pkg/target", "pkg/pyproject", "pkg/lock"},
	"pkg/cache":        {},
	"pkg/index":        {"pkg/cache", "pkg/pyname"},
	"pkg/fetch":        {"pkg/plan", "pkg/index", "pkg/cache", "pkg/pyproject", "pkg/lock", "pkg/pyname", "pkg/tags"},
	"pkg/venv":         {"pkg/wheel", "pkg/pyname"},
	"pkg/image":        {},
	"pkg/layers":       {},
	"pkg/config":       {"pkg/pyproject"},
	"pkg/build":        {"pkg/cache", "pkg/image", "pkg/layers", "pkg/lock", "pkg/plan", "pkg/pyproject", "pkg/target", "pkg/venv", "pkg/wheel", "pkg/pyname", "pkg/config", "pkg/fetch", "pkg/projectwheel", "pkg/sdist", "pkg/sandbox", "pkg/elfcheck", "pkg/index", "pkg/pep440", "pkg/pep508", "pkg/tags", "pkg/wheelrepo", "pkg/bytecode", "pkg/gitsource"},
	"pkg/projectwheel": {"pkg/pyname", "pkg/pep440", "pkg/pep508", "pkg/pyproject"},
	"pkg/publish":      {"pkg/image"},
	"pkg/dockerfile":   {"pkg/pyname", "pkg/pep440", "pkg/pep508", "pkg/tags", "pkg/target", "pkg/pyproject", "pkg/lock", "pkg/plan"},
	"pkg/sandbox":      {"internal/tmpdir"},
	"pkg/elfcheck":     {"pkg/image", "pkg/pyname"},
	"pkg/bench":        {},
	"pkg/sdist":        {"pkg/sandbox", "pkg/wheel", "pkg/cache", "pkg/pep440", "pkg/pep508", "pkg/pyname", "pkg/tags", "pkg/venv"},
	"pkg/wheelrepo":    {"pkg/cache", "pkg/tags"},
	"pkg/bytecode":     {"pkg/sandbox", "pkg/wheel"},
	"pkg/gitsource":    {"internal/tmpdir"},
}

// leaves may import only the standard library.
var leaves = map[string]bool{"pkg/pyname": true, "pkg/pep440": true, "pkg/pep508": true, "pkg/tags": true, "pkg/target": true, "pkg/plan": true, "pkg/layers": true}

func TestImportGraph(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	err = filepath.WalkDir(filepath.Join(root, "pkg"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			var noGo *build.NoGoError
			if ok := asNoGo(err, &noGo); ok {
				continue
			}
			t.Fatalf("reading %s: %v", rel, err)
		}
		top := rel
		if parts := strings.Split(rel, "/"); len(parts) > 2 {
			top = strings.Join(parts[:2], "/")
		}
		allow, known := allowed[top]
		if !known {
			t.Errorf("%s is not in the architecture map: add it to docs/architecture.md and to this test", rel)
			continue
		}
		checked++
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, module+"/"):
				dep := strings.TrimPrefix(imp, module+"/")
				if strings.HasPrefix(dep, top+"/") {
					continue // its own subpackage
				}
				if strings.HasPrefix(dep, "internal/cli") || strings.HasPrefix(dep, "cmd/") {
					t.Errorf("%s imports %s: library packages never import the CLI", rel, dep)
					continue
				}
				ok := false
				for _, a := range allow {
					if dep == a || strings.HasPrefix(dep, a+"/") {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s imports %s, which the architecture does not allow (allowed: %v)", rel, dep, allow)
				}
			case isStdlib(imp):
			default:
				if leaves[top] {
					t.Errorf("%s imports %s: leaves and pure policy import only the standard library", rel, imp)
				}
				if strings.HasPrefix(imp, "github.com/spf13/cobra") {
					t.Errorf("%s imports cobra: only internal/cli may", rel)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no packages checked")
	}
	keys := make([]string, 0, len(allowed))
	for k := range allowed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	doc, err := os.ReadFile(filepath.Join(root, "docs/architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), k) {
			t.Errorf("docs/architecture.md does not mention %s", k)
		}
	}
}

func asNoGo(err error, target **build.NoGoError) bool {
	ng, ok := err.(*build.NoGoError) //nolint:errorlint // go/build returns it unwrapped
	if ok {
		*target = ng
	}
	return ok
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
