#!/usr/bin/python3
"""Builds the test world's package index content from Debian's archive.

Run by Debian's /usr/bin/python3 (3.11) as root; see README.md beside this file.

    build_index.py --out DIR --cache DIR

Three kinds of files land in --out (flat, one directory):

1. Upstream sdists that Debian serves as .orig tarballs (`apt-get source
   --download-only`), renamed to their PyPI file names (name and version from
   the tarball's top-level PKG-INFO).
2. Wheels built from some of those sdists with Debian's pip, setuptools and
   wheel (`pip wheel --no-deps --no-build-isolation --no-index`).
3. Wheels repackaged from Debian's python3-* .debs: the installed package
   files plus metadata, with upstream's Requires-Dist restored where Debian's
   egg-info dropped it (REQUIRES_FIXES below), and Debian's own real wheels of
   pip, setuptools and wheel from /usr/share/python-wheels.

Plus canto-testpkg 1.0.0 and 1.1.0, a small test package of our own, so that
a version bump can be tested.

Every repackaged wheel is deterministic: sorted members, fixed timestamps
(SOURCE_DATE_EPOCH) and modes.
"""

from __future__ import annotations

import argparse
import base64
import csv
import email.parser
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

SOURCE_DATE_EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "1672531200"))  # 2023-01-01
ZIP_DATE = time.gmtime(max(SOURCE_DATE_EPOCH, 315532800))[:6]  # zip cannot go below 1980
PY_TAG_PLAT = "cp311-cp311-linux_x86_64"
PY_TAG_PURE = "py3-none-any"

# Debian source packages whose .orig tarball is the upstream sdist.
# (source package, wheel?) -- uWSGI stays sdist-only, as on PyPI.
SDIST_SOURCES = [
    ("uwsgi", False),
    ("jinja2", True),
    ("markupsafe", True),
    ("python-cffi", True),
]
# Checked and rejected (see README.md): python-msgpack's .orig is a GitHub
# tarball without PKG-INFO (needs Cython), python-pip's is +dfsg-stripped;
# most others (flask, click, six, ...) are 404 on the archive.

# Binary packages to repackage; their python3-* Depends are followed
# recursively (apt-cache depends), so Poetry's whole closure comes along.
DEB_ROOTS = [
    "python3-poetry",
    "python3-trove-classifiers",  # poetry 1.3.2 requires it; Debian does not depend on it
    "python3-flask", "python3-werkzeug", "python3-click", "python3-itsdangerous",
    "python3-blinker",
    "python3-requests", "python3-urllib3", "python3-idna", "python3-certifi",
    "python3-charset-normalizer", "python3-chardet", "python3-six",
    "python3-pytest", "python3-pluggy", "python3-iniconfig", "python3-packaging",
    "python3-attr",
    "python3-gunicorn", "python3-colorama", "python3-typing-extensions",
    "python3-msgpack",
    "python3-pycparser", "python3-ply",  # cffi's runtime dependency (Debian de-vendors ply)
    "python3-pip-whl", "python3-setuptools-whl", "python3-wheel-whl",
]
# Not repackaged: built from the upstream sdist instead, or shipped by
# Debian as a real wheel (the *-whl packages), or not a Python distribution.
DEB_SKIP = {
    "python3-jinja2", "python3-markupsafe", "python3-cffi", "python3-cffi-backend",
    "python3-pip", "python3-setuptools", "python3-pkg-resources", "python3-wheel",
    "python3-distutils", "python3-lib2to3", "python3-minimal", "python3-dev",
    "python3-all", "python3-venv",
}
DEBIAN_WHEEL_DEBS = {"python3-pip-whl", "python3-setuptools-whl", "python3-wheel-whl"}

