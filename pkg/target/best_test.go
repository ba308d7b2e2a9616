package target

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The file lists in testdata/wheels come from the poetry.lock of
// Chainlit/chainlit (backend/poetry.lock at commit 0c2e9c2c09c7); each file
// records its source in its header.
func TestBestWheel(t *testing.T) {
	type target struct{ platform, python, libc string }
	var (
		glibcX86   = target{"linux/amd64", "3.11", "glibc-2.36"}
		glibcArm   = target{"linux/arm64", "3.12", "glibc-2.31"}
		muslX86    = target{"linux/amd64", "3.12", "musl-1.2"}
		muslArmOld = target{"linux/arm64", "3.11", "musl-1.1"}
		oldGlibc   = target{"linux/amd64", "3.12", "glibc-2.12"}
		py313      = target{"linux/amd64", "3.13", "glibc-2.36"}
		py36       = target{"linux/amd64", "3.6", "glibc-2.36"}
		armv7      = target{"linux/arm/v7", "3.11", "glibc-2.36"}
	)
	const hint = "\nhint: choose a target one of the published wheels supports, or build the package from its source distribution"
	tests := []struct {
		fixture string
		target  target
		want    string // chosen filename, or "" when wantErr
		wantErr string
	}{
		{fixture: "numpy-1.26.4.txt", target: glibcX86, want: "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"},
		{fixture: "numpy-1.26.4.txt", target: glibcArm, want: "numpy-1.26.4-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"},
		{fixture: "numpy-1.26.4.txt", target: muslX86, want: "numpy-1.26.4-cp312-cp312-musllinux_1_1_x86_64.whl"},
		{fixture: "numpy-1.26.4.txt", target: muslArmOld, want: "numpy-1.26.4-cp311-cp311-musllinux_1_1_aarch64.whl"},
		{fixture: "numpy-1.26.4.txt", target: py313, wantErr: "no wheel fits linux/amd64 python3.13 glibc-2.36 (35 considered); closest is numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl: needs CPython 3.12, target is 3.13" + hint},
		{fixture: "numpy-1.26.4.txt", target: oldGlibc, wantErr: "no wheel fits linux/amd64 python3.12 glibc-2.12 (35 considered); closest is numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl: needs glibc 2.17, target has 2.12" + hint},
		{fixture: "numpy-1.26.4.txt", target: armv7, wantErr: "no wheel fits linux/arm/v7 python3.11 glibc-2.36 (35 considered); closest is numpy-1.26.4-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl: built for aarch64, target is linux/arm/v7" + hint},

		{fixture: "pydantic-core-2.33.2.txt", target: glibcX86, want: "pydantic_core-2.33.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"},
		{fixture: "pydantic-core-2.33.2.txt", target: glibcArm, want: "pydantic_core-2.33.2-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"},
		{fixture: "pydantic-core-2.33.2.txt", target: muslX86, want: "pydantic_core-2.33.2-cp312-cp312-musllinux_1_1_x86_64.whl"},
		{fixture: "pydantic-core-2.33.2.txt", target: armv7, want: "pydantic_core-2.33.2-cp311-cp311-manylinux_2_17_armv7l.manylinux2014_armv7l.whl"},

		// cryptography ships abi3 wheels: the newest abi3 floor the target
		// satisfies wins, then the newest manylinux.
		{fixture: "cryptography-45.0.5.txt", target: glibcX86, want: "cryptography-45.0.5-cp311-abi3-manylinux_2_34_x86_64.whl"},
		{fixture: "cryptography-45.0.5.txt", target: glibcArm, want: "cryptography-45.0.5-cp311-abi3-manylinux_2_28_aarch64.whl"},
		{fixture: "cryptography-45.0.5.txt", target: muslX86, want: "cryptography-45.0.5-cp311-abi3-musllinux_1_2_x86_64.whl"},
		{fixture: "cryptography-45.0.5.txt", target: target{"linux/amd64", "3.10", "glibc-2.17"}, want: "cryptography-45.0.5-cp37-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"},
		{fixture: "cryptography-45.0.5.txt", target: armv7, want: "cryptography-45.0.5-cp311-abi3-manylinux_2_28_armv7l.manylinux_2_31_armv7l.whl"},
		{fixture: "cryptography-45.0.5.txt", target: muslArmOld, wantErr: "no wheel fits linux/arm64 python3.11 musl-1.1 (36 considered); closest is cryptography-45.0.5-cp311-abi3-musllinux_1_2_aarch64.whl: needs musl 1.2, target has 1.1" + hint},
		{fixture: "cryptography-45.0.5.txt", target: py36, wantErr: "no wheel fits linux/amd64 python3.6 glibc-2.36 (36 considered); closest is cryptography-45.0.5-cp37-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl: needs CPython 3.7 or newer (abi3), target is 3.6" + hint},

		{fixture: "grpcio-1.73.1.txt", target: glibcX86, want: "grpcio-1.73.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"},
		{fixture: "grpcio-1.73.1.txt", target: glibcArm, want: "grpcio-1.73.1-cp312-cp312-manylinux_2_17_aarch64.whl"},
		{fixture: "grpcio-1.73.1.txt", target: muslX86, want: "grpcio-1.73.1-cp312-cp312-musllinux_1_1_x86_64.whl"},
		{fixture: "grpcio-1.73.1.txt", target: armv7, want: "grpcio-1.73.1-cp311-cp311-linux_armv7l.whl"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.target.platform+"_"+tt.target.python+"_"+tt.target.libc, func(t *testing.T) {
			tg := mustParse(t, tt.target.platform, tt.target.python, tt.target.libc)
			files := readFixture(t, tt.fixture)
			got, err := tg.BestWheel(files)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("chose %s, want error", got.Filename)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("error:\n got %s\nwant %s", err, tt.wantErr)
				}
				var ie *IncompatibleError
				if !errors.As(err, &ie) {
					t.Fatalf("error is %T, want *IncompatibleError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Filename != tt.want {
				t.Errorf("chose %s, want %s", got.Filename, tt.want)
			}
			if r, ok := tg.Rank(got.Tag); !ok || r != got.Rank {
				t.Errorf("Choice.Rank = %d, Rank(%v) = %d, %v", got.Rank, got.Tag, r, ok)
			}
			// The choice does not depend on the order of the files.
			rev := slices.Clone(files)
			slices.Reverse(rev)
			again, err := tg.BestWheel(rev)
			if err != nil || again.Filename != got.Filename {
				t.Errorf("reversed input chose %s, %v", again.Filename, err)
			}
		})
	}
}

