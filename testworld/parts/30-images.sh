#!/usr/bin/env bash
# 30-images: the test world's base images, built without any registry:
#   slim       python3, python3-venv, ca-certificates (like python:3.11-slim)
#   full       slim + gcc, libc6-dev, python3-dev, libpcre3-dev, make, python3-pip
#   distroless slim without shells, coreutils, apt, dpkg or pip
# debootstrap makes each root filesystem (testworld/images/mkrootfs.sh), and
# cmd/canto-testrootfs turns it into a one-layer OCI image, tagged in one OCI
# layout and also written as a docker-archive tarball. 50-registry pushes the
# images and 60-docker loads them. Everything is cached: a root filesystem is
# rebuilt only when its package list or build scripts change, an image only
# when its root filesystem, the converter or SOURCE_DATE_EPOCH changes;
# distroless is derived again whenever slim is rebuilt.
source "$(dirname "$0")/../lib.sh"

IMG="$TW/images"
ROOTFS="$IMG/rootfs"
STAMPS="$IMG/stamps"
OCI="$IMG/oci"
ARCHIVES="$IMG/archives"
DEBS="$IMG/cache/debootstrap"
TOOL="$TW/bin/canto-testrootfs"
HELPERS="$TW_SRC/images"

SLIM_PKGS=(python3 python3-venv ca-certificates)
FULL_PKGS=("${SLIM_PKGS[@]}" gcc libc6-dev python3-dev libpcre3-dev make python3-pip)
IMAGES=(slim full distroless)

# mirror: the Debian archive URI of the host's apt sources (not security).
mirror() {
  local uri
  uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -v -- '-security' | head -n1 || true)"
  if [[ -z "$uri" ]]; then
    uri="$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
  fi
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# key ARGS...: a short hash of the arguments (strings or files, in order).
key() {
  local a
  for a in "$@"; do
    if [[ -f "$a" ]]; then printf 'file %s ' "$(basename "$a")"; sha256sum <"$a"; else printf 'str %s\n' "$a"; fi
  done | sha256sum | cut -c1-16
}

# unmounted DIR: true if nothing is mounted at or below DIR.
unmounted() { ! awk -v d="$1" '$2 == d || index($2, d "/") == 1 { f = 1 } END { exit !f }' /proc/self/mounts; }

replace_dir() { # replace_dir DIR: remove an old root filesystem before a rebuild
  [[ -e "$1" ]] || return 0
  unmounted "$1" || { tw_log "refusing to remove $1: something is mounted below it"; return 1; }
  rm -rf --one-file-system "$1"
}

