package target

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add("linux/amd64", "3.11", "glibc-2.36")
	f.Add("linux/arm64/v8", "3.12.1", "musl-1.2.4")
	f.Add("linux/arm", "3.6", "glibc-2.5")
	f.Add("darwin/arm64", "2.7", "uclibc-1")
	f.Fuzz(func(t *testing.T, platform, python, libc string) {
		tg, err := Parse(platform, python, libc)
		if err != nil {
			if !strings.Contains(err.Error(), "\nhint: ") {
				t.Fatalf("error without hint: %v", err)
			}
			return
		}
		// A parsed target re-parses from its parts to itself.
		again, err := Parse(tg.Platform(), tg.Python.String(), tg.Libc.String())
		if err != nil || again != tg {
			t.Fatalf("re-parse of %v: %v, %v", tg, again, err)
		}
		if tg.MarkerEnv()["platform_machine"] == "" {
			t.Fatalf("no platform_machine for %v", tg)
		}
		if len(tg.SupportedTags()) == 0 {
			t.Fatalf("no tags for %v", tg)
		}
	})
}

func FuzzExplain(f *testing.F) {
	tg, err := Parse("linux/amd64", "3.11", "glibc-2.36")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"foo-1.0-cp312-abi3-musllinux_1_2_aarch64.whl",
		"foo-1.0-pp39-pypy39_pp73-macosx_10_9_x86_64.whl",
		"foo-1.0-cp3-cp3-manylinux_x_y_z.whl",
		"foo-1.0.tar.gz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, filename string) {
		got := tg.Explain(filename)
		if got == "" {
			t.Fatalf("empty explanation for %q", filename)
		}
		// Explain and BestWheel agree on whether a wheel fits.
		_, err := tg.BestWheel([]string{filename})
		fits := strings.HasPrefix(got, "fits as ")
		if fits != (err == nil) {
			t.Fatalf("Explain(%q) = %q but BestWheel error = %v", filename, got, err)
		}
	})
}
