#!/usr/bin/python3
"""Generate PEP 440 reference vectors for canto's pkg/pep440 tests.

Oracle: the `packaging` library (Debian bookworm's python3-packaging 23.0).
How it was run (from the repository root):

    /usr/bin/python3 pkg/pep440/testdata/gen_vectors.py

It writes, next to this script:
  versions.json    parse validity, normalized form and properties per input
  ordering.json    the sign of packaging's comparison for every ordered pair
  specifiers.json  specifier-set validity, str() and containment with
                   prereleases=False, True and None (packaging's default)

The output is deterministic; rerun and diff to check. Known divergences of
packaging 23.0 from the current spec are listed in the Go tests, not here.
"""

import json
import os
import sys

import packaging
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

HERE = os.path.dirname(os.path.abspath(__file__))

VERSION_INPUTS = [
    # plain and normalized spellings
    "1", "1.0", "1.0.0", "1.2.3", "01.02.03", "1.2.3.4.5.6", "0", "0.0", "2024.1.15",
    "v1.0", "V1.0", " 1.0 ", "\t1.0\n",
    # epochs
    "1!1.0", "0!1.0", "2!0.1", "01!1.0", "1!1.0a1", "1!2.0.post1.dev3+local",
    # pre-releases, all spellings
    "1.0a1", "1.0A1", "1.0alpha1", "1.0.alpha1", "1.0-alpha-1", "1.0_a_1", "1.0a", "1.0.a",
    "1.0b2", "1.0beta2", "1.0c3", "1.0rc3", "1.0pre3", "1.0preview3", "1.0-rc-3", "1.0RC3",
    "1.0a-", "1.0a.", "1.0a01", "1.0a1.post2", "1.0a1.dev3", "1.0a1.post2.dev3",
    # post releases
    "1.0.post1", "1.0post1", "1.0-post1", "1.0.POST1", "1.0-r1", "1.0r", "1.0rev2", "1.0-1",
    "1.0_post_1", "1.0.post", "1.0-post", "1.0.r1",
    # dev releases
    "1.0.dev0", "1.0dev", "1.0.DEV1", "1.0-dev-2", "1.0_dev2", "1.0.post1.dev0",
    # local versions
    "1.0+abc", "1.0+ABC.5", "1.0+abc-def_ghi", "1.0+1.2.3", "1.0+007", "1.0+abc.007",
    "1.0+ubuntu1", "1.0+0", "1.0+a.b.c",
    # invalid
    "", "1.", ".1", "1..0", "1.0.x", "1.2.x", "a1.0", "1.0+", "1.0+abc.", "1.0+abc..d",
    "1.0++a", "1.0-", "1.0.post-", "1.0dev1.post1", "1.0a1a2", "!1.0", "1!", "1.0 a1",
    "1.0-beta.1.x", "vv1.0", "1,0", "1.0-rc1-1", "1.0.post1-2", "1.0_", "1.0a..post1",
    "1.0a1.", "1.0a1-", "1.0.dev", "1.0.dev.", "1.0rc1.dev2+abc-",
]

ORDER_INPUTS = [
    "0.1", "0.9", "1.0.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456",
    "1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345",
    "1.0b2-346", "1.0c1.dev456", "1.0c1", "1.0rc2", "1.0c3", "1.0", "1.0.0", "1.0.post456.dev34",
    "1.0.post456", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0+abc", "1.0+5.abc", "1.0-r1",
    "1.0.POST1", "v1.0", "1.0.1", "1.1.dev1", "1.1", "1.1.0.0.1", "1.2", "1.2+1", "1.10",
    "1!0.1", "1!1.0", "1!1.0a1", "1!1.0+abc", "2!0.0.1", "10.0", "1.0.0.0+0",
]

