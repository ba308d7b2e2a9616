#!/usr/bin/python3
"""Regenerate sys_tags.json: packaging.tags.sys_tags() as it would run on
each target, computed on this machine by faking the target.

It also records, for each target and each file list in wheels/*.txt, the
wheel pip would pick by that tag order (best_wheels).

Run with Debian's interpreter, which ships packaging 23.0:

    /usr/bin/python3 pkg/target/testdata/gen_vectors.py

sys_tags() on Linux CPython is cpython_tags() followed by
compatible_tags(interpreter="cpXY"), both over the platforms that
_linux_platforms() yields. We call those same functions with the target's
Python version and, for the platforms, replace only what _linux_platforms()
would read from the running system: sysconfig.get_platform(), the glibc
version, the musl version, and the ELF checks of sys.executable for
armv7l/i686. ABIs come from _cpython_abis() with this (non-debug, pymalloc)
interpreter's build configuration, as on a stock CPython.
"""
import glob
import json
import os
import sysconfig

import packaging
from packaging import _manylinux, _musllinux, tags
from packaging.utils import parse_wheel_filename

HERE = os.path.dirname(os.path.abspath(__file__))

# (platform, python, libc) as canto's target.Parse takes them, and the
# machine name sysconfig.get_platform() reports on such a system.
TARGETS = [
    ("linux/amd64", "3.11", "glibc-2.36", "x86_64"),
    ("linux/arm64", "3.11", "glibc-2.31", "aarch64"),
    ("linux/amd64", "3.12", "glibc-2.17", "x86_64"),
    ("linux/amd64", "3.10", "musl-1.2", "x86_64"),
    ("linux/arm64", "3.11", "musl-1.1", "aarch64"),
    ("linux/amd64", "3.8", "glibc-2.28", "x86_64"),
    # Further architectures and an old pymalloc ABI ("cp37m").
    ("linux/386", "3.11", "glibc-2.36", "i686"),
    ("linux/arm/v7", "3.9", "glibc-2.31", "armv7l"),
    ("linux/ppc64le", "3.12", "glibc-2.28", "ppc64le"),
    ("linux/s390x", "3.13", "musl-1.2", "s390x"),
    ("linux/amd64", "3.7", "glibc-2.17", "x86_64"),
]


def platforms(machine, libc):
    family, _, version = libc.partition("-")
    major, minor = (int(x) for x in version.split(".")[:2])
    sysconfig.get_platform = lambda: "linux-" + machine
    _manylinux._is_linux_armhf = lambda executable: True
    _manylinux._is_linux_i686 = lambda executable: True
    if family == "glibc":
        _manylinux._get_glibc_version = lambda: (major, minor)
        _musllinux._get_musl_version = lambda executable: None
    else:
        _manylinux._get_glibc_version = lambda: (-1, -1)
        _musllinux._get_musl_version = lambda executable: _musllinux._MuslVersion(major, minor)
    return list(tags._linux_platforms(is_32bit=False))


def sys_tags(python, plats):
    version = tuple(int(x) for x in python.split("."))
    nodot = "".join(str(x) for x in version[:2])
    out = list(tags.cpython_tags(python_version=version, platforms=plats))
    out += list(tags.compatible_tags(python_version=version, interpreter="cp" + nodot, platforms=plats))
    return [str(t) for t in out]


def best_wheel(tag_list, filenames):
    """pip's choice: the wheel whose best tag comes first in sys_tags(),
    then the higher build tag, then (canto's own rule) the smaller name."""
    index = {}
    for i, t in enumerate(tag_list):
        index.setdefault(t, i)
    fits = []
    for f in filenames:
        if not f.endswith(".whl"):
            continue
        _, _, build, wheel_tags = parse_wheel_filename(f)
        ranks = [index[str(t)] for t in wheel_tags if str(t) in index]
        if ranks:
            fits.append((min(ranks), build, f))
    if not fits:
        return None
    rank = min(r for r, _, _ in fits)
    fits = [x for x in fits if x[0] == rank]
    build = max(b for _, b, _ in fits)
    return min(f for _, b, f in fits if b == build)


def main():
    fixtures = {}
    for path in sorted(glob.glob(os.path.join(HERE, "wheels", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        fixtures[os.path.basename(path)] = lines
    vectors = []
    for platform, python, libc, machine in TARGETS:
        tag_list = sys_tags(python, platforms(machine, libc))
        vectors.append({
            "platform": platform,
            "python": python,
            "libc": libc,
            "tags": tag_list,
            # Fixture file name -> the wheel pip would pick (null: none fits).
            "best_wheels": {name: best_wheel(tag_list, files) for name, files in fixtures.items()},
        })
    out = {
        "generator": "pkg/target/testdata/gen_vectors.py",
        "packaging_version": packaging.__version__,
        "targets": vectors,
    }
    path = os.path.join(HERE, "sys_tags.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
