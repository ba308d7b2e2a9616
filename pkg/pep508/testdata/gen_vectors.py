#!/usr/bin/python3
"""Generate dependency-specifier and marker vectors for canto's pkg/pep508 tests.

Oracle: the `packaging` library (Debian bookworm's python3-packaging 23.0).
How it was run (from the repository root):

    /usr/bin/python3 pkg/pep508/testdata/gen_vectors.py

It writes, next to this script:
  markers.json       marker validity, str() and evaluation in each environment
  requirements.json  requirement validity and parsed fields

Each marker evaluation records two results:
  "packaging": what packaging 23.0 returns, or "error:<ExceptionName>";
  "spec":      the same evaluation with one change that the current spec asks
               for: when the left side is not a valid version, a version
               operator falls back to Python's string operator instead of
               raising InvalidVersion (packaging 23.0 raises). The Go tests
               check "spec" and count where the two differ.
"""

import json
import os
import sys

import packaging
from packaging import markers as pm
from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.version import InvalidVersion, Version

HERE = os.path.dirname(os.path.abspath(__file__))

ENVS = {
    "linux-x86_64-cp311": {
        "implementation_name": "cpython", "implementation_version": "3.11.2",
        "os_name": "posix", "platform_machine": "x86_64",
        "platform_python_implementation": "CPython", "platform_release": "6.1.0-18-amd64",
        "platform_system": "Linux", "platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
        "python_full_version": "3.11.2", "python_version": "3.11", "sys_platform": "linux",
    },
    "linux-aarch64-cp312": {
        "implementation_name": "cpython", "implementation_version": "3.12.1",
        "os_name": "posix", "platform_machine": "aarch64",
        "platform_python_implementation": "CPython", "platform_release": "5.10",
        "platform_system": "Linux", "platform_version": "#1 SMP",
        "python_full_version": "3.12.1", "python_version": "3.12", "sys_platform": "linux",
    },
    "darwin-arm64-cp310": {
        "implementation_name": "cpython", "implementation_version": "3.10.13",
        "os_name": "posix", "platform_machine": "arm64",
        "platform_python_implementation": "CPython", "platform_release": "23.3.0",
        "platform_system": "Darwin", "platform_version": "Darwin Kernel Version 23.3.0",
        "python_full_version": "3.10.13", "python_version": "3.10", "sys_platform": "darwin",
    },
    "win32-amd64-cp39": {
        "implementation_name": "cpython", "implementation_version": "3.9.13",
        "os_name": "nt", "platform_machine": "AMD64",
        "platform_python_implementation": "CPython", "platform_release": "10",
        "platform_system": "Windows", "platform_version": "10.0.19045",
        "python_full_version": "3.9.13", "python_version": "3.9", "sys_platform": "win32",
    },
    "linux-x86_64-cp38": {
        "implementation_name": "cpython", "implementation_version": "3.8.18",
        "os_name": "posix", "platform_machine": "x86_64",
        "platform_python_implementation": "CPython", "platform_release": "5.10.0-21-amd64",
        "platform_system": "Linux", "platform_version": "#1 SMP Debian 5.10.162-1",
        "python_full_version": "3.8.18", "python_version": "3.8", "sys_platform": "linux",
    },
    "linux-x86_64-pypy39-rc": {
        "implementation_name": "pypy", "implementation_version": "7.3.11",
        "os_name": "posix", "platform_machine": "x86_64",
        "platform_python_implementation": "PyPy", "platform_release": "6.1.0",
        "platform_system": "Linux", "platform_version": "#1 SMP",
        "python_full_version": "3.13.0rc1", "python_version": "3.13", "sys_platform": "linux",
    },
}

# Each case is evaluated with no extra and with each of these.
EXTRAS = ["", "foo-bar", "test"]