rootfs_key() {
  case "$1" in
    slim) key "${SLIM_PKGS[@]}" "$HELPERS/mkrootfs.sh" "$HELPERS"/apt.conf.d/* ;;
    full) key "${FULL_PKGS[@]}" "$HELPERS/mkrootfs.sh" "$HELPERS"/apt.conf.d/* ;;
    distroless) key "$(rootfs_key slim)" "$(cat "$STAMPS/slim.epoch" 2>/dev/null)" "$HELPERS/distroless.sh" ;;
  esac
}

build_rootfs() {
  local name="$1" k start
  k="$(rootfs_key "$name")"
  if [[ -d "$ROOTFS/$name" && "$(cat "$STAMPS/$name.rootfs" 2>/dev/null)" == "$k" ]]; then
    tw_log "rootfs $name: cached ($k)"; return 0
  fi
  start=$(date +%s)
  replace_dir "$ROOTFS/$name"
  rm -f "$STAMPS/$name.rootfs"
  case "$name" in
    slim) bash "$HELPERS/mkrootfs.sh" "$ROOTFS/$name" "$DEBS" "$(mirror)" "${SLIM_PKGS[@]}" ;;
    full) bash "$HELPERS/mkrootfs.sh" "$ROOTFS/$name" "$DEBS" "$(mirror)" "${FULL_PKGS[@]}" ;;
    distroless) bash "$HELPERS/distroless.sh" "$ROOTFS/slim" "$ROOTFS/$name" ;;
  esac
  if [[ "$name" == distroless ]]; then
    # Derived files are no newer than slim's: share its epoch, so deriving
    # again from the same slim gives the same digest.
    cp "$STAMPS/slim.epoch" "$STAMPS/$name.epoch"
  else
    date +%s >"$STAMPS/$name.epoch"
  fi
  echo "$k" >"$STAMPS/$name.rootfs"
  tw_log "rootfs $name: built in $(( $(date +%s) - start ))s"
}

# tool_key: the converter's own sources; a change re-converts every image.
tool_key() { key "$TW_REPO"/cmd/canto-testrootfs/*.go "$TW_REPO"/internal/testworld/rootfs/*.go; }

# build_tool: (re)build the converter when its sources or go.sum change.
build_tool() {
  local k
  k="$(key "$(tool_key)" "$TW_REPO/go.sum")"
  if [[ -x "$TOOL" && "$(cat "$STAMPS/tool" 2>/dev/null)" == "$k" ]]; then return 0; fi
  tw_log "building canto-testrootfs"
  (cd "$TW_REPO" && go build -trimpath -o "$TOOL" ./cmd/canto-testrootfs)
  echo "$k" >"$STAMPS/tool"
}

convert() {
  local name="$1" epoch k start
  epoch="${SOURCE_DATE_EPOCH:-$(cat "$STAMPS/$name.epoch")}"
  k="$(key "$(cat "$STAMPS/$name.rootfs")" "$(tool_key)" "$epoch")"
  if [[ "$(cat "$STAMPS/$name.image" 2>/dev/null)" == "$k" && -f "$ARCHIVES/$name.tar" && -f "$IMG/$name.info" ]] &&
    grep -q "\"org.opencontainers.image.ref.name\": \"$name\"" "$OCI/index.json" 2>/dev/null; then
    tw_log "image $name: cached ($(grep ^digest= "$IMG/$name.info" | cut -d= -f2))"; return 0
  fi
  start=$(date +%s)
  rm -f "$STAMPS/$name.image"
  "$TOOL" -rootfs "$ROOTFS/$name" -layout "$OCI" -tag "$name" -epoch "$epoch" \
    -archive "$ARCHIVES/$name.tar" -ref "canto-testworld/$name:latest" \
    -created-by "testworld/parts/30-images.sh $name" >"$IMG/$name.info.tmp"
  printf 'rootfs_bytes=%s\n' "$(du -sb "$ROOTFS/$name" | cut -f1)" >>"$IMG/$name.info.tmp"
  mv "$IMG/$name.info.tmp" "$IMG/$name.info"
  echo "$k" >"$STAMPS/$name.image"
  tw_log "image $name: written in $(( $(date +%s) - start ))s ($(tr '\n' ' ' <"$IMG/$name.info"))"
}

up() {
  mkdir -p "$ROOTFS" "$STAMPS" "$OCI" "$ARCHIVES" "$DEBS" "$TW/bin"
  local name upper
  for name in "${IMAGES[@]}"; do build_rootfs "$name"; done
  build_tool
  for name in "${IMAGES[@]}"; do convert "$name"; done
  tw_env CANTO_TW_OCI "$OCI"
  for name in "${IMAGES[@]}"; do
    upper="${name^^}"
    tw_env "CANTO_TW_BASE_$upper" "oci:$OCI:$name"
    tw_env "CANTO_TW_BASE_${upper}_DIGEST" "$(grep ^digest= "$IMG/$name.info" | cut -d= -f2)"
    tw_env "CANTO_TW_BASE_${upper}_ID" "$(grep ^id= "$IMG/$name.info" | cut -d= -f2)"
    tw_env "CANTO_TW_ARCHIVE_$upper" "$ARCHIVES/$name.tar"
    tw_env "CANTO_TW_ROOTFS_$upper" "$ROOTFS/$name"
  done
}

down() { :; } # images are files; nothing runs

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
