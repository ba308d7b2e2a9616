#!/usr/bin/env bash
# 20-index: a Python package index of real upstream code, served by
# canto-testindex (cmd/canto-testindex) on two loopback ports:
#   127.0.0.1:3141  open          CANTO_TW_INDEX_URL
#   127.0.0.1:3142  basic auth    CANTO_TW_AUTH_INDEX_URL (user canto, password
#                   generated once into $CANTO_TESTWORLD/index/auth/password)
# The files (upstream sdists from Debian's .orig tarballs, wheels built from
# them, wheels repackaged from Debian's python3-* .debs) are built once by
# testworld/index/build_index.py into $CANTO_TESTWORLD/index/files; a rerun
# rebuilds only when that script changes. See testworld/index/README.md.
source "$(dirname "$0")/../lib.sh"
# Only the test world's index may supply packages: drop inherited pip
# settings (a machine's PIP_FIND_LINKS would offer wheels of its own).
unset $(compgen -e | grep '^PIP_') 2>/dev/null || true

IDX="$TW/index"
FILES="$IDX/files"
OPEN_ADDR=127.0.0.1:3141
AUTH_ADDR=127.0.0.1:3142
USER_NAME=canto
SRC_LIST=/etc/apt/sources.list.d/canto-testworld-src.sources
APT_PACKAGES=(
  python3 python3-venv python3-pip python3-setuptools python3-wheel python3-dev
  gcc libffi-dev pkg-config dpkg-dev curl ca-certificates
)
# Installed into a fresh venv from the index after each build, then
# `pip check` and an import of each module: catches lost Requires-Dist.
VERIFY_REQS=(flask requests pytest gunicorn colorama typing-extensions msgpack cffi
  chardet blinker canto-testpkg==1.0.0 poetry==1.3.2)
VERIFY_IMPORTS="flask, requests, pytest, gunicorn, colorama, typing_extensions, msgpack, cffi, chardet, blinker, markupsafe, jinja2, canto_testpkg, poetry.console.application, cleo, dulwich, keyring, virtualenv, cryptography.fernet, secretstorage, html5lib, cachecontrol"

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

# deb-src lines for `apt-get source`: the URIs and suites of the machine's own
# deb sources, in a file of our own.
apt_sources() {
  local want
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    want="$(/usr/bin/python3 - "$SRC_LIST" /etc/apt/sources.list.d/*.sources <<'PY'
import re, sys
own, files = sys.argv[1], sys.argv[2:]
out = []
for f in files:
    if f == own:
        continue
    for stanza in re.split(r"\n\s*\n", open(f).read().strip()):
        types = re.search(r"^Types:(.*)$", stanza, re.M)
        if types and "deb" in types.group(1).split():
            out.append(re.sub(r"^Types:.*$", "Types: deb-src", stanza, flags=re.M))
print("\n\n".join(out))
PY
)"
  else # one-line format
    SRC_LIST="${SRC_LIST%.sources}.list"
    want="$(sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list 2>/dev/null)"
  fi
  [[ -n "$want" ]] || { tw_log "no deb sources found in /etc/apt; cannot add deb-src"; return 1; }
  if [[ ! -f "$SRC_LIST" ]] || [[ "$(cat "$SRC_LIST")" != "$want" ]]; then
    tw_log "apt: writing $SRC_LIST"
    printf '%s\n' "$want" >"$SRC_LIST"
    apt-get update -qq -o DPkg::Lock::Timeout=300
  elif ! compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null; then
    apt-get update -qq -o DPkg::Lock::Timeout=300
  fi
}

build_stamp() { cat "$TW_SRC/index/build_index.py" | sha256sum | cut -c1-16; }

build_index() {
  local stamp
  stamp="$(build_stamp)"
  if [[ -d "$FILES" && "$(cat "$IDX/files.stamp" 2>/dev/null)" == "$stamp" ]]; then
    tw_log "index: $(ls "$FILES" | grep -c -E '\.(whl|tar\.gz)$') files up to date ($FILES)"
    return 0
  fi
  apt_sources
  tw_log "index: building into $FILES (first build takes a few minutes)"
  local t0=$SECONDS
  SOURCE_DATE_EPOCH=1672531200 /usr/bin/python3 "$TW_SRC/index/build_index.py" \
    --out "$FILES" --cache "$IDX/cache" 2>&1 | tee "$TW/logs/index-build.log" >&2
  echo "$stamp" >"$IDX/files.stamp"
  rm -f "$IDX/verified.stamp"
  tw_log "index: built in $((SECONDS - t0))s"
}

