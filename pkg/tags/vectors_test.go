package tags

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Vectors recorded from pypa/packaging 23.0 by testdata/gen_vectors.py.
type filenameVectors struct {
	PackagingVersion string `json:"packaging_version"`
	Wheels           []struct {
		Filename    string   `json:"filename"`
		OK          bool     `json:"ok"`
		Error       string   `json:"error"`
		Name        string   `json:"name"`
		Version     string   `json:"version"`
		BuildNumber *int     `json:"build_number"`
		BuildSuffix *string  `json:"build_suffix"`
		Tags        []string `json:"tags"`
	} `json:"wheels"`
	Sdists []struct {
		Filename string `json:"filename"`
		OK       bool   `json:"ok"`
		Name     string `json:"name"`
	} `json:"sdists"`
}

// strictWheelDeviations are names packaging 23.0 accepts and canto rejects on
// purpose; each must still be accepted by packaging in the vectors, so this
// list cannot silently hide a real disagreement.
var strictWheelDeviations = map[string]string{
	"-1.0-py3-none-any.whl":         "empty project name",
	"foo-1.0-py3--any.whl":          "empty abi tag",
	"foo-1.0-py2..py3-none-any.whl": "empty element in a compressed tag set",
	"foo-1.0-py3-none-any .whl":     "space in a platform tag",
	"foo- 1.0-py3-none-any.whl":     "whitespace around the version",
}

// legacySdistExtensions are accepted by canto and rejected by packaging 23.0.
var legacySdistExtensions = map[string]bool{"foo-1.0.tar.bz2": true, "foo-1.0.tgz": true}

func loadFilenameVectors(t *testing.T) filenameVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/filenames.json")
	if err != nil {
		t.Fatal(err)
	}
	var v filenameVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.PackagingVersion != "23.0" || len(v.Wheels) == 0 || len(v.Sdists) == 0 {
		t.Fatalf("unexpected vector file: packaging %q, %d wheels, %d sdists", v.PackagingVersion, len(v.Wheels), len(v.Sdists))
	}
	return v
}

func TestWheelFilenameVectors(t *testing.T) {
	v := loadFilenameVectors(t)
	for _, c := range v.Wheels {
		t.Run(c.Filename, func(t *testing.T) {
			w, err := ParseWheelFilename(c.Filename)
			if reason, ok := strictWheelDeviations[c.Filename]; ok {
				if !c.OK {
					t.Fatalf("listed as a deviation (%s) but packaging rejects it too; remove it from the list", reason)
				}
				if err == nil {
					t.Fatalf("want rejection (%s), got %+v", reason, w)
				}
				return
			}
			if !c.OK {
				if err == nil {
					t.Fatalf("packaging rejects it (%s), canto accepted %+v", c.Error, w)
				}
				if !errors.Is(err, ErrInvalidFilename) {
					t.Errorf("error %v does not match ErrInvalidFilename", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("packaging accepts it, canto: %v", err)
			}
			if w.Name != c.Name {
				t.Errorf("Name = %q, packaging %q", w.Name, c.Name)
			}
			wantBuild := ""
			if c.BuildNumber != nil {
				wantBuild = strconv.Itoa(*c.BuildNumber) + *c.BuildSuffix
			}
			if gotBuild := normalizedBuild(w.Build); gotBuild != wantBuild {
				t.Errorf("Build = %q (as packaging: %q), packaging %q", w.Build, gotBuild, wantBuild)
			}
			var got []string
			for _, tg := range w.Tags {
				got = append(got, tg.String())
			}
			slices.Sort(got)
			if diff := cmp.Diff(c.Tags, got); diff != "" {
				t.Errorf("tags (-packaging +canto):\n%s", diff)
			}
		})
	}
}

// normalizedBuild renders a build tag as packaging's (int, str) tuple would
// print concatenated, to compare with the vectors.
func normalizedBuild(b string) string {
	if b == "" {
		return ""
	}
	digits, rest := splitBuild(b)
	n, err := strconv.Atoi(digits)
	if err != nil {
		return "!" + b
	}
	return strconv.Itoa(n) + rest
}

func TestSdistFilenameVectors(t *testing.T) {
	v := loadFilenameVectors(t)
	for _, c := range v.Sdists {
		t.Run(c.Filename, func(t *testing.T) {
			name, _, err := ParseSdistFilename(c.Filename)
			switch {
			case legacySdistExtensions[c.Filename]:
				if c.OK {
					t.Fatal("packaging accepts it now; drop it from legacySdistExtensions")
				}
				if err != nil {
					t.Fatalf("legacy extension should be accepted: %v", err)
				}
			case !c.OK:
				if err == nil {
					t.Fatalf("packaging rejects it, canto accepted name %q", name)
				}
			default:
				if err != nil {
					t.Fatalf("packaging accepts it, canto: %v", err)
				}
				if name != c.Name {
					t.Errorf("name = %q, packaging %q", name, c.Name)
				}
			}
		})
	}
}