SPEC_INPUTS = [
    "", ">=1.0", ">1.0", "<1.0", "<=1.0", "==1.0", "!=1.0", "~=1.0", "~=1.4.5", "===1.0",
    "===1.0+ABC", "===foobar", ">= 1.0", "==v1.0", "== 1.0.*", "==1.*", "!=1.*", "==1.0.*",
    "!=1.0.*", "==1.4.5a4", "~=1.4.5a4", "~=2.2.post3", "~=1!1.0", ">1.7", ">1.7.post2",
    "<3.0", "<3.0rc1", "<3.0.dev0", ">=1.0a1", "<=2.0.dev1", "==1.0+abc", "!=1.0+abc",
    ">=1.0,<2.0", ">=1.0, <2.0, !=1.5.*", ">=2.7,!=3.0.*,!=3.1.*,!=3.2.*", ">=3.8,<4.0",
    ">1.0,<1.0", ",>=1.0,", "==1.0.0", "==1", "!=1.0.0", ">1.0+abc", "<1.0+abc", "~=1",
    "==1.0.*+abc", "==1.0a1.*", ">=1.0.*", "=>1.0", "1.0", ">=", "~=1.0.0+abc", "= 1.0",
    "==1.0 .*", "=== foo bar", ">1.0a", "<2!0", ">=1!0.5", "==1!1.*", "!=1!1.0.*",
    ">=1.0.post1", "<1.0.post1", ">1.0.dev1", "<1.0.dev1", ">=1.0.dev0,<1.0",
    "~=3.0.0a1", "~=0.9", "==2.0.*,!=2.0.1", ">0.9,<1.0rc1", "<=1.0+abc",
]

CONTAINS_VERSIONS = [
    "0.9", "1.0.dev0", "1.0a1", "1.0", "1.0+abc", "1.0+abd", "1.0.post1", "1.0.post1+x",
    "1.0.1", "1.0.1a1", "1.1", "1.4.5", "1.4.5a4", "1.4.6", "1.5", "1.5.1", "1.7",
    "1.7.post1", "1.7.post3", "1.7.1", "1.7+local", "1.8.dev0", "2.0.dev1", "2.0a1", "2.0",
    "2.0.1", "2.2.post3", "2.3", "2.7", "3.0.dev0", "3.0a1", "3.0rc1", "3.0", "3.0.0",
    "3.1", "3.8", "3.12.1", "4.0", "4.0a1", "1!1.0", "1!1.0.5", "1!0.5", "2!0", "0!1.0",
]


def version_record(text):
    try:
        v = Version(text)
    except InvalidVersion:
        return {"input": text, "valid": False}
    return {
        "input": text,
        "valid": True,
        "normalized": str(v),
        "public": v.public,
        "base": v.base_version,
        "local": v.local or "",
        "epoch": v.epoch,
        "release": list(v.release),
        "is_prerelease": v.is_prerelease,
        "is_postrelease": v.is_postrelease,
        "is_devrelease": v.is_devrelease,
    }


def sign(a, b):
    return "-" if a < b else ("+" if a > b else "0")


def flags(spec, versions, prereleases):
    return "".join(
        "1" if spec.contains(v, prereleases=prereleases) else "0" for v in versions
    )


def spec_record(text, versions):
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        return {"input": text, "valid": False}
    rec = {
        "input": text,
        "valid": True,
        "str": str(spec),
        "contains_false": flags(spec, versions, False),
        "contains_true": flags(spec, versions, True),
    }
    try:
        # packaging raises here when an "===" clause is not a valid version;
        # the record then has neither key.
        rec["prereleases"] = bool(spec.prereleases)
        rec["contains_default"] = flags(spec, versions, None)
    except InvalidVersion:
        pass
    return rec


def write(name, obj):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    meta = {"packaging": packaging.__version__, "python": sys.version.split()[0]}
    write("versions.json", {"meta": meta, "versions": [version_record(t) for t in VERSION_INPUTS]})
    parsed = [Version(t) for t in ORDER_INPUTS]
    write(
        "ordering.json",
        {
            "meta": meta,
            "versions": ORDER_INPUTS,
            # rows[i][j] is the sign of versions[i] compared with versions[j]
            "rows": ["".join(sign(a, b) for b in parsed) for a in parsed],
        },
    )
    versions = [Version(t) for t in CONTAINS_VERSIONS]
    write(
        "specifiers.json",
        {
            "meta": meta,
            "versions": CONTAINS_VERSIONS,
            "specifiers": [spec_record(t, versions) for t in SPEC_INPUTS],
        },
    )


if __name__ == "__main__":
    main()