build_server() {
  command -v go >/dev/null || { tw_log "go is not in PATH; it builds canto-testindex"; return 1; }
  mkdir -p "$TW/bin"
  (cd "$TW_REPO" && CGO_ENABLED=0 go build -trimpath -o "$TW/bin/canto-testindex.new" ./cmd/canto-testindex)
  if cmp -s "$TW/bin/canto-testindex.new" "$TW/bin/canto-testindex"; then
    rm "$TW/bin/canto-testindex.new"
  else
    mv "$TW/bin/canto-testindex.new" "$TW/bin/canto-testindex"
    tw_stop testindex-open; tw_stop testindex-auth # restart on the new binary
  fi
}

password() {
  local f="$IDX/auth/password"
  mkdir -p "$IDX/auth"
  if [[ ! -s "$f" ]]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-24 >"$f")
  fi
  if [[ ! -s "$IDX/auth/htpasswd" || "$(cat "$IDX/auth/htpasswd")" != "$USER_NAME:$(cat "$f")" ]]; then
    (umask 077; printf '%s:%s\n' "$USER_NAME" "$(cat "$f")" >"$IDX/auth/htpasswd")
  fi
  cat "$f"
}

start() { # start NAME ADDR ARGS...
  local name="$1" addr="$2"
  shift 2
  if ! tw_running "$name" && curl -s -o /dev/null --max-time 2 "http://$addr/"; then
    tw_log "$addr already answers but $name was not started by the test world; stop that service first"
    return 1
  fi
  tw_start "$name" "$TW/bin/canto-testindex" --dir "$FILES" --addr "$addr" "$@"
  tw_wait_http "http://$addr/simple/" 30
  tw_running "$name" || { tw_log "$name exited; see $TW/logs/$name.log"; return 1; }
}

verify() {
  if [[ "$(cat "$IDX/verified.stamp" 2>/dev/null)" == "$(cat "$IDX/files.stamp")" ]]; then
    return 0
  fi
  tw_log "index: verifying (fresh venv, pip install ${#VERIFY_REQS[@]} requirements, pip check, imports)"
  local venv="$IDX/verify-venv" t0=$SECONDS
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  PIP_CONFIG_FILE="$TW/pip.conf" "$venv/bin/pip" install -q --no-cache-dir "${VERIFY_REQS[@]}" >&2
  "$venv/bin/pip" check >&2
  "$venv/bin/python" -c "import $VERIFY_IMPORTS" >&2
  "$venv/bin/poetry" --version >&2
  cat "$IDX/files.stamp" >"$IDX/verified.stamp"
  rm -rf "$venv"
  tw_log "index: verified in $((SECONDS - t0))s"
}

up() {
  apt_install
  build_index
  build_server
  local pw
  pw="$(password)"
  start testindex-open "$OPEN_ADDR"
  start testindex-auth "$AUTH_ADDR" --htpasswd "$IDX/auth/htpasswd"
  cat >"$TW/pip.conf" <<EOF
# Written by testworld/parts/20-index.sh: pip (and Poetry 1.3's isolated
# sdist builds) use the test world's index; PyPI is unreachable here.
[global]
index-url = http://$OPEN_ADDR/simple/
trusted-host = 127.0.0.1
disable-pip-version-check = true
no-input = true
EOF
  verify
  tw_env CANTO_TW_INDEX_URL "http://$OPEN_ADDR/simple/"
  tw_env CANTO_TW_AUTH_INDEX_URL "http://$AUTH_ADDR/simple/"
  tw_env CANTO_TW_AUTH_USER "$USER_NAME"
  tw_env CANTO_TW_AUTH_PASSWORD "$pw"
  tw_env CANTO_TW_PIP_CONF "$TW/pip.conf"
  tw_env CANTO_TW_INDEX_DIR "$FILES"
}

down() {
  tw_stop testindex-open
  tw_stop testindex-auth
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
