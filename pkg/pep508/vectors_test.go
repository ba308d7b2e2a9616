package pep508

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The vectors in testdata come from testdata/gen_vectors.py, run against
// Python's packaging library; see that script's header.

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

// markerDivergences are markers packaging 23.0 accepts although the grammar
// does not: its Marker() stops at the first token it cannot use.
var markerDivergences = map[string]bool{
	`python_version >= "3.8")`:                    true,
	`python_version >= "3.8" xor os_name == "nt"`: true,
}

func TestMarkerVectors(t *testing.T) {
	var file struct {
		Envs    map[string]Env `json:"envs"`
		Markers []struct {
			Input   string `json:"input"`
			Valid   bool   `json:"valid"`
			Str     string `json:"str"`
			Results []struct {
				Env       string `json:"env"`
				Extra     string `json:"extra"`
				Packaging any    `json:"packaging"`
				Spec      any    `json:"spec"`
			} `json:"results"`
		} `json:"markers"`
	}
	readJSON(t, "markers.json", &file)
	evaluated, fallbacks := 0, 0
	for _, vec := range file.Markers {
		t.Run(vec.Input, func(t *testing.T) {
			m, err := ParseMarker(vec.Input)
			if markerDivergences[vec.Input] {
				if err == nil {
					t.Fatalf("ParseMarker(%q) accepted trailing garbage", vec.Input)
				}
				return
			}
			if vec.Input == "" {
				if m != nil || err != nil {
					t.Fatalf("ParseMarker(\"\") = %v, %v; want nil, nil", m, err)
				}
				return
			}
			if !vec.Valid {
				if err == nil {
					t.Fatalf("ParseMarker(%q) = %q, packaging rejects it", vec.Input, m)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMarker(%q): %v", vec.Input, err)
			}
			if got := m.String(); got != vec.Str {
				t.Errorf("String() = %q, packaging says %q", got, vec.Str)
			}
			for _, r := range vec.Results {
				var extras []string
				if r.Extra != "" {
					extras = []string{r.Extra}
				}
				got, err := m.Evaluate(file.Envs[r.Env], extras)
				evaluated++
				if fmt.Sprint(r.Packaging) != fmt.Sprint(r.Spec) {
					fallbacks++
				}
				switch want := r.Spec.(type) {
				case bool:
					if err != nil || got != want {
						t.Errorf("env %s extra %q: got %v, %v; want %v", r.Env, r.Extra, got, err, want)
					}
				case string:
					if err == nil {
						t.Errorf("env %s extra %q: got %v, packaging reports %s", r.Env, r.Extra, got, want)
					}
				}
			}
		})
	}
	if evaluated < 500 || fallbacks == 0 {
		t.Errorf("%d evaluations, %d string fallbacks: vectors look incomplete", evaluated, fallbacks)
	}
	t.Logf("%d marker evaluations checked; %d use the spec's string fallback where packaging 23.0 raises", evaluated, fallbacks)
}

func TestRequirementVectors(t *testing.T) {
	var file struct {
		Requirements []struct {
			Input     string   `json:"input"`
			Valid     bool     `json:"valid"`
			Name      string   `json:"name"`
			Extras    []string `json:"extras"`
			Specifier string   `json:"specifier"`
			URL       string   `json:"url"`
			Marker    string   `json:"marker"`
			Str       string   `json:"str"`
		} `json:"requirements"`
	}
	readJSON(t, "requirements.json", &file)
	for _, vec := range file.Requirements {
		t.Run(vec.Input, func(t *testing.T) {
			r, err := ParseRequirement(vec.Input)
			if !vec.Valid {
				if err == nil {
					t.Fatalf("ParseRequirement(%q) = %q, packaging rejects it", vec.Input, r)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRequirement(%q): %v", vec.Input, err)
			}
			type fields struct {
				Name, Specifier, URL, Marker, Str string
				Extras                            []string
			}
			extras := append([]string{}, r.Extras...)
			if len(extras) == 0 {
				extras = []string{}
			}
			got := fields{r.Name, r.Specifiers.String(), r.URL, r.Marker.String(), r.String(), sortedCopy(extras)}
			// packaging 23.0 writes "name@ URL"; this package writes "name @ URL".
			want := fields{vec.Name, vec.Specifier, vec.URL, vec.Marker, strings.Replace(vec.Str, "@ ", " @ ", 1), vec.Extras}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseRequirement(%q) (-packaging +ours):\n%s", vec.Input, diff)
			}
		})
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
