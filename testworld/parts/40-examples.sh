#!/usr/bin/env bash
# 40-examples: proves that each example project in examples/ is a working
# Poetry 1.3.2 project against the test world's index (part 20):
# `poetry check`, `poetry lock --check`, `poetry install` into a throwaway venv
# under $CANTO_TESTWORLD/examples, then a smoke command run in that venv.
# An example is skipped while its files, the index and this script are
# unchanged (a stamp holds their hash). Any failure stops the part, loudly.
source "$(dirname "$0")/../lib.sh"
# Only the test world's index may supply packages: drop inherited pip
# settings (a machine's PIP_FIND_LINKS would offer wheels of its own).
unset $(compgen -e | grep '^PIP_') 2>/dev/null || true

EXD="$TW/examples"
EXAMPLES=(flask-uwsgi cli-tool gunicorn-web markers-groups)
APT_PACKAGES=(python3-poetry python3-trove-classifiers python3-venv python3-dev gcc libc6-dev libpcre3-dev)

# install_args NAME: what `poetry install` gets for each example.
install_args() {
  case "$1" in
    flask-uwsgi) echo "" ;;
    cli-tool) echo "--extras colors" ;;
    gunicorn-web) echo "" ;;
    markers-groups) echo "--all-extras --with test,build" ;;
  esac
}

# smoke NAME VENV: run the installed example.
smoke() {
  local name="$1" v="$2"
  case "$name" in
    flask-uwsgi)
      "$v/bin/uwsgi" --version
      "$v/bin/python" -m pytest -q -p no:cacheprovider tests
      ;;
    cli-tool)
      [[ "$("$v/bin/cli-tool" hello canto)" == *"hello, canto"* ]]
      [[ "$("$v/bin/greet" x)" == "hello, x" ]]
      [[ "$("$v/bin/cli-tool" colors)" == "colors: on" ]]
      "$v/bin/python" -m pytest -q -p no:cacheprovider tests
      ;;
    gunicorn-web)
      "$v/bin/python" -m unittest discover -s tests -t .
      "$v/bin/gunicorn" --check-config -c gunicorn.conf.py web.app:application
      ;;
    markers-groups)
      local got want
      got="$("$v/bin/python" -m markers_groups)"
      want='{"chardet": true, "colorama": false, "msgpack": true, "pytest": true, "python": "3.11", "sibling": "xn--bcher-kva.example:OK", "tomli": false}'
      if [[ "$got" != "$want" ]]; then
        printf 'markers_groups report:\n  got  %s\n  want %s\n' "$got" "$want"
        return 1
      fi
      ;;
  esac
}

apt_install() {
  local p todo=()
  for p in "${APT_PACKAGES[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" == installed ]] || todo+=("$p")
  done
  [[ ${#todo[@]} -eq 0 ]] && return 0
  tw_log "apt: installing ${todo[*]}"
  ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 || apt-get update -qq -o DPkg::Lock::Timeout=300
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${todo[@]}" >>"$TW/logs/apt-$TW_PART.log" 2>&1
}

# stamp NAME: hash of the example's files, the index content and this script.
stamp() {
  {
    (cd "$TW_REPO/examples/$1" && find . -type f -not -path '*/__pycache__/*' \
      -not -path './.venv/*' -not -path '*/.pytest_cache/*' -print0 | LC_ALL=C sort -z |
      xargs -0 sha256sum)
    sha256sum "$TW/index/files/MANIFEST.tsv" "$0"
    /usr/bin/poetry --version
  } | sha256sum | cut -c1-32
}

# poetry ARGS: Debian's Poetry 1.3.2, isolated from the user's settings; the
# venv goes under $EXD/venvs/$name ($name is check_one's local).
poetry() {
  PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    PIP_CONFIG_FILE="$TW/pip.conf" \
    POETRY_CACHE_DIR="$EXD/poetry-cache" \
    POETRY_VIRTUALENVS_PATH="$EXD/venvs/$name" \
    POETRY_VIRTUALENVS_IN_PROJECT=false \
    POETRY_NO_INTERACTION=1 \
    /usr/bin/poetry "$@"
}

check_one() {
  local name="$1" dir="$TW_REPO/examples/$1" log="$TW/logs/example-$1.log" want t0=$SECONDS
  want="$(stamp "$name")"
  if [[ "$(cat "$EXD/$name.stamp" 2>/dev/null)" == "$want" ]]; then
    tw_log "example $name: unchanged since its last check, skipped"
    return 0
  fi
  tw_log "example $name: poetry check, lock --check, install $(install_args "$name") (log $log)"
  rm -rf "$EXD/venvs/$name"
  : >"$log"
  local rc venv
  # errexit is ignored inside a subshell that is part of || or &&, so the
  # status is taken with errexit off outside and on inside.
  set +e
  (
    set -euo pipefail
    cd "$dir"
    echo "+ poetry check"; poetry check
    echo "+ poetry lock --check"; poetry lock --check
    # shellcheck disable=SC2046
    echo "+ poetry install $(install_args "$name")"; poetry install $(install_args "$name")
    venv="$(poetry env info --path)"
    echo "+ smoke test in $venv"
    smoke "$name" "$venv"
  ) >>"$log" 2>&1
  rc=$?
  set -e
  # Leave the work tree as it was: no build output next to the sources.
  find "$dir" -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then
    tw_log "example $name FAILED; last lines of $log:"
    tail -n 25 "$log" >&2
    if grep -q -i 'hash.*does not match\|hash mismatch' "$log"; then
      tw_log "hint: the index content differs from the one the lock was made against;" \
        "re-lock with: bash examples/relock.sh"
    fi
    return 1
  fi
  echo "$want" >"$EXD/$name.stamp"
  rm -rf "$EXD/venvs/$name"
  tw_log "example $name: ok in $((SECONDS - t0))s"
}

up() {
  [[ -f "$TW/pip.conf" && -f "$TW/index/files/MANIFEST.tsv" ]] || {
    tw_log "the index is not built; run: bash testworld/up.sh 20-index"; return 1; }
  tw_wait_http "http://127.0.0.1:3141/simple/" 10 || {
    tw_log "the index does not answer on 127.0.0.1:3141; run: bash testworld/up.sh 20-index"; return 1; }
  apt_install
  mkdir -p "$EXD/venvs"
  local name failed=()
  for name in "${EXAMPLES[@]}"; do
    check_one "$name" || failed+=("$name")
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    tw_log "examples FAILED: ${failed[*]}"
    return 1
  fi
  tw_env CANTO_TW_EXAMPLES "$TW_REPO/examples"
}

down() { :; } # nothing runs

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