func TestBestWheelTies(t *testing.T) {
	tg := mustParse(t, "linux/amd64", "3.11", "glibc-2.36")
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"higher build tag wins", []string{
			"foo-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl",
			"foo-1.0-10-cp311-cp311-manylinux_2_17_x86_64.whl",
			"foo-1.0-2-cp311-cp311-manylinux_2_17_x86_64.whl",
			"foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
		}, "foo-1.0-10-cp311-cp311-manylinux_2_17_x86_64.whl"},
		{"rank beats build tag", []string{
			"foo-1.0-9-cp311-cp311-manylinux_2_17_x86_64.whl",
			"foo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl",
		}, "foo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"},
		{"equal rank and build: smaller name", []string{
			"foo-1.0-py3-none-any.whl",
			"Foo-1.0-py3-none-any.whl",
		}, "Foo-1.0-py3-none-any.whl"},
		{"sdists and invalid names are skipped", []string{
			"foo-1.0.tar.gz",
			"foo__x-1.0-cp311-cp311-linux_x86_64.whl",
			"foo-1.0-py3-none-any.whl",
		}, "foo-1.0-py3-none-any.whl"},
		{"compressed tag set uses its best tag", []string{
			"foo-1.0-py3-none-any.whl",
			"foo-1.0-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.whl",
		}, "foo-1.0-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.whl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tg.BestWheel(tt.files)
			if err != nil {
				t.Fatal(err)
			}
			if got.Filename != tt.want {
				t.Errorf("chose %s, want %s", got.Filename, tt.want)
			}
		})
	}
}

