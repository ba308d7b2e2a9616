#!/usr/bin/env bash
# hack/bench-start.sh [N]: what --compile-bytecode buys at run time, side by
# side in one run. Builds examples/flask-uwsgi onto the test world's slim base
# twice, with and without .pyc files (--compile-bytecode / =false), loads both
# into the test world's Docker engine, then N times, alternating the images:
#   import    mean time of `python -c "import flask"` in a read-only container
#             (ten runs inside one container, so docker's own start is left out)
#   answer    from `docker run -d` to the first HTTP answer of uWSGI on :8000
# and prints the median and range of each as a Markdown table. Needs the test
# world up (make testworld) and bin/canto (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CANTO_TESTWORLD:=$HOME/.cache/canto-testworld}"
source "$CANTO_TESTWORLD/env"
n="${1:-5}"
docker="$CANTO_TW_DOCKER"
work="$(mktemp -d)"
trap 'rm -rf "$work"; "$docker" rmi -f canto-bench-start/pyc:latest canto-bench-start/plain:latest >/dev/null 2>&1 || true' EXIT

for v in pyc plain; do
  flag=--compile-bytecode
  [[ $v == plain ]] && flag=--compile-bytecode=false
  ./bin/canto build examples/flask-uwsgi -q --cache-dir "$work/cache" \
    --base "$CANTO_TW_BASE_SLIM" --builder "$CANTO_TW_BASE_FULL" --vendor-libs "$flag" \
    -o "docker-archive:$work/$v.tar:canto-bench-start/$v:latest" >/dev/null
  "$docker" load -q -i "$work/$v.tar" >/dev/null
done

import_time() {
  "$docker" run --rm --read-only --network none --entrypoint /usr/bin/python3 "canto-bench-start/$1:latest" -c '
import subprocess, time
t = time.monotonic()
for _ in range(10):
    subprocess.run(["/opt/venv/bin/python", "-c", "import flask"], check=True)
print("%.3f" % ((time.monotonic() - t) / 10))'
}

answer_time() {
  local t0 t1 id
  t0=$(date +%s.%N)
  id=$("$docker" run -d --network host "canto-bench-start/$1:latest")
  until curl -s -o /dev/null http://127.0.0.1:8000/; do sleep 0.02; done
  t1=$(date +%s.%N)
  "$docker" rm -f "$id" >/dev/null
  echo "$t1 - $t0" | bc
}

for i in $(seq "$n"); do
  order="pyc plain"
  ((i % 2 == 0)) && order="plain pyc"
  for v in $order; do
    echo "$(import_time "$v")" >>"$work/import-$v"
    echo "$(answer_time "$v")" >>"$work/answer-$v"
  done
done

stats() { sort -g "$1" | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f s (%.2f–%.2f s)", m, a[1], a[NR]}'; }
echo "| flask-uwsgi, $n runs each | with .pyc (--compile-bytecode) | without |"
echo "|---|---|---|"
echo "| python -c \"import flask\" | $(stats "$work/import-pyc") | $(stats "$work/import-plain") |"
echo "| docker run to first answer | $(stats "$work/answer-pyc") | $(stats "$work/answer-plain") |"
