#!/usr/bin/env bash
# Records what Poetry's own installer would install for each fixture, as an
# oracle for pkg/plan: `poetry install --dry-run --no-root --only main` (and
# with --all-extras) into a fresh virtualenv of the machine's python3.11
# (Debian 12: linux x86_64, glibc 2.36, CPython 3.11.2), parsing its
# "Installing NAME (VERSION)" lines. Poetry reads only the lock: nothing is
# downloaded; -v is needed for Poetry to list the operations it skips, which
# are filtered out. Fixtures Poetry 1.3 cannot read (lock-version 2.1, Poetry 2
# pyprojects, path dependencies outside the fixture) are skipped and listed.
#
# Run from the repository root with Debian's Poetry 1.3.2:
#   bash pkg/plan/testdata/poetry_oracle.sh > pkg/plan/testdata/poetry-oracle.json
set -euo pipefail
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
first=1
echo "{"
echo "  \"poetry\": \"$(poetry --version 2>/dev/null | sed 's/[^0-9.]//g')\","
echo "  \"python\": \"$(/usr/bin/python3 -c 'import platform; print(platform.python_version())')\","
echo "  \"fixtures\": {"
for dir in testdata/projects/*/ examples/*/; do
  name=$(basename "$(dirname "$dir")")/$(basename "$dir")
  if grep -q '^lock-version = "2.1"' "$dir/poetry.lock"; then
    echo "skipping $name: lock-version 2.1 is newer than Poetry 1.3 reads" >&2
    continue
  fi
  for variant in main extras; do
    rm -rf "$work/p" "$work/venvs"
    cp -r "$dir" "$work/p"
    args=(--dry-run --no-root --only main --no-ansi -v)
    [[ $variant == extras ]] && args+=(--all-extras)
    # The venv comes with pip, setuptools and wheel, so a locked version of
    # them shows as "Updating OLD -> NEW" or as skipped "Already installed".
    if ! out=$(cd "$work/p" && POETRY_VIRTUALENVS_PATH="$work/venvs" POETRY_VIRTUALENVS_IN_PROJECT=false \
        timeout 120 poetry install "${args[@]}" 2>&1); then
      echo "skipping $name ($variant): $(echo "$out" | tail -1)" >&2
      continue
    fi
    # Operations Poetry skips as "Not required" or "Not needed for the
    # current environment" are listed too; they are not installs.
    pkgs=$(echo "$out" | grep -v -e 'reason: Not required' -e 'reason: Not needed' |
      sed -n -e 's/^ *[•-] Installing \([^ ]*\) (\([^)]*\)).*/\1 \2/p' \
             -e 's/^ *[•-] Updating \([^ ]*\) ([^)]* -> \([^)]*\)).*/\1 \2/p' | sort)
    [[ $first == 1 ]] || echo ","
    first=0
    printf '    "%s/%s": {' "$name" "$variant"
    sep=""
    while read -r n v; do
      [[ -z "$n" ]] && continue
      printf '%s"%s": "%s"' "$sep" "$n" "$v"
      sep=", "
    done <<<"$pkgs"
    printf '}'
  done
done
echo
echo "  }"
echo "}"
