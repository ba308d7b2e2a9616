#!/usr/bin/env bash
# Re-locks the example projects with Debian's Poetry 1.3.2 against the running
# test-world index (testworld/up.sh 20-index). Run it when the index content
# changed (a hash in a poetry.lock no longer matches), then commit the locks.
# Usage: examples/relock.sh [EXAMPLE...]
set -euo pipefail
: "${CANTO_TESTWORLD:=$HOME/.cache/canto-testworld}"
cd "$(dirname "$0")"
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(flask-uwsgi cli-tool gunicorn-web markers-groups)
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
for n in "${names[@]}"; do
  echo "relocking $n" >&2
  (cd "$n" && rm -f poetry.lock &&
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    PIP_CONFIG_FILE="$CANTO_TESTWORLD/pip.conf" \
    POETRY_CACHE_DIR="$cache" POETRY_VIRTUALENVS_PATH="$cache/venvs" \
    POETRY_NO_INTERACTION=1 /usr/bin/poetry lock)
done
