#!/usr/bin/env bash
# 10-apt: installs the Debian packages the test world needs. Fast when they are
# already present: dpkg-query decides, and apt-get update runs only if needed.
source "$(dirname "$0")/../lib.sh"

TW_APT_PACKAGES=(
  docker.io docker-registry debootstrap skopeo apache2-utils curl ca-certificates
  python3 python3-venv python3-pip python3-setuptools python3-wheel python3-packaging
  dpkg-dev
  # For the unit tests too (`make deps`): the sdist builder's tests install
  # Debian's real setuptools/wheel wheels and compile a C extension; the ELF
  # check's tests compile with gcc; git dependencies need git.
  python3-setuptools-whl python3-wheel-whl python3-pip-whl python3.11-dev gcc libc6-dev git
)

missing() {
  local p
  for p in "${TW_APT_PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]]; then
      printf '%s\n' "$p"
    fi
  done
}

up() {
  local todo
  mapfile -t todo < <(missing)
  if [[ ${#todo[@]} -eq 0 ]]; then
    tw_log "apt: all ${#TW_APT_PACKAGES[@]} packages present"
    return 0
  fi
  tw_log "apt: installing ${todo[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${todo[@]}" >&2
  mapfile -t todo < <(missing)
  if [[ ${#todo[@]} -gt 0 ]]; then
    tw_log "apt: still missing after install: ${todo[*]}"
    return 1
  fi
}

down() { :; } # packages stay installed

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
