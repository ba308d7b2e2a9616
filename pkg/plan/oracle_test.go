package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/google/go-cmp/cmp"
)

// knownDifferences are packages canto installs and Poetry 1.3.2 does not,
// each with the reason.
var knownDifferences = map[string]map[string]string{
	// The lock has one pycairo, from the "testpypi" source that only the
	// win32 constraint names. Poetry applies that constraint's marker to the
	// package and skips it on Linux; canto installs the locked pycairo for
	// the Linux constraint, which names no source.
	"projects/ManimCommunity__manim": {"pycairo": "locked from a source only the win32 constraint names"},
}

// TestPoetryOracle compares plans with what Poetry 1.3.2's own installer
// would install on Debian 12 (linux x86_64, glibc 2.36, CPython 3.11.2), as
// recorded by testdata/poetry_oracle.sh from `poetry install --dry-run`.
func TestPoetryOracle(t *testing.T) {
	raw, err := os.ReadFile("testdata/poetry-oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var oracle struct {
		Poetry   string                       `json:"poetry"`
		Python   string                       `json:"python"`
		Fixtures map[string]map[string]string `json:"fixtures"`
	}
	if err := json.Unmarshal(raw, &oracle); err != nil {
		t.Fatal(err)
	}
	if len(oracle.Fixtures) < 20 {
		t.Fatalf("the oracle covers only %d fixture variants", len(oracle.Fixtures))
	}
	tg := mustTarget(t, "linux/amd64", oracle.Python, "glibc-2.36")
	for key, want := range oracle.Fixtures {
		t.Run(key, func(t *testing.T) {
			i := strings.LastIndex(key, "/")
			name, variant := key[:i], key[i+1:]
			dir := filepath.Join("../..", name)
			if strings.HasPrefix(name, "projects/") {
				dir = filepath.Join("../../testdata", name)
			}
			p, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
			if err != nil {
				t.Fatal(err)
			}
			l, err := lock.Load(filepath.Join(dir, "poetry.lock"))
			if err != nil {
				t.Fatal(err)
			}
			locked := map[string]bool{}
			for _, lp := range l.Packages {
				locked[pyname.Normalize(lp.Name)] = true
			}
			// The walk alone: Poetry installs files canto refuses (locks
			// without hashes), and the oracle is about which packages.
			w, err := walk(Request{Project: p, Lock: l, Target: tg, Groups: []string{"main"}, AllExtras: variant == "extras"})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for lp := range w.nodes {
				got[pyname.Normalize(lp.Name)] = lp.Version
			}
			for n, why := range knownDifferences[name] {
				if got[n] == "" {
					t.Errorf("known difference %s (%s) is gone: remove it", n, why)
				}
				delete(got, n)
			}
			wantLocked := map[string]string{}
			var notLocked []string
			for n, v := range want {
				n = pyname.Normalize(n)
				if !locked[n] {
					// Poetry also lists what the venv itself already
					// provides (setuptools), which is not in the lock.
					notLocked = append(notLocked, n)
					continue
				}
				version, _, _ := strings.Cut(v, " ") // "1.0.0 50227bd" for git
				wantLocked[n] = version
			}
			sort.Strings(notLocked)
			if diff := cmp.Diff(wantLocked, got); diff != "" {
				t.Errorf("plan differs from Poetry's installer (-poetry +canto); not in the lock: %v\n%s", notLocked, diff)
			}
		})
	}
}