# Requirements restored by hand: Debian's egg-info requires.txt often lacks
# the base requirements (it keeps only extras), and Debian de-vendors. Keys
# are normalised project names; "add" lists are upstream's install_requires
# for exactly the version Debian ships, unless marked Debian-specific.
REQUIRES_FIXES: dict[str, dict[str, list[str]]] = {
    "flask": {"add": [  # Flask 2.2.2 setup.py install_requires
        "Werkzeug>=2.2.2", "Jinja2>=3.0", "itsdangerous>=2.0", "click>=8.0",
        'importlib-metadata>=3.6.0; python_version < "3.10"']},
    "werkzeug": {"add": ["MarkupSafe>=2.1.1"]},  # Werkzeug 2.2.2
    "gunicorn": {"add": ["setuptools>=3.0"]},  # gunicorn 20.1.0
    "requests": {"add": [  # requests 2.28.1; charset_normalizer<4 as Debian patches it
        "charset_normalizer>=2,<4", "idna>=2.5,<4", "urllib3>=1.21.1,<1.27",
        "certifi>=2017.4.17"]},
    "urllib3": {"add": ["six>=1.12.0"]},  # Debian-specific: de-vendored six
    "html5lib": {"add": ["six>=1.9", "webencodings"]},  # html5lib 1.1
    "cachecontrol": {"add": ["requests", "msgpack>=0.5.2"]},  # CacheControl 0.12.12
    "pexpect": {"add": ["ptyprocess>=0.5"]},  # pexpect 4.8.0
    "requests-toolbelt": {"add": ["requests>=2.0.1,<3.0.0"]},  # 0.10.1
    "dulwich": {"add": ["urllib3>=1.25"]},  # dulwich 0.21.2
    "secretstorage": {"add": ["cryptography>=2.0", "jeepney>=0.6"]},  # 3.3.3
    "cryptography": {"add": ["cffi>=1.12"]},  # cryptography 38.0.4
    "jaraco-classes": {"add": ["more-itertools"]},  # jaraco.classes 3.2.1
    "pycparser": {"add": ["ply"]},  # Debian-specific: de-vendored ply
    # Debian builds poetry 1.3.2 against its own dulwich 0.21 and ships
    # neither poetry-plugin-export nor a matching dulwich 0.20: relax the pin
    # and drop the plugin so that `pip install poetry==1.3.2` resolves.
    "poetry": {
        "drop": ["dulwich", "poetry-plugin-export"],
        "add": ["dulwich>=0.20.46,<0.22.0"],
    },
}

NAME_RE = re.compile(r"[-_.]+")


def normalize(name: str) -> str:
    """PEP 503 normalised project name."""
    return NAME_RE.sub("-", name).lower()


def wheel_escape(name: str) -> str:
    """Project name as it appears in a wheel file name (PEP 427 escaping)."""
    return re.sub(r"[^\w\d.]+", "_", name, flags=re.UNICODE).replace(".", "_")


def upstream_version(version: str) -> str:
    """Strips Debian's repack suffixes: 1.0.0+repack -> 1.0.0, 20.17.1+ds -> 20.17.1."""
    return version.split("+", 1)[0]


