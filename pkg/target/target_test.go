package target

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		platform, python, libc string
		want                   Target
		str                    string
	}{
		{"linux/amd64", "3.11", "glibc-2.36",
			Target{OS: "linux", Arch: "amd64", Python: PyVersion{Major: 3, Minor: 11}, Implementation: "cp", Libc: Libc{Glibc, 2, 36}},
			"linux/amd64 python3.11 glibc-2.36"},
		{"linux/arm64", "3.12.1", "musl-1.2",
			Target{OS: "linux", Arch: "arm64", Python: PyVersion{Major: 3, Minor: 12, Patch: 1, HasPatch: true}, Implementation: "cp", Libc: Libc{Musl, 1, 2}},
			"linux/arm64 python3.12.1 musl-1.2"},
		{"linux/arm64/v8", "3.10", "musl-1.2.4",
			Target{OS: "linux", Arch: "arm64", Python: PyVersion{Major: 3, Minor: 10}, Implementation: "cp", Libc: Libc{Musl, 1, 2}},
			"linux/arm64 python3.10 musl-1.2"},
		{"linux/arm", "3.9.0", "glibc-2.31",
			Target{OS: "linux", Arch: "arm", Variant: "v7", Python: PyVersion{Major: 3, Minor: 9, HasPatch: true}, Implementation: "cp", Libc: Libc{Glibc, 2, 31}},
			"linux/arm/v7 python3.9.0 glibc-2.31"},
		{"linux/arm/v6", "3.11", "musl-1.2",
			Target{OS: "linux", Arch: "arm", Variant: "v6", Python: PyVersion{Major: 3, Minor: 11}, Implementation: "cp", Libc: Libc{Musl, 1, 2}},
			"linux/arm/v6 python3.11 musl-1.2"},
		{"linux/amd64/v3", "3.13", "glibc-2.39",
			Target{OS: "linux", Arch: "amd64", Variant: "v3", Python: PyVersion{Major: 3, Minor: 13}, Implementation: "cp", Libc: Libc{Glibc, 2, 39}},
			"linux/amd64/v3 python3.13 glibc-2.39"},
		{"linux/riscv64", "3.12", "glibc-2.36",
			Target{OS: "linux", Arch: "riscv64", Python: PyVersion{Major: 3, Minor: 12}, Implementation: "cp", Libc: Libc{Glibc, 2, 36}},
			"linux/riscv64 python3.12 glibc-2.36"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			got, err := Parse(tt.platform, tt.python, tt.libc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const (
		platformHint = "\nhint: use linux/amd64, linux/arm64, linux/arm/v7, linux/arm/v6, linux/386, linux/ppc64le, linux/s390x or linux/riscv64"
		pythonHint   = "\nhint: give the CPython version of the image's interpreter, such as 3.12 or 3.12.4"
		libcHint     = "\nhint: name the base image's C library and version, such as glibc-2.36 (Debian 12) or musl-1.2 (Alpine)"
	)
	tests := []struct{ platform, python, libc, want string }{
		{"amd64", "3.11", "glibc-2.36", `parsing platform "amd64": want os/arch[/variant]` + platformHint},
		{"linux/amd64/v3/x", "3.11", "glibc-2.36", `parsing platform "linux/amd64/v3/x": want os/arch[/variant]` + platformHint},
		{"darwin/arm64", "3.11", "glibc-2.36", `parsing platform "darwin/arm64": canto builds Linux images, not "darwin"` + platformHint},
		{"linux/mips64le", "3.11", "glibc-2.36", `parsing platform "linux/mips64le": unsupported architecture "mips64le"` + platformHint},
		{"linux/arm/v5", "3.11", "glibc-2.36", `parsing platform "linux/arm/v5": unknown arm variant "v5"` + platformHint},
		{"linux/arm64/v9", "3.11", "glibc-2.36", `parsing platform "linux/arm64/v9": unknown arm64 variant "v9"` + platformHint},
		{"linux/amd64/v5", "3.11", "glibc-2.36", `parsing platform "linux/amd64/v5": unknown amd64 variant "v5"` + platformHint},
		{"linux/s390x/v1", "3.11", "glibc-2.36", `parsing platform "linux/s390x/v1": architecture s390x has no variants, got "v1"` + platformHint},
		{"linux/amd64", "3", "glibc-2.36", `parsing Python version "3": want major.minor or major.minor.patch` + pythonHint},
		{"linux/amd64", "3.11.2.1", "glibc-2.36", `parsing Python version "3.11.2.1": want major.minor or major.minor.patch` + pythonHint},
		{"linux/amd64", "3.x", "glibc-2.36", `parsing Python version "3.x": "x" is not a number` + pythonHint},
		{"linux/amd64", "3.011", "glibc-2.36", `parsing Python version "3.011": "011" is not a number` + pythonHint},
		{"linux/amd64", "3.12rc1", "glibc-2.36", `parsing Python version "3.12rc1": "12rc1" is not a number` + pythonHint},
		{"linux/amd64", "2.7", "glibc-2.36", `parsing Python version "2.7": canto supports CPython 3.6 and later` + pythonHint},
		{"linux/amd64", "3.5", "glibc-2.36", `parsing Python version "3.5": canto supports CPython 3.6 and later` + pythonHint},
		{"linux/amd64", "3.11", "", `parsing libc "": want family-major.minor` + libcHint},
		{"linux/amd64", "3.11", "glibc", `parsing libc "glibc": want family-major.minor` + libcHint},
		{"linux/amd64", "3.11", "uclibc-1.0", `parsing libc "uclibc-1.0": unknown family "uclibc" (want glibc or musl)` + libcHint},
		{"linux/amd64", "3.11", "glibc-2", `parsing libc "glibc-2": want major.minor version, got "2"` + libcHint},
		{"linux/amd64", "3.11", "glibc-2.x", `parsing libc "glibc-2.x": "x" is not a number` + libcHint},
		{"linux/amd64", "3.11", "musl-0.9", `parsing libc "musl-0.9": major version must be at least 1` + libcHint},
		{"linux/amd64", "3.100", "glibc-2.36", `parsing Python version "3.100": minor version 100 is beyond any CPython (at most 99)` + pythonHint},
		{"linux/arm", "3.1151", "musl-1.6660", `parsing Python version "3.1151": minor version 1151 is beyond any CPython (at most 99)` + pythonHint},
		{"linux/amd64", "3.11", "musl-1.6660", `parsing libc "musl-1.6660": version 1.6660 is beyond any release (at most 9.199)` + libcHint},
		{"linux/amd64", "3.11", "glibc-10.1", `parsing libc "glibc-10.1": version 10.1 is beyond any release (at most 9.199)` + libcHint},
	}
	for _, tt := range tests {
		t.Run(tt.platform+"_"+tt.python+"_"+tt.libc, func(t *testing.T) {
			got, err := Parse(tt.platform, tt.python, tt.libc)
			if err == nil {
				t.Fatalf("Parse = %v, want error", got)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestMarkerEnv(t *testing.T) {
	tests := []struct {
		platform, python, libc string
		machine, version, full string
	}{
		{"linux/amd64", "3.11", "glibc-2.36", "x86_64", "3.11", "3.11.0"},
		{"linux/arm64", "3.12.1", "musl-1.2", "aarch64", "3.12", "3.12.1"},
		{"linux/arm/v7", "3.9", "glibc-2.31", "armv7l", "3.9", "3.9.0"},
		{"linux/arm/v6", "3.9", "musl-1.2", "armv6l", "3.9", "3.9.0"},
		{"linux/386", "3.10.14", "glibc-2.36", "i686", "3.10", "3.10.14"},
		{"linux/ppc64le", "3.13", "glibc-2.28", "ppc64le", "3.13", "3.13.0"},
		{"linux/s390x", "3.13", "glibc-2.28", "s390x", "3.13", "3.13.0"},
		{"linux/riscv64", "3.13", "glibc-2.28", "riscv64", "3.13", "3.13.0"},
	}
	for _, tt := range tests {
		t.Run(tt.platform+"_"+tt.python, func(t *testing.T) {
			want := map[string]string{
				"os_name":                        "posix",
				"sys_platform":                   "linux",
				"platform_machine":               tt.machine,
				"platform_python_implementation": "CPython",
				"platform_release":               "",
				"platform_system":                "Linux",
				"platform_version":               "",
				"python_version":                 tt.version,
				"python_full_version":            tt.full,
				"implementation_name":            "cpython",
				"implementation_version":         tt.full,
			}
			got := mustParse(t, tt.platform, tt.python, tt.libc).MarkerEnv()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("MarkerEnv (-want +got):\n%s", diff)
			}
		})
	}
}
