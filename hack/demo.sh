#!/usr/bin/env bash
# The README's first command (`make demo`): with the test world up, build an
# example project with canto (no Docker daemon involved in the build), then
# load the image into the test world's Docker engine, run it and ask it for a
# page. Usage: hack/demo.sh [EXAMPLE]   (default: gunicorn-web)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CANTO_TESTWORLD:=$HOME/.cache/canto-testworld}"
source "$CANTO_TESTWORLD/env"
example="${1:-flask-uwsgi}"
out="$CANTO_TESTWORLD/demo"
mkdir -p "$out"

# uWSGI has no wheel: canto compiles it in the full image (the builder), and
# copies the shared libraries it needs (libpython, libpcre) from there into
# a layer, since the slim base lacks them.
set -x
DOCKER_HOST=unix:///nonexistent ./bin/canto build "examples/$example" \
  --base "$CANTO_TW_BASE_SLIM" \
  --builder "$CANTO_TW_BASE_FULL" --vendor-libs \
  -o "oci:$out/oci:$example" \
  -o "docker-archive:$out/$example.tar:canto-demo/$example:latest"
{ set +x; } 2>/dev/null

if [[ "${CANTO_TW_NO_DOCKER:-}" == 1 ]]; then
  echo "the test world runs without Docker; the image is in $out" >&2
  exit 0
fi
docker="$CANTO_TW_DOCKER"
"$docker" load -q -i "$out/$example.tar" >&2
case "$example" in
  gunicorn-web) port=8001 ;;
  flask-uwsgi) port=8000 ;;
  *) "$docker" run --rm --network host "canto-demo/$example:latest" --help; exit 0 ;;
esac
name="canto-demo-$example"
"$docker" rm -f "$name" >/dev/null 2>&1 || true
"$docker" run -d --name "$name" --network host "canto-demo/$example:latest" >/dev/null
trap '"$docker" rm -f "$name" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 60); do
  if curl -fs "http://127.0.0.1:$port/"; then echo; exit 0; fi
  sleep 0.5
done
"$docker" logs "$name" >&2
echo "the container did not answer on port $port" >&2
exit 1
