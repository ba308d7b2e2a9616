package target

import (
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/tags"
	"github.com/google/go-cmp/cmp"
)

// platformsOf lists the distinct platforms of a tag list in first-seen order.
func platformsOf(ts []tags.Tag) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range ts {
		if !seen[t.Platform] {
			seen[t.Platform] = true
			out = append(out, t.Platform)
		}
	}
	return out
}

// Targets the packaging 23.0 vectors do not cover.
func TestSupportedPlatforms(t *testing.T) {
	tests := []struct {
		platform, python, libc string
		first                  []string // leading platforms
		last                   string   // last platform before "any"
		count                  int      // platforms before "any"
	}{
		// riscv64 gets manylinux from 2_17 up (deliberately unlike 23.0).
		{"linux/riscv64", "3.12", "glibc-2.36",
			[]string{"manylinux_2_36_riscv64", "manylinux_2_35_riscv64"}, "linux_riscv64", 20 + 1 + 1},
		// armv6l: no manylinux at all, as packaging.
		{"linux/arm/v6", "3.11", "glibc-2.36", []string{"linux_armv6l"}, "linux_armv6l", 1},
		{"linux/arm/v6", "3.11", "musl-1.2",
			[]string{"musllinux_1_2_armv6l", "musllinux_1_1_armv6l", "musllinux_1_0_armv6l"}, "linux_armv6l", 4},
		// glibc older than the manylinux floor: only linux_<arch>.
		{"linux/arm64", "3.11", "glibc-2.12", []string{"linux_aarch64"}, "linux_aarch64", 1},
		// A glibc 3 would accept every 2.x down to the floor, from 2_50.
		{"linux/amd64", "3.11", "glibc-3.1",
			[]string{"manylinux_3_1_x86_64", "manylinux_3_0_x86_64", "manylinux_2_50_x86_64"}, "linux_x86_64", 2 + 46 + 3 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.platform+"_"+tt.libc, func(t *testing.T) {
			tg := mustParse(t, tt.platform, tt.python, tt.libc)
			plats := platformsOf(tg.SupportedTags())
			if plats[len(plats)-1] != "any" {
				t.Fatalf("last platform %q, want any", plats[len(plats)-1])
			}
			plats = plats[:len(plats)-1]
			if diff := cmp.Diff(tt.first, plats[:len(tt.first)]); diff != "" {
				t.Errorf("leading platforms (-want +got):\n%s", diff)
			}
			if plats[len(plats)-1] != tt.last || len(plats) != tt.count {
				t.Errorf("got %d platforms ending %q, want %d ending %q", len(plats), plats[len(plats)-1], tt.count, tt.last)
			}
		})
	}
}

// Every supported tag fits, is unique, and Explain agrees; a few that do
// not fit are explained.
func TestSupportedTagsConsistent(t *testing.T) {
	for _, args := range [][3]string{
		{"linux/amd64", "3.11", "glibc-2.36"},
		{"linux/arm64", "3.7", "musl-1.1"},
		{"linux/arm/v6", "3.13.2", "glibc-2.39"},
		{"linux/riscv64", "3.12", "glibc-2.31"},
	} {
		t.Run(strings.Join(args[:], "_"), func(t *testing.T) {
			tg := mustParse(t, args[0], args[1], args[2])
			supported := tg.SupportedTags()
			seen := map[tags.Tag]bool{}
			for i, s := range supported {
				if seen[s] {
					t.Fatalf("duplicate tag %v", s)
				}
				seen[s] = true
				w := tags.WheelFilename{Name: "x", RawName: "x", Version: "1", Tags: []tags.Tag{s}}
				v := tg.evaluate(w)
				if !v.fits || v.rank != i {
					t.Fatalf("tag %v at %d: fits %v rank %d", s, i, v.fits, v.rank)
				}
			}
			if r, ok := tg.Rank(tags.Tag{Interpreter: "cp311", ABI: "cp311", Platform: "win_amd64"}); ok {
				t.Errorf("win_amd64 ranked %d", r)
			}
		})
	}
}
