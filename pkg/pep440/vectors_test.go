package pep440

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The vectors in testdata are produced by testdata/gen_vectors.py from
// Python's packaging library; see that script's header for how.

type vectorMeta struct {
	Packaging string `json:"packaging"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
}

func TestVersionVectors(t *testing.T) {
	var file struct {
		Meta     vectorMeta `json:"meta"`
		Versions []struct {
			Input         string `json:"input"`
			Valid         bool   `json:"valid"`
			Normalized    string `json:"normalized"`
			Public        string `json:"public"`
			Base          string `json:"base"`
			Local         string `json:"local"`
			Epoch         int    `json:"epoch"`
			Release       []int  `json:"release"`
			IsPrerelease  bool   `json:"is_prerelease"`
			IsPostrelease bool   `json:"is_postrelease"`
			IsDevrelease  bool   `json:"is_devrelease"`
		} `json:"versions"`
	}
	readJSON(t, "versions.json", &file)
	if len(file.Versions) < 50 {
		t.Fatalf("only %d version vectors", len(file.Versions))
	}
	for _, vec := range file.Versions {
		t.Run(vec.Input, func(t *testing.T) {
			v, err := Parse(vec.Input)
			if !vec.Valid {
				if err == nil {
					t.Fatalf("Parse(%q) = %q, packaging %s rejects it", vec.Input, v, file.Meta.Packaging)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", vec.Input, err)
			}
			type props struct {
				Normalized, Public, Base, Local string
				Epoch                           int
				Release                         []int
				Pre, Post, Dev                  bool
			}
			got := props{v.String(), v.Public().String(), v.BaseVersion().String(), v.Local(), v.Epoch(), v.Release(), v.IsPrerelease(), v.IsPostrelease(), v.IsDevrelease()}
			want := props{vec.Normalized, vec.Public, vec.Base, vec.Local, vec.Epoch, vec.Release, vec.IsPrerelease, vec.IsPostrelease, vec.IsDevrelease}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-packaging +ours):\n%s", vec.Input, diff)
			}
		})
	}
}

func TestOrderingVectors(t *testing.T) {
	var file struct {
		Versions []string `json:"versions"`
		Rows     []string `json:"rows"`
	}
	readJSON(t, "ordering.json", &file)
	if len(file.Rows) != len(file.Versions) || len(file.Versions) < 30 {
		t.Fatalf("bad ordering vectors: %d versions, %d rows", len(file.Versions), len(file.Rows))
	}
	parsed := make([]Version, len(file.Versions))
	for i, s := range file.Versions {
		parsed[i] = MustParse(s)
	}
	signs := map[int]byte{-1: '-', 0: '0', 1: '+'}
	for i, a := range parsed {
		for j, b := range parsed {
			if got, want := signs[Compare(a, b)], file.Rows[i][j]; got != want {
				t.Errorf("Compare(%q, %q) = %c, packaging says %c", file.Versions[i], file.Versions[j], got, want)
			}
		}
	}
}

// specDivergences lists (specifier set, version) pairs where packaging 23.0
// disagrees with the current spec and this package follows the spec.
var specDivergences = map[[2]string]string{
	// packaging 23.0's prefix matching splits "1!1.0" as one segment "1!1",
	// so an epoch defeats zero padding; newer packaging and the spec match.
	{"!=1!1.0.*", "1!1.0"}: "epoch in prefix match",
	// Likewise "~=0.9" becomes "==0.*", and packaging 23.0 pads the
	// unsplittable "1!1" segment so that any non-zero epoch matches.
	{"~=0.9", "1!1.0"}:   "epoch ignored in prefix match",
	{"~=0.9", "1!1.0.5"}: "epoch ignored in prefix match",
	{"~=0.9", "1!0.5"}:   "epoch ignored in prefix match",
	{"~=0.9", "2!0"}:     "epoch ignored in prefix match",
}

func TestSpecifierVectors(t *testing.T) {
	var file struct {
		Meta       vectorMeta `json:"meta"`
		Versions   []string   `json:"versions"`
		Specifiers []struct {
			Input           string `json:"input"`
			Valid           bool   `json:"valid"`
			Str             string `json:"str"`
			Prereleases     *bool  `json:"prereleases"`
			ContainsFalse   string `json:"contains_false"`
			ContainsTrue    string `json:"contains_true"`
			ContainsDefault string `json:"contains_default"`
		} `json:"specifiers"`
	}
	readJSON(t, "specifiers.json", &file)
	versions := make([]Version, len(file.Versions))
	for i, s := range file.Versions {
		versions[i] = MustParse(s)
	}
	checked, diverged := 0, 0
	for _, vec := range file.Specifiers {
		t.Run(vec.Input, func(t *testing.T) {
			ss, err := ParseSpecifiers(vec.Input)
			if !vec.Valid {
				if err == nil {
					t.Fatalf("ParseSpecifiers(%q) = %q, packaging %s rejects it", vec.Input, ss, file.Meta.Packaging)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSpecifiers(%q): %v", vec.Input, err)
			}
			if got := ss.String(); got != vec.Str {
				t.Errorf("String() = %q, packaging says %q", got, vec.Str)
			}
			if vec.Prereleases != nil && ss.Prereleases() != *vec.Prereleases {
				t.Errorf("Prereleases() = %v, packaging says %v", ss.Prereleases(), *vec.Prereleases)
			}
			for i, v := range versions {
				for _, c := range []struct {
					name  string
					flags string
					allow bool
				}{
					{"prereleases=False", vec.ContainsFalse, false},
					{"prereleases=True", vec.ContainsTrue, true},
					{"prereleases=None", vec.ContainsDefault, ss.Prereleases()},
				} {
					if c.flags == "" {
						continue
					}
					checked++
					want := c.flags[i] == '1'
					got := ss.Contains(v, c.allow)
					if _, ok := specDivergences[[2]string{vec.Input, file.Versions[i]}]; ok {
						if got == want {
							t.Errorf("listed divergence for %q in %q no longer diverges", file.Versions[i], vec.Input)
						}
						diverged++
						continue
					}
					if got != want {
						t.Errorf("Contains(%q, %s) = %v, packaging says %v", file.Versions[i], c.name, got, want)
					}
				}
			}
		})
	}
	if checked < 5000 {
		t.Errorf("only %d containment vectors checked", checked)
	}
	t.Logf("%d containment vectors checked, %d known divergences", checked, diverged)
}