MARKERS = [
    'python_version > "3.10"',
    'python_version >= "3.9"',
    "python_version < '3.10'",
    'python_version <= "3.8"',
    'python_version == "3.11"',
    'python_version != "3.11"',
    'python_version ~= "3.9"',
    'python_version == "3.*"',
    'python_version == "3.1*"',
    'python_full_version >= "3.11.1"',
    'python_full_version < "3.13"',
    'python_full_version >= "3.13.0rc1"',
    'python_full_version == "3.8.*"',
    'python_full_version === "3.9.13"',
    'platform_release >= "5.10"',
    'platform_release < "6"',
    'platform_release == "10"',
    'platform_version >= "10.0"',
    "'linux' in sys_platform",
    "'lin' in sys_platform",
    "'win' not in sys_platform",
    'sys_platform == "linux"',
    'sys_platform != "win32"',
    'sys_platform < "linux"',
    'os_name == "nt"',
    'os.name == "posix"',
    'sys.platform == "darwin"',
    'platform.machine == "x86_64"',
    'platform_machine in "x86_64 AMD64"',
    'platform_machine == "aarch64" or platform_machine == "arm64"',
    'platform_system == "Linux" and platform_machine == "x86_64"',
    'platform_python_implementation == "CPython"',
    'python_implementation == "PyPy"',
    'platform.python_implementation != "CPython"',
    'implementation_name == "cpython" and implementation_version >= "3.10"',
    'implementation_version < "7.4"',
    'extra == "Foo_Bar"',
    'extra == "test"',
    'extra != "test"',
    'extra == "foo.bar" and python_version >= "3.9"',
    'python_version >= "3.9" and extra == "test"',
    'python_version < "3.9" or extra == "test"',
    'extra == "test" or extra == "foo-bar"',
    '(python_version < "3.9" or sys_platform == "win32") and os_name == "nt"',
    'python_version < "3.9" or sys_platform == "win32" and os_name == "nt"',
    '(python_version >= "3.10") and (sys_platform == "linux")',
    '((python_version >= "3.10"))',
    'python_version >= "3.8" and (sys_platform == "linux" or sys_platform == "darwin") and platform_machine != "arm64"',
    '"3.10" < python_version',
    '"linux" == sys_platform',
    'python_version>"3.9"and os_name=="posix"',
    '  python_version  >=  "3.8"  ',
    'python_version > "3.10" and python_version < "3.12"',
    'platform_machine >= "a"',
    'sys_platform ~= "linux"',
    'python_version ~= "3"',
    'python_version === "3.11"',
    'python_version != "3.10.*"',
    # invalid
    'python_version',
    'python_version >',
    'python_version = "3.8"',
    '"3.8" >= "3.9"',
    'foo == "bar"',
    'python_version >= "3.8" and',
    '(python_version >= "3.8"',
    'python_version >= "3.8")',
    'python_version >= 3.8',
    'python_version not "3.8"',
    'python_version notin "3.8"',
    "python_version >= '3.8",
    'python_version >= "3.8" xor os_name == "nt"',
    '',
]

REQUIREMENTS = [
    "requests",
    "requests>=2.8.1",
    "requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < '2.7'",
    "requests[security] (>=2.8.1, <3)",
    "Foo_Bar.baz-qux",
    "name[ quux , strange ]",
    "name[]",
    "name==1.0 ; extra == 'Foo_Bar'",
    "name; os_name=='a' or os_name=='b'",
    "name @ https://example.com/name-1.0-py3-none-any.whl",
    "name@https://example.com/name.whl ; python_version>='3.8'",
    "name @ file:///tmp/x.whl",
    "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686",
    "name (==1.0.*)",
    "name ===foo",
    "name>=1.0,<2.0,!=1.5",
    "name ~= 1.4.5",
    "name>1.0a1",
    "zope.interface>=4.0; python_version >= '3.8' and platform_machine != 'arm64'",
    " name >= 1.0 ",
    "name[a,b,a]",
    # invalid
    "",
    "-name",
    "name[",
    "name[a b]",
    "name[a,]",
    "name >= 1.0 ;",
    "name => 1.0",
    "name >= 1.x",
    "name (>=1.0",
    "name @ https://example.com/x.whl; python_version >= '3'",
    "name @",
    "name extra",
    "name; python_version >=",
    "name ~= 1",
    "name >= 1.0 garbage",
]


def spec_eval_op(lhs, op, rhs):
    """packaging 23.0's _eval_op with the spec's fallback for non-versions."""
    try:
        spec = Specifier("".join([op.serialize(), rhs]))
    except InvalidSpecifier:
        pass
    else:
        try:
            Version(lhs)
        except InvalidVersion:
            pass
        else:
            return spec.contains(lhs, prereleases=True)
    oper = pm._operators.get(op.serialize())
    if oper is None:
        raise pm.UndefinedComparison(f"Undefined {op!r} on {lhs!r} and {rhs!r}.")
    return oper(lhs, rhs)


def evaluate(marker, env, extra):
    full = dict(env)
    full["extra"] = extra
    try:
        return marker.evaluate(full)
    except Exception as e:  # record any failure by its type
        return "error:" + type(e).__name__


def marker_record(text):
    try:
        marker = Marker(text)
    except InvalidMarker:
        return {"input": text, "valid": False}
    results = []
    original = pm._eval_op
    for env_name in sorted(ENVS):
        for extra in EXTRAS:
            got = evaluate(marker, ENVS[env_name], extra)
            pm._eval_op = spec_eval_op
            try:
                spec = evaluate(marker, ENVS[env_name], extra)
            finally:
                pm._eval_op = original
            results.append({"env": env_name, "extra": extra, "packaging": got, "spec": spec})
    return {"input": text, "valid": True, "str": str(marker), "results": results}


def requirement_record(text):
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return {"input": text, "valid": False}
    return {
        "input": text,
        "valid": True,
        "name": req.name,
        "extras": sorted(req.extras),
        "specifier": str(req.specifier),
        "url": req.url or "",
        "marker": str(req.marker) if req.marker else "",
        "str": str(req),
    }


def write(name, obj):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    meta = {"packaging": packaging.__version__, "python": sys.version.split()[0]}
    write("markers.json", {"meta": meta, "envs": ENVS, "markers": [marker_record(m) for m in MARKERS]})
    write("requirements.json", {"meta": meta, "requirements": [requirement_record(r) for r in REQUIREMENTS]})


if __name__ == "__main__":
    main()