_T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[build-index {time.monotonic() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


# ---------------------------------------------------------------- apt

APT_DEPENDS = ["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts",
               "--no-breaks", "--no-replaces", "--no-enhances"]


def deb_closure(roots: list[str]) -> list[str]:
    """python3-* packages reachable from roots over Depends (every alternative),
    one apt-cache call per breadth-first level."""
    seen: set[str] = set()
    level = set(roots)
    while level:
        seen |= level
        out = subprocess.run(APT_DEPENDS + sorted(level), check=True, capture_output=True,
                             text=True).stdout
        found: set[str] = set()
        lines = out.splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^\s+\|?Depends: (\S+)$", line)
            if not m:
                continue
            dep = m.group(1)
            if dep.startswith("<"):  # virtual: the providers follow, indented deeper
                j = i + 1
                while j < len(lines) and lines[j].startswith("    "):
                    found.add(lines[j].strip())
                    j += 1
            elif dep.startswith("python3-") and ":" not in dep:
                found.add(dep)
        level = {p for p in found if p.startswith("python3-") and p not in DEB_SKIP} - seen
    return sorted(p for p in seen if p not in DEB_SKIP)


def candidates(pkgs: list[str]) -> dict[str, str]:
    """Candidate versions of binary packages, from one apt-cache call."""
    out = subprocess.run(["apt-cache", "policy", *pkgs], check=True, capture_output=True,
                         text=True).stdout
    versions, current = {}, None
    for line in out.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
        m = re.match(r"^\s+Candidate: (\S+)$", line)
        if m and current:
            # apt-get download writes an epoch's ':' as %3a in file names.
            versions[current] = m.group(1).replace(":", "%3a")
    return versions


def download_debs(pkgs: list[str], cache: Path) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    versions = candidates(pkgs)
    want, missing = {}, []
    for p in pkgs:
        ver = versions.get(p)
        if not ver or ver == "(none)":
            raise SystemExit(f"finding {p}: no installation candidate\nhint: run apt-get update")
        deb = next(iter(cache.glob(f"{p}_{ver}_*.deb")), None)
        if deb:
            want[p] = deb
        else:
            missing.append(p)
    if missing:
        log(f"apt-get download {' '.join(missing)}")
        run(["apt-get", "-o", "APT::Sandbox::User=root", "download", *missing], cwd=cache, stdout=subprocess.DEVNULL)
        for p in missing:
            found = sorted(cache.glob(f"{p}_{versions[p]}_*.deb"))
            if not found:
                raise SystemExit(f"downloading {p}: no .deb in {cache}")
            want[p] = found[-1]
    return want


def download_orig(source: str, cache: Path) -> Path:
    """The .orig tarball of a Debian source package (the diff may 404; fine)."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"{source}_*.orig.tar.*"))
    if not found:
        log(f"apt-get source --download-only {source}")
        subprocess.run(["apt-get", "-o", "APT::Sandbox::User=root", "source", "--download-only", source], cwd=cache,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = sorted(cache.glob(f"{source}_*.orig.tar.*"))
    if not found:
        raise SystemExit(f"fetching the .orig tarball of {source}: not found\n"
                         "hint: is the deb-src sources file in /etc/apt/sources.list.d "
                         "and apt-get update done?")
    return found[-1]


# ---------------------------------------------------------------- metadata

def parse_requires_txt(text: str) -> list[str]:
    """Setuptools' egg-info requires.txt -> Requires-Dist lines."""
    out = []
    extra, marker = None, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^\[(.*)\]$", line)
        if m:
            section = m.group(1)
            extra, _, marker = section.partition(":")
            extra = extra or None
            marker = marker or None
            continue
        conds = []
        if marker:
            conds.append(f"({marker})" if extra else marker)
        if extra:
            conds.append(f'extra == "{extra}"')
        out.append(line + ("; " + " and ".join(conds) if conds else ""))
    return out


def extras_of(requires: list[str]) -> list[str]:
    extras = []
    for r in requires:
        for e in re.findall(r'extra == ["\']([^"\']+)["\']', r):
            if e not in extras:
                extras.append(e)
    return extras


def req_name(req: str) -> str:
    m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    return normalize(m.group(1)) if m else ""


def build_metadata(pkginfo: str, requires: list[str] | None, version: str) -> tuple[str, str]:
    """Returns (name, METADATA text) with fixed Version and Requires-Dist."""
    msg = email.parser.Parser().parsestr(pkginfo)
    name = msg["Name"]
    body = msg.get_payload()
    headers = [(k, v) for k, v in msg.items()]
    if requires is None:
        requires = [v for k, v in headers if k == "Requires-Dist"]
    fix = REQUIRES_FIXES.get(normalize(name), {})
    drop = set(fix.get("drop", []))
    requires = [r for r in requires if req_name(r) not in drop]
    have = {req_name(r) for r in requires if "extra ==" not in r}
    requires += [r for r in fix.get("add", []) if req_name(r) not in have]
    extras = extras_of(requires)
    out = []
    for k, v in headers:
        if k == "Metadata-Version":
            v = "2.1" if v in ("1.0", "1.1", "1.2") else v
        elif k == "Version":
            v = version
        elif k in ("Requires-Dist", "Provides-Extra", "Requires"):
            continue
        out.append((k, v))
    # Requirements and extras go after the other headers, in a stable order.
    out += [("Provides-Extra", e) for e in extras]
    out += [("Requires-Dist", r) for r in requires]
    text = "".join(f"{k}: {v}\n" for k, v in out)
    if body and body.strip():
        text += "\n" + body.lstrip("\n")
    return name, text


# ---------------------------------------------------------------- wheels

def zip_write(zf: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
    info.create_system = 3
    zf.writestr(info, data)


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(out_dir: Path, name: str, version: str, tag: str,
                files: dict[str, tuple[bytes, bool]], metadata: str,
                extra_info: dict[str, bytes]) -> Path:
    """files: arcname -> (data, executable). Writes a deterministic wheel."""
    dist = f"{wheel_escape(name)}-{version}"
    info_dir = f"{dist}.dist-info"
    wheel_txt = (f"Wheel-Version: 1.0\nGenerator: canto-testworld-repack (from a Debian .deb)\n"
                 f"Root-Is-Purelib: {'true' if tag == PY_TAG_PURE else 'false'}\nTag: {tag}\n")
    entries = dict(files)
    entries[f"{info_dir}/METADATA"] = (metadata.encode(), False)
    entries[f"{info_dir}/WHEEL"] = (wheel_txt.encode(), False)
    for k, v in extra_info.items():
        entries[f"{info_dir}/{k}"] = (v, False)
    record_path = f"{info_dir}/RECORD"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for arc in sorted(entries):
        data = entries[arc][0]
        w.writerow([arc, record_hash(data), len(data)])
    w.writerow([record_path, "", ""])
    entries[record_path] = (buf.getvalue().encode(), False)
    path = out_dir / f"{dist}-{tag}.whl"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        # dist-info last, as the wheel spec recommends.
        order = sorted(entries, key=lambda a: (a.startswith(info_dir + "/"), a))
        for arc in order:
            data, exe = entries[arc]
            zip_write(zf, arc, data, exe)
    tmp.rename(path)
    return path


def repack_deb(deb: Path, out_dir: Path, work: Path) -> Path | None:
    root = work / deb.stem
    shutil.rmtree(root, ignore_errors=True)
    run(["dpkg-deb", "-x", str(deb), str(root)])
    site = root / "usr/lib/python3/dist-packages"
    if not site.is_dir():
        return None
    infos = [p for p in site.iterdir() if p.name.endswith((".dist-info", ".egg-info"))]
    # "name-version.dist-info" or "name-version.egg-info"; Debian sometimes
    # ships an extra unversioned "name.egg-info" beside a dist-info.
    versioned = [p for p in infos
                 if "-" in p.name.removesuffix(".dist-info").removesuffix(".egg-info")]
    if len(versioned) != 1:
        raise SystemExit(f"repacking {deb.name}: want one versioned dist-info or egg-info, "
                         f"found {[p.name for p in infos]}")
    info = versioned[0]
    dists = [p for p in versioned if p.name.endswith(".dist-info")]
    info = dists[0] if dists else info
    extra_info: dict[str, bytes] = {}
    if info.name.endswith(".dist-info"):
        pkginfo = (info / "METADATA").read_text(encoding="utf-8")
        requires = None
        keep = [p for p in info.iterdir() if p.name not in
                ("METADATA", "WHEEL", "RECORD", "INSTALLER", "REQUESTED", "direct_url.json")]
    elif info.is_file():  # distutils-style: the egg-info is the PKG-INFO file itself
        pkginfo = info.read_text(encoding="utf-8")
        requires = []
        keep = []
    else:
        pkginfo = (info / "PKG-INFO").read_text(encoding="utf-8")
        req = info / "requires.txt"
        requires = parse_requires_txt(req.read_text()) if req.exists() else []
        keep = [p for p in info.iterdir() if p.name in ("entry_points.txt", "top_level.txt")]
    for p in keep:
        if p.is_file():
            extra_info[p.name] = p.read_bytes()
        elif p.is_dir():  # licenses/
            for f in sorted(p.rglob("*")):
                if f.is_file():
                    extra_info[str(f.relative_to(info))] = f.read_bytes()
    raw_version = email.parser.Parser().parsestr(pkginfo)["Version"]
    version = upstream_version(raw_version)
    name, metadata = build_metadata(pkginfo, requires, version)
    files: dict[str, tuple[bytes, bool]] = {}
    platform = False
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if rel.parts[0] in {p.name for p in infos}:
            continue
        if "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
            continue
        if path.is_symlink():
            target = path.resolve()
            if not target.exists() or root not in target.parents:
                continue  # dangling: Debian replaced a bundled file by a link
        if not path.is_file():
            continue
        if path.suffix == ".so" or ".so." in path.name:
            platform = True
        files[str(rel)] = (path.read_bytes(), os.access(path, os.X_OK) and path.suffix != ".py")
    if not files:
        raise SystemExit(f"repacking {deb.name}: no files under dist-packages")
    tag = PY_TAG_PLAT if platform else PY_TAG_PURE
    return write_wheel(out_dir, name, version, tag, files, metadata, extra_info)


def debian_wheels(deb: Path, out_dir: Path, work: Path) -> list[Path]:
    root = work / deb.stem
    shutil.rmtree(root, ignore_errors=True)
    run(["dpkg-deb", "-x", str(deb), str(root)])
    out = []
    for whl in sorted((root / "usr/share/python-wheels").glob("*.whl")):
        dest = out_dir / whl.name
        shutil.copyfile(whl, dest)
        out.append(dest)
    return out


# ---------------------------------------------------------------- sdists

def publish_sdist(orig: Path, out_dir: Path) -> Path:
    """Copies an upstream .orig tarball under its PyPI name (from PKG-INFO)."""
    with tarfile.open(orig) as tf:
        top = tf.getnames()[0].split("/")[0]
        member = tf.extractfile(f"{top}/PKG-INFO")
        if member is None:
            raise SystemExit(f"reading {orig.name}: no top-level PKG-INFO")
        msg = email.parser.Parser().parsestr(member.read().decode("utf-8"))
    name, version = msg["Name"], msg["Version"]
    if top != f"{name}-{version}":
        log(f"note: {orig.name} unpacks to {top}, PKG-INFO says {name} {version}")
    if not orig.name.endswith(".tar.gz"):
        raise SystemExit(f"publishing {orig.name}: only .tar.gz originals are used")
    # PyPI's file name is the tarball's own top directory (uWSGI 2.0.21 is
    # published as uwsgi-2.0.21.tar.gz).
    stem = top if normalize(top.rsplit("-", 1)[0]) == normalize(name) and \
        top.endswith("-" + version) else f"{name}-{version}"
    dest = out_dir / f"{stem}.tar.gz"
    shutil.copyfile(orig, dest)
    return dest


# Compiled wheels are reproducible only when built in the same directory
# (the path lands in debug info): unpack each sdist at this fixed path, build
# in-tree, and map the path away as well.
SDIST_BUILD_ROOT = Path("/tmp/canto-index-build")
WHEEL_RECIPE = "fixed-path-v1"  # part of the wheel cache key; bump when the recipe changes


def build_wheel_from_sdist(sdist: Path, out_dir: Path, cache: Path) -> Path:
    """Builds (or reuses, keyed by the sdist's sha256) a wheel with Debian's toolchain."""
    key = hashlib.sha256(sdist.read_bytes() + WHEEL_RECIPE.encode()).hexdigest()[:32]
    cached = cache / key
    hits = list(cached.glob("*.whl")) if cached.is_dir() else []
    if len(hits) == 1:
        dest = out_dir / hits[0].name
        shutil.copyfile(hits[0], dest)
        return dest
    shutil.rmtree(SDIST_BUILD_ROOT, ignore_errors=True)
    SDIST_BUILD_ROOT.mkdir(parents=True)
    try:
        with tarfile.open(sdist) as tf:
            top = tf.getnames()[0].split("/")[0]
            for m in tf.getmembers():  # Debian's 3.11.2 predates extractall(filter=)
                if m.name.startswith("/") or ".." in m.name.split("/") or \
                        not (m.isfile() or m.isdir()):
                    raise SystemExit(f"unpacking {sdist.name}: refusing member {m.name!r}")
            tf.extractall(SDIST_BUILD_ROOT)
        src = SDIST_BUILD_ROOT / top
        wheel_dir = SDIST_BUILD_ROOT / "wheelhouse"
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(SOURCE_DATE_EPOCH),
                   CFLAGS=f"-ffile-prefix-map={SDIST_BUILD_ROOT}=.",
                   PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
                   PYTHONDONTWRITEBYTECODE="1")
        log(f"pip wheel {sdist.name}")
        run(["/usr/bin/python3", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "--no-cache-dir", "-q", "-w", str(wheel_dir), str(src)], env=env)
        built = list(wheel_dir.glob("*.whl"))
        if len(built) != 1:
            raise SystemExit(f"building {sdist.name}: expected one wheel, got {built}")
        cached.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], cached / built[0].name)
        dest = out_dir / built[0].name
        shutil.copyfile(built[0], dest)
        return dest
    finally:
        shutil.rmtree(SDIST_BUILD_ROOT, ignore_errors=True)


