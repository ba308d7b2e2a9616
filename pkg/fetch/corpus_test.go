package fetch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
)

// TestCorpusSources checks the source order of the real projects in the
// shared corpus: every lock source of type legacy resolves to a source
// with a URL, and no explicit source is searched for unsourced packages.
func TestCorpusSources(t *testing.T) {
	const dir = "../../../shared/corpus/poetry-locks"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("no corpus: %v", err)
	}
	checked := 0
	for _, e := range entries {
		p, err := pyproject.Load(filepath.Join(dir, e.Name(), "pyproject.toml"))
		if err != nil {
			continue // the parsers' own tests cover these
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name(), "poetry.lock"))
		if err != nil {
			continue
		}
		l, err := lock.Parse(data, "poetry.lock")
		if err != nil {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			s := SourcesFor(p, WithPoetryVersion(l.GeneratedBy))
			search := s.Search()
			if len(search) == 0 {
				t.Fatal("no sources to search")
			}
			for _, src := range search {
				if src.Priority == PriorityExplicit || src.URL == "" {
					t.Errorf("searched source %+v", src)
				}
			}
			for _, lp := range l.Packages {
				if lp.Source == nil || lp.Source.Type != "legacy" {
					continue
				}
				got := s.For(plan.Package{Name: lp.Name, Artifact: plan.Artifact{Kind: plan.KindWheel, Index: lp.Source.URL, IndexName: lp.Source.Reference}})
				if len(got) != 1 || got[0].URL == "" || !strings.EqualFold(got[0].Name, lp.Source.Reference) {
					t.Errorf("%s from %q: sources %+v", lp.Name, lp.Source.Reference, got)
				}
			}
		})
		checked++
	}
	if checked == 0 {
		t.Skip("no corpus project parsed")
	}
}
