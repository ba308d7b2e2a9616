package target

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSupportedTagsVectors compares SupportedTags, in order, with
// packaging.tags.sys_tags() as recorded by testdata/gen_vectors.py.
func TestSupportedTagsVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/sys_tags.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		PackagingVersion string `json:"packaging_version"`
		Targets          []struct {
			Platform, Python, Libc string
			Tags                   []string
			BestWheels             map[string]*string `json:"best_wheels"`
		} `json:"targets"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.PackagingVersion != "23.0" || len(v.Targets) < 6 {
		t.Fatalf("unexpected vectors: packaging %q, %d targets", v.PackagingVersion, len(v.Targets))
	}
	for _, c := range v.Targets {
		t.Run(c.Platform+"_"+c.Python+"_"+c.Libc, func(t *testing.T) {
			tg, err := Parse(c.Platform, c.Python, c.Libc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range tg.SupportedTags() {
				got = append(got, x.String())
			}
			if diff := cmp.Diff(c.Tags, got); diff != "" {
				t.Errorf("SupportedTags (-packaging +canto):\n%s", diff)
			}
			for i, s := range c.Tags {
				parsed, err := parseOne(s)
				if err != nil {
					t.Fatal(err)
				}
				if r, ok := tg.Rank(parsed); !ok || r != i {
					t.Errorf("Rank(%s) = %d, %v; want %d, true", s, r, ok, i)
				}
			}
			if len(c.BestWheels) == 0 {
				t.Fatal("no best_wheels in the vectors")
			}
			for fixture, want := range c.BestWheels {
				got, err := tg.BestWheel(readFixture(t, fixture))
				switch {
				case want == nil && err == nil:
					t.Errorf("%s: pip would find no wheel, canto chose %s", fixture, got.Filename)
				case want != nil && err != nil:
					t.Errorf("%s: pip would choose %s, canto: %v", fixture, *want, err)
				case want != nil && got.Filename != *want:
					t.Errorf("%s: chose %s, pip would choose %s", fixture, got.Filename, *want)
				}
			}
		})
	}
}
