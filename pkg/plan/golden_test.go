package plan

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/pyproject"
)

var update = flag.Bool("update", false, "rewrite the golden plans in testdata/golden")

// TestGoldenPlans pins the plan of every fixture, all groups and extras, for
// glibc x86_64, glibc aarch64 and musl x86_64: each package, version, kind
// and file, or the error. Run `go test ./pkg/plan -run Golden -update` after
// a deliberate change, and review the diff.
func TestGoldenPlans(t *testing.T) {
	dirs, err := filepath.Glob("../../testdata/projects/*/poetry.lock")
	if err != nil || len(dirs) < 15 {
		t.Fatalf("fixtures: %d, %v", len(dirs), err)
	}
	for _, d := range dirs {
		dir := filepath.Dir(d)
		name := filepath.Base(dir)
		p, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
		if err != nil {
			t.Fatal(err)
		}
		l, err := lock.Load(filepath.Join(dir, "poetry.lock"))
		if err != nil {
			t.Fatal(err)
		}
		var groups []string
		for _, g := range p.Groups {
			groups = append(groups, g.Name)
		}
		for _, tg := range planTargets {
			label := strings.NewReplacer("/", "-").Replace(tg[0]) + "_" + tg[2]
			t.Run(name+"/"+label, func(t *testing.T) {
				var b strings.Builder
				pl, err := Make(Request{Project: p, Lock: l, Target: mustTarget(t, tg[0], tg[1], tg[2]), Groups: groups, AllExtras: true})
				if err != nil {
					// Error paths are relative to this package; keep them stable.
					b.WriteString("error: " + strings.ReplaceAll(err.Error(), "../../testdata/projects/", "") + "\n")
				} else {
					for _, line := range summary(pl) {
						b.WriteString(line + "\n")
					}
				}
				golden := filepath.Join("testdata", "golden", name+"_"+label+".txt")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if string(want) != b.String() {
					t.Errorf("plan changed; review with -update and git diff %s\ngot:\n%s", golden, b.String())
				}
			})
		}
	}
}