func TestBestWheelNoWheels(t *testing.T) {
	tg := mustParse(t, "linux/amd64", "3.11", "glibc-2.36")
	tests := []struct {
		name  string
		files []string
		want  *IncompatibleError
		text  string
	}{
		{"only an sdist", []string{"foo-1.0.tar.gz"},
			&IncompatibleError{Target: tg},
			"no wheel fits linux/amd64 python3.11 glibc-2.36: the files include no wheels\nhint: the package must be built from its source distribution"},
		{"only invalid wheels", []string{"foo__x-1.0-py3-none-any.whl"},
			&IncompatibleError{Target: tg, Wheels: 1, Closest: "foo__x-1.0-py3-none-any.whl", Mismatches: []Mismatch{{Kind: InvalidFilename,
				Reason: `parsing wheel filename "foo__x-1.0-py3-none-any.whl": invalid project name "foo__x" (contains "__")`}}},
			`no wheel fits linux/amd64 python3.11 glibc-2.36 (1 considered); closest is foo__x-1.0-py3-none-any.whl: parsing wheel filename "foo__x-1.0-py3-none-any.whl": invalid project name "foo__x" (contains "__")` +
				"\nhint: choose a target one of the published wheels supports, or build the package from its source distribution"},
		{"closest by severity then distance", []string{
			"foo-1.0-cp311-cp311-macosx_11_0_x86_64.whl",     // OS: 8
			"foo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl",   // libc family: 3
			"foo-1.0-cp313-cp313-manylinux_2_17_x86_64.whl",  // Python, 2 minors off: 2
			"foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",  // Python, 1 minor off: 2
			"foo-1.0-cp312-cp312-manylinux_2_38_aarch64.whl", // arch + Python + glibc: 8
		}, &IncompatibleError{Target: tg, Wheels: 5, Closest: "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
			Mismatches: []Mismatch{{Kind: PythonVersion, Reason: "needs CPython 3.12, target is 3.11", Distance: 1}}},
			"no wheel fits linux/amd64 python3.11 glibc-2.36 (5 considered); closest is foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: needs CPython 3.12, target is 3.11" +
				"\nhint: choose a target one of the published wheels supports, or build the package from its source distribution"},
		{"libc too old is closer than another Python", []string{
			"foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
			"foo-1.0-cp311-cp311-manylinux_2_39_x86_64.whl",
		}, &IncompatibleError{Target: tg, Wheels: 2, Closest: "foo-1.0-cp311-cp311-manylinux_2_39_x86_64.whl",
			Mismatches: []Mismatch{{Kind: LibcTooOld, Reason: "needs glibc 2.39, target has 2.36", Distance: 3}}},
			"no wheel fits linux/amd64 python3.11 glibc-2.36 (2 considered); closest is foo-1.0-cp311-cp311-manylinux_2_39_x86_64.whl: needs glibc 2.39, target has 2.36" +
				"\nhint: choose a target one of the published wheels supports, or build the package from its source distribution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tg.BestWheel(tt.files)
			var ie *IncompatibleError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not *IncompatibleError", err)
			}
			if diff := cmp.Diff(tt.want, ie); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if err.Error() != tt.text {
				t.Errorf("error:\n got %s\nwant %s", err, tt.text)
			}
		})
	}
}

// TestFixturesMatchCorpus checks that the committed file lists are exactly
// the lists in the lock file they cite, when the shared corpus is present.
func TestFixturesMatchCorpus(t *testing.T) {
	lockPath := "../../../shared/corpus/poetry-locks/Chainlit__chainlit/poetry.lock"
	lock, err := os.ReadFile(lockPath)
	if err != nil {
		t.Skip("shared corpus not present")
	}
	fixtures, _ := filepath.Glob("testdata/wheels/*.txt")
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	for _, path := range fixtures {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			files := readFixture(t, name)
			fileRE := regexp.MustCompile(`\{file = "([^"]+)"`)
			// A release's files share "name-version" before the tags or
			// the archive extension.
			release := func(f string) string {
				if parts := strings.SplitN(f, "-", 3); len(parts) == 3 && strings.HasSuffix(f, ".whl") {
					return parts[0] + "-" + parts[1]
				}
				return strings.TrimSuffix(strings.TrimSuffix(f, ".tar.gz"), ".zip")
			}
			want := map[string]bool{}
			for _, f := range files {
				want[release(f)] = true
			}
			var inLock []string
			for _, m := range fileRE.FindAllSubmatch(lock, -1) {
				if want[release(string(m[1]))] {
					inLock = append(inLock, string(m[1]))
				}
			}
			if diff := cmp.Diff(files, inLock); diff != "" {
				t.Errorf("fixture differs from %s (-fixture +lock):\n%s", lockPath, diff)
			}
		})
	}
}
