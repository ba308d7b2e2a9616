package plan

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/pyproject"
)

// planTargets are the targets every fixture is planned for.
var planTargets = [][3]string{
	{"linux/amd64", "3.11", "glibc-2.36"},
	{"linux/arm64", "3.11", "glibc-2.31"},
	{"linux/amd64", "3.11", "musl-1.2"},
}

// planDir plans one project directory for every target. It fails on any
// error other than the typed, user-facing ones a real lock can cause.
func planDir(t *testing.T, dir string) (planned int) {
	t.Helper()
	p, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	l, err := lock.Load(filepath.Join(dir, "poetry.lock"))
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	var groups []string
	for _, g := range p.Groups {
		groups = append(groups, g.Name)
	}
	for _, tg := range planTargets {
		pl, err := Make(Request{Project: p, Lock: l, Target: mustTarget(t, tg[0], tg[1], tg[2]), Groups: groups, AllExtras: true})
		var (
			nc *NoCompatibleFileError
			py *PythonError
			nf *NoFilesError
		)
		switch {
		case err == nil:
			planned++
			seen := map[string]bool{}
			for _, pkg := range pl.Packages {
				if pkg.Name == "" || pkg.Version == "" || pkg.Artifact.Kind == "" {
					t.Errorf("%s %v: incomplete package %+v", dir, tg, pkg)
				}
				if seen[pkg.Name+" "+pkg.Version] {
					t.Errorf("%s %v: %s %s planned twice", dir, tg, pkg.Name, pkg.Version)
				}
				seen[pkg.Name+" "+pkg.Version] = true
			}
		case errors.As(err, &nc), errors.As(err, &py), errors.As(err, &nf):
			t.Logf("%s %v: %v", filepath.Base(dir), tg, err)
		default:
			t.Errorf("%s %v: %v", dir, tg, err)
		}
	}
	return planned
}

func TestFixtures(t *testing.T) {
	dirs, err := filepath.Glob("../../testdata/projects/*/poetry.lock")
	if err != nil || len(dirs) < 15 {
		t.Fatalf("want at least 15 fixtures, found %d (%v)", len(dirs), err)
	}
	total := 0
	for _, d := range dirs {
		total += planDir(t, filepath.Dir(d))
	}
	if total < len(dirs)*2 {
		t.Errorf("only %d of %d plans succeeded", total, len(dirs)*len(planTargets))
	}
}

// TestCorpus plans every lock of the shared corpus, when it is present.
func TestCorpus(t *testing.T) {
	const corpus = "../../../shared/corpus/poetry-locks"
	if _, err := os.Stat(corpus); err != nil || testing.Short() {
		t.Skip("corpus not present, or -short")
	}
	dirs, _ := filepath.Glob(corpus + "/*/poetry.lock")
	for _, d := range dirs {
		planDir(t, filepath.Dir(d))
	}
}

func BenchmarkPlanLargestFixture(b *testing.B) {
	dirs, _ := filepath.Glob("../../testdata/projects/*/poetry.lock")
	var largest string
	var size int64
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.Size() > size {
			largest, size = filepath.Dir(d), st.Size()
		}
	}
	p, err := pyproject.Load(filepath.Join(largest, "pyproject.toml"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := lock.Load(filepath.Join(largest, "poetry.lock"))
	if err != nil {
		b.Fatal(err)
	}
	var groups []string
	for _, g := range p.Groups {
		groups = append(groups, g.Name)
	}
	tg, err := targetFor("linux/amd64", "3.11", "glibc-2.36")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.Logf("fixture %s (%d packages)", filepath.Base(largest), len(l.Packages))
	for b.Loop() {
		if _, err := Make(Request{Project: p, Lock: l, Target: tg, Groups: groups, AllExtras: true}); err != nil {
			b.Fatal(err)
		}
	}
}