# ---------------------------------------------------------------- canto-testpkg

TESTPKG_VERSIONS = {
    "1.0.0": {"requires_python": ">=3.7", "requires": [],
              "code": 'VERSION = "1.0.0"\n\n\ndef greet(name: str) -> str:\n'
                      '    return f"hello, {name}"\n'},
    "1.1.0": {"requires_python": ">=3.8", "requires": ["typing-extensions>=4.0"],
              "code": 'from typing_extensions import Literal\n\nVERSION = "1.1.0"\n\n\n'
                      'def greet(name: str, style: Literal["plain", "loud"] = "plain") -> str:\n'
                      '    text = f"hello, {name}"\n'
                      '    return text.upper() if style == "loud" else text\n'},
}


def testpkg_metadata(version: str, spec: dict) -> str:
    lines = ["Metadata-Version: 2.1", "Name: canto-testpkg", f"Version: {version}",
             "Summary: canto test world package: two versions, to test version bumps",
             "License: MIT", f"Requires-Python: {spec['requires_python']}"]
    lines += [f"Requires-Dist: {r}" for r in spec["requires"]]
    return "\n".join(lines) + "\n\nA test package of the canto test world. Not on PyPI.\n"


def build_testpkg(out_dir: Path) -> list[Path]:
    out = []
    for version, spec in TESTPKG_VERSIONS.items():
        meta = testpkg_metadata(version, spec)
        files = {"canto_testpkg/__init__.py": (spec["code"].encode(), False)}
        out.append(write_wheel(out_dir, "canto_testpkg", version, PY_TAG_PURE, files, meta,
                               {"top_level.txt": b"canto_testpkg\n"}))
        # An sdist that builds offline with setuptools (PEP 621, setuptools>=61).
        deps = ", ".join(json.dumps(r) for r in spec["requires"])
        pyproject = (
            '[build-system]\nrequires = ["setuptools>=61", "wheel"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "canto-testpkg"\nversion = "{version}"\n'
            'description = "canto test world package: two versions, to test version bumps"\n'
            f'requires-python = "{spec["requires_python"]}"\ndependencies = [{deps}]\n'
            'license = {text = "MIT"}\n\n[tool.setuptools]\npackages = ["canto_testpkg"]\n')
        top = f"canto-testpkg-{version}"
        members = {
            f"{top}/PKG-INFO": meta.encode(),
            f"{top}/pyproject.toml": pyproject.encode(),
            f"{top}/canto_testpkg/__init__.py": spec["code"].encode(),
        }
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
            for d in (top, f"{top}/canto_testpkg"):
                ti = tarfile.TarInfo(d)
                ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, SOURCE_DATE_EPOCH
                tf.addfile(ti)
            for arc in sorted(members):
                ti = tarfile.TarInfo(arc)
                ti.size, ti.mode, ti.mtime = len(members[arc]), 0o644, SOURCE_DATE_EPOCH
                tf.addfile(ti, io.BytesIO(members[arc]))
        dest = out_dir / f"canto-testpkg-{version}.tar.gz"
        with open(dest, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=SOURCE_DATE_EPOCH,
                                                  filename="") as gz:
            gz.write(raw.getvalue())
        out.append(dest)
    return out


