package target

import "testing"

func TestExplain(t *testing.T) {
	const (
		amd64 = "linux/amd64 3.11 glibc-2.36"
		arm64 = "linux/arm64 3.11 glibc-2.36"
		musl  = "linux/arm64 3.11 musl-1.1"
		armv6 = "linux/arm/v6 3.11 glibc-2.36"
	)
	targets := map[string]Target{
		amd64: mustParse(t, "linux/amd64", "3.11", "glibc-2.36"),
		arm64: mustParse(t, "linux/arm64", "3.11", "glibc-2.36"),
		musl:  mustParse(t, "linux/arm64", "3.11", "musl-1.1"),
		armv6: mustParse(t, "linux/arm/v6", "3.11", "glibc-2.36"),
	}
	tests := []struct{ target, file, want string }{
		{amd64, "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "fits as cp311-cp311-manylinux_2_17_x86_64 (rank 19 of 914, 0 is best)"},
		{amd64, "cryptography-45.0.5-cp37-abi3-manylinux_2_34_x86_64.whl", "fits as cp37-abi3-manylinux_2_34_x86_64 (rank 218 of 914, 0 is best)"},
		{amd64, "six-1.16.0-py2.py3-none-any.whl", "fits as py3-none-any (rank 902 of 914, 0 is best)"},
		{amd64, "numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.whl", "needs CPython 3.12, target is 3.11"},
		{amd64, "numpy-2.0.0-cp311-cp311-manylinux_2_38_x86_64.whl", "needs glibc 2.38, target has 2.36"},
		{amd64, "numpy-2.0.0-cp311-cp311-musllinux_1_1_x86_64.whl", "needs musl, target uses glibc"},
		{arm64, "numpy-2.0.0-cp311-cp311-macosx_11_0_arm64.whl", "built for macOS, target is linux/arm64"},
		{arm64, "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "built for x86_64, target is linux/arm64"},
		{amd64, "numpy-2.0.0-cp312-cp312-macosx_11_0_arm64.whl", "built for macOS, target is linux/amd64; needs CPython 3.12, target is 3.11"},
		{amd64, "cryptography-45.0.5-cp312-abi3-manylinux_2_34_x86_64.whl", "needs CPython 3.12 or newer (abi3), target is 3.11"},
		{amd64, "numpy-1.26.4-pp39-pypy39_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "needs PyPy, target is CPython"},
		{amd64, "foo-1.0-graalpy311-graalpy242_311_native-manylinux_2_28_x86_64.whl", "needs GraalPy, target is CPython"},
		{amd64, "foo-1.0-py312-none-any.whl", "needs Python 3.12 or newer, target is 3.11"},
		{amd64, "foo-1.0-py2-none-any.whl", "needs Python 2, target is 3.11"},
		{amd64, "foo-1.0-cp27-cp27mu-manylinux1_x86_64.whl", "needs CPython 2.7, target is 3.11"},
		{amd64, "foo-1.0-cp310-none-any.whl", "needs CPython 3.10, target is 3.11"},
		{amd64, "foo-1.0-cp311-cp311d-linux_x86_64.whl", "needs a debug build of CPython (ABI cp311d)"},
		{amd64, "foo-1.0-cp311-cp311t-linux_x86_64.whl", "needs a free-threaded build of CPython (ABI cp311t)"},
		{amd64, "foo-1.0-cp311-cp311m-linux_x86_64.whl", "needs ABI cp311m, target CPython 3.11 uses cp311"},
		{amd64, "foo-1.0-py3-abi3-any.whl", "tag py3-abi3-any is not among the tags CPython 3.11 on linux/amd64 accepts"},
		{amd64, "foo-1.0-py3-none-win_amd64.whl", "built for Windows, target is linux/amd64"},
		{amd64, "foo-1.0-cp311-cp311-emscripten_3_1_58_wasm32.whl", "built for Emscripten (WebAssembly), target is linux/amd64"},
		{amd64, "foo-1.0-py3-none-freebsd_13_x86_64.whl", "built for platform freebsd_13_x86_64, target is linux/amd64"},
		{amd64, "foo-1.0-cp311-cp311-manylinux_3_0_x86_64.whl", "needs glibc 3.0, target has 2.36"},
		{amd64, "foo-1.0-cp311-cp311-manylinux_2_3_x86_64.whl", "manylinux for x86_64 starts at glibc 2.5, the wheel claims 2.3"},
		{arm64, "foo-1.0-cp311-cp311-manylinux_2_5_aarch64.whl", "manylinux for aarch64 starts at glibc 2.17, the wheel claims 2.5"},
		{armv6, "foo-1.0-cp311-cp311-manylinux_2_17_armv6l.whl", "manylinux wheels are not defined for armv6l"},
		{armv6, "foo-1.0-cp311-cp311-linux_armv6l.whl", "fits as cp311-cp311-linux_armv6l (rank 0 of 39, 0 is best)"},
		{musl, "cryptography-45.0.5-cp311-abi3-musllinux_1_2_aarch64.whl", "needs musl 1.2, target has 1.1"},
		{musl, "foo-1.0-cp311-cp311-musllinux_2_0_aarch64.whl", "needs musl 2.0, target has 1.1"},
		{musl, "foo-1.0-cp311-cp311-manylinux_2_17_aarch64.whl", "needs glibc, target uses musl"},
		{musl, "foo-1.0-cp311-cp311-musllinux_1_1_x86_64.whl", "built for x86_64, target is linux/arm64"},
		{amd64, "numpy-1.26.4.tar.gz", "source distribution, not a wheel"},
		{amd64, "foo.egg", "not a wheel or sdist filename"},
		{amd64, "foo__bar-1.0-py3-none-any.whl", `parsing wheel filename "foo__bar-1.0-py3-none-any.whl": invalid project name "foo__bar" (contains "__")`},
	}
	for _, tt := range tests {
		t.Run(tt.target+"/"+tt.file, func(t *testing.T) {
			if got := targets[tt.target].Explain(tt.file); got != tt.want {
				t.Errorf("Explain:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
