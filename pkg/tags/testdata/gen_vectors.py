#!/usr/bin/python3
"""Regenerate wheel_filenames.json from pypa/packaging.

Run with Debian's interpreter, which ships packaging 23.0:

    /usr/bin/python3 pkg/tags/testdata/gen_vectors.py

The Go tests in pkg/tags compare ParseWheelFilename, ParseSdistFilename and
ParseTag against the recorded results. The cases are written here by hand;
packaging decides which are valid and what they parse to.
"""
import json
import os

import packaging
from packaging.tags import parse_tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

WHEELS = [
    # Real filenames (numpy 1.26.4, cryptography, pydantic-core, grpcio).
    "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "numpy-1.26.4-pp39-pypy39_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "numpy-1.26.4-cp312-cp312-musllinux_1_1_aarch64.whl",
    "numpy-1.26.4-cp39-cp39-win_amd64.whl",
    "cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl",
    "cryptography-42.0.5-cp37-abi3-macosx_10_12_universal2.whl",
    "pydantic_core-2.16.3-cp312-none-musllinux_1_1_x86_64.whl",
    "grpcio-1.62.1-cp311-cp311-manylinux_2_17_aarch64.whl",
    "six-1.16.0-py2.py3-none-any.whl",
    "typing_extensions-4.10.0-py3-none-any.whl",
    "zope.interface-6.2-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "PyYAML-6.0.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "Foo.Bar-1.0-py3-none-any.whl",
    "foo_bar-1.0-py3-none-any.whl",
    "caf\u00e9-1.0-py3-none-any.whl",
    # Build tags.
    "foo-1.0-1-py3-none-any.whl",
    "foo-1.0-1abc-py3-none-any.whl",
    "foo-1.0-00123x_y-py3-none-any.whl",
    # Versions.
    "foo-1.0.dev1-py3-none-any.whl",
    "foo-2!1.0-py3-none-any.whl",
    "foo-1.0+local.7-py3-none-any.whl",
    "foo-1.0rc1-py3-none-any.whl",
    "foo-v1.0-py3-none-any.whl",
    "foo-1.0_post1-py3-none-any.whl",
    "foo-1.0.post1.dev2-py3-none-any.whl",
    "foo-1.0a-py3-none-any.whl",
    "foo-1.0.RC1-py3-none-any.whl",
    # Tags: case folding and compressed sets.
    "foo-1.0-Py3-NONE-ANY.whl",
    "foo-1.0-py2.py3-none.abi3-any.linux_x86_64.whl",
    "foo-1.0-py3.py3-none-any.whl",
    # Invalid.
    "foo-1.0-py3-none-any",
    "foo-1.0-py3-none-any.WHL",
    "foo-1.0-py3-none.whl",
    "foo-1.0-1-2-py3-none-any.whl",
    "foo-1.0.tar.gz",
    "foo__bar-1.0-py3-none-any.whl",
    "foo-bar-1.0-py3-none-any.whl",
    "foo-1.0-abc-py3-none-any.whl",
    "foo-notaversion-py3-none-any.whl",
    "foo bar-1.0-py3-none-any.whl",
    "foo+bar-1.0-py3-none-any.whl",
    "foo-1.0.-py3-none-any.whl",
    "foo-1..0-py3-none-any.whl",
    "foo--py3-none-any.whl",
    ".whl",
    # Accepted by packaging 23.0, rejected by canto (see the Go test).
    "-1.0-py3-none-any.whl",
    "foo-1.0-py3--any.whl",
    "foo-1.0-py2..py3-none-any.whl",
    "foo-1.0-py3-none-any .whl",
    "foo- 1.0-py3-none-any.whl",
]

SDISTS = [
    "numpy-1.26.4.tar.gz",
    "zope.interface-6.2.tar.gz",
    "Foo_Bar-1.0.zip",
    "foo-bar-baz-2.0rc1.tar.gz",
    "foo-1.0.post1.tar.gz",
    # Invalid.
    "foo.tar.gz",
    "foo-1.0.whl",
    "foo-bar.tar.gz",
    "foo-1.0.tar",
    "foo-1.0-py3-none-any.tar.gz",
    # Legacy extensions: packaging 23.0 rejects them, canto accepts them.
    "foo-1.0.tar.bz2",
    "foo-1.0.tgz",
]


def wheel_case(filename):
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion) as e:
        return {"filename": filename, "ok": False, "error": str(e)}
    return {
        "filename": filename,
        "ok": True,
        "name": name,
        "version": str(version),
        "build_number": build[0] if build else None,
        "build_suffix": build[1] if build else None,
        "tags": sorted(str(t) for t in tags),
    }


def sdist_case(filename):
    try:
        name, version = parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidVersion) as e:
        return {"filename": filename, "ok": False, "error": str(e)}
    return {"filename": filename, "ok": True, "name": name, "version": str(version)}


def main():
    out = {
        "generator": "pkg/tags/testdata/gen_vectors.py",
        "packaging_version": packaging.__version__,
        "wheels": [wheel_case(f) for f in WHEELS],
        "sdists": [sdist_case(f) for f in SDISTS],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "filenames.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