# ---------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--cache", required=True, type=Path)
    args = ap.parse_args()
    out_dir: Path = args.out
    staging = out_dir.with_name(out_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="canto-index-"))
    produced: list[tuple[str, Path]] = []
    try:
        for source, wheel in SDIST_SOURCES:
            orig = download_orig(source, args.cache / "src")
            sdist = publish_sdist(orig, staging)
            produced.append(("upstream sdist (Debian .orig)", sdist))
            if wheel:
                whl = build_wheel_from_sdist(sdist, staging, args.cache / "wheels")
                produced.append(("wheel built from the upstream sdist", whl))
        pkgs = deb_closure(DEB_ROOTS)
        log(f"{len(pkgs)} Debian packages in the closure")
        debs = download_debs(pkgs, args.cache / "debs")
        for pkg in pkgs:
            if pkg in DEBIAN_WHEEL_DEBS:
                for whl in debian_wheels(debs[pkg], staging, work):
                    produced.append((f"Debian's real wheel ({pkg})", whl))
                continue
            whl = repack_deb(debs[pkg], staging, work)
            if whl is None:
                log(f"skip {pkg}: no dist-packages")
                continue
            produced.append((f"repackaged from {debs[pkg].name}", whl))
        for p in build_testpkg(staging):
            produced.append(("canto test package", p))
        names = [p.name for _, p in produced]
        if len(names) != len(set(names)):
            raise SystemExit(f"duplicate file names: {sorted(n for n in names if names.count(n) > 1)}")
        with open(staging / "MANIFEST.tsv", "w") as f:
            f.write("file\tsha256\torigin\n")
            for origin, p in sorted(produced, key=lambda t: t[1].name.lower()):
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
                f.write(f"{p.name}\t{digest}\t{origin}\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    log(f"wrote {len(produced)} files to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
