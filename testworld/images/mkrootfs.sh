#!/usr/bin/env bash
# mkrootfs.sh DEST CACHE_DIR MIRROR PKG...
# Builds a Debian bookworm root filesystem in DEST with debootstrap (minbase plus
# PKG...), upgrades it from the host's apt sources, adds the four apt tweaks of
# Debian's official images, and trims lists, caches, docs, man pages, locales and
# logs. DEST must not exist; the result appears atomically (built in DEST.tmp).
set -euo pipefail
dest="$1" cache="$2" mirror="$3"; shift 3
pkgs="$(IFS=,; echo "$*")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$dest.tmp"

log() { printf '[mkrootfs %s] %s\n' "$(basename "$dest")" "$*" >&2; }

# unmount_all DIR: lazily unmount everything mounted at or below DIR.
unmount_all() {
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
}

# safe_rm DIR: remove a build directory, refusing while anything is mounted in it.
safe_rm() {
  [[ -e "$1" ]] || return 0
  unmount_all "$1"
  if awk -v d="$1" 'index($2, d "/") == 1 { found=1 } END { exit !found }' /proc/self/mounts; then
    log "refusing to remove $1: something is still mounted below it"; return 1
  fi
  rm -rf --one-file-system "$1"
}

trap 'unmount_all "$tmp"' EXIT
safe_rm "$tmp"
mkdir -p "$cache"

log "debootstrap --variant=minbase --include=$pkgs bookworm ($mirror)"
debootstrap --variant=minbase --include="$pkgs" --cache-dir="$cache" \
  bookworm "$tmp" "$mirror" >&2 || {
  log "debootstrap failed; see $tmp/debootstrap/debootstrap.log"; exit 1; }

log "apt sources from the host, apt-get upgrade in a chroot"
rm -f "$tmp/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$tmp/etc/apt/sources.list.d/"
cp -L /etc/resolv.conf "$tmp/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
mount -t proc proc "$tmp/proc"
chroot "$tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  sh -c 'apt-get update -qq && apt-get -y -qq -o Dpkg::Options::=--force-confold upgrade && apt-get clean' >&2
umount "$tmp/proc"

log "apt tweaks of the official images"
install -m 644 "$here"/apt.conf.d/docker-* "$tmp/etc/apt/apt.conf.d/"

log "trimming"
rm -f "$tmp/usr/sbin/policy-rc.d" "$tmp/etc/resolv.conf" "$tmp/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$tmp/etc/hosts"
: >"$tmp/etc/machine-id" 2>/dev/null || true
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/* "$tmp"/var/cache/debconf/*-old \
  "$tmp"/var/cache/ldconfig/aux-cache "$tmp"/var/lib/dpkg/*-old "$tmp"/debootstrap
mkdir -p "$tmp/var/lib/apt/lists/partial" "$tmp/var/cache/apt/archives/partial"
# Logs of this build would make every rebuild differ.
find "$tmp/var/log" -type f -delete
find "$tmp/etc" \( -name '*.dpkg-old' -o -name '*.dpkg-dist' -o -name '*.ucf-old' \) -delete
# Docs (keeping each package's copyright file), man and info pages, locales.
find "$tmp/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
find "$tmp/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$tmp"/usr/share/man/* "$tmp"/usr/share/info/* "$tmp"/usr/share/lintian "$tmp"/usr/share/linda
find "$tmp/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$tmp"/tmp/* "$tmp"/var/tmp/* "$tmp"/root/.cache

trap - EXIT
unmount_all "$tmp"
mv "$tmp" "$dest"
log "done: $(du -sh --apparent-size "$dest" | cut -f1)"
