#!/usr/bin/env bash
# Measures canto build against pip installing the same wheels, side by side
# in one run, on an example project of the test world, and prints a Markdown
# table (docs/benchmarks.md quotes it). Each figure is the median of N runs,
# with the range; the runs interleave, so machine noise hits all alike.
#   canto cold:   an empty cache (downloads, installs, compresses, writes)
#   canto warm:   the same inputs again
#   canto code:   after a comment is appended to a module of the project
#   canto dep:    after a real `poetry add --lock pip` (a new 2 MiB wheel)
#   pip install:  `pip install --no-deps --no-index --no-compile` of the very
#                 wheels canto installed, into a fresh `python3 -m venv
#                 --without-pip` (no image, no layers: just the install)
# Usage: hack/bench-build.sh [EXAMPLE] [N]   (default gunicorn-web, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CANTO_TESTWORLD:=$HOME/.cache/canto-testworld}"
source "$CANTO_TESTWORLD/env"
example="${1:-gunicorn-web}"
n="${2:-5}"
canto="$PWD/bin/canto"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring PIP_CONFIG_FILE="$CANTO_TW_PIP_CONF" DOCKER_HOST=unix:///nonexistent
base="${CANTO_BENCH_BASE:-$CANTO_TW_BASE_SLIM}"
extra=()
[[ "$example" == flask-uwsgi ]] && extra=(--builder "$CANTO_TW_BASE_FULL" --vendor-libs)

now() { date +%s.%N; }
declare -A times
record() { times[$1]+="$2 "; }

for i in $(seq 1 "$n"); do
  rm -rf "$work/p" "$work/cache" "$work/out"
  cp -a "examples/$example" "$work/p"
  build() { "$canto" build "$work/p" -q --cache-dir "$work/cache" --base "$base" "${extra[@]}" -o "oci:$work/out:x" >/dev/null; }
  t0=$(now); build; t1=$(now); record "canto cold" "$(echo "$t1 - $t0" | bc)"
  t0=$(now); build; t1=$(now); record "canto warm" "$(echo "$t1 - $t0" | bc)"
  mod=$(find "$work/p" -name '*.py' -path '*/*/*' -not -path '*/tests/*' | sort | head -1)
  echo "# bench $i" >> "$mod"
  t0=$(now); build; t1=$(now); record "canto after a code change" "$(echo "$t1 - $t0" | bc)"
  (cd "$work/p" && POETRY_CACHE_DIR="$work/poetry-cache" poetry add --lock pip >/dev/null 2>&1)
  t0=$(now); build; t1=$(now); record "canto after a dependency change" "$(echo "$t1 - $t0" | bc)"

  # pip, on the same wheels: the files canto fetched or built, by sha256.
  rm -rf "$work/wheels" "$work/venv"; mkdir -p "$work/wheels"
  "$canto" plan "$work/p" --python 3.11 --json | /usr/bin/python3 -c '
import json, sys, os, shutil
plan = json.load(sys.stdin)
cache, dst = sys.argv[1], sys.argv[2]
for p in plan["packages"]:
    a = p["artifact"]
    if a["kind"] != "wheel":
        # an sdist (uWSGI): pip would compile it; leave it out of the pip row
        print("pip row leaves out", p["name"], "(" + a["kind"] + ")", file=sys.stderr)
        continue
    src = os.path.join(cache, "sha256", a["sha256"][:2], a["sha256"])
    shutil.copy(src, os.path.join(dst, a["filename"]))
' "$work/cache" "$work/wheels"
  /usr/bin/python3 -m venv --without-pip "$work/venv"
  t0=$(now)
  /usr/bin/python3 -m pip --python "$work/venv/bin/python" install -q --no-deps --no-index --no-compile "$work/wheels"/*.whl >/dev/null 2>&1
  t1=$(now); record "pip install --no-deps (same wheels)" "$(echo "$t1 - $t0" | bc)"
done

echo "| $example, $n runs | median | range |"
echo "|---|---|---|"
for k in "canto cold" "canto warm" "canto after a code change" "canto after a dependency change" "pip install --no-deps (same wheels)"; do
  /usr/bin/python3 -c '
import statistics, sys
xs = sorted(float(x) for x in sys.argv[2].split())
print(f"| {sys.argv[1]} | {statistics.median(xs):.2f} s | {xs[0]:.2f}–{xs[-1]:.2f} s |")
' "$k" "${times[$k]}"
done
