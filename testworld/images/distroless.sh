#!/usr/bin/env bash
# distroless.sh SLIM_ROOTFS DEST
# Derives a shell-less Python runtime from the slim root filesystem: keeps
# python3.11, its standard library, the shared libraries, ca-certificates,
# tzdata and the copyright files; removes shells, coreutils and every other
# program, apt, dpkg and debconf, PAM, perl, pip's wheels and dangling links.
# Like gcr.io/distroless, it keeps no dpkg database but one status paragraph
# per package that still has files, in /var/lib/dpkg/status.d/NAME.
# DEST must not exist; the result appears atomically (built in DEST.tmp).
set -euo pipefail
src="$1" dest="$2"
tmp="$dest.tmp"
log() { printf '[distroless] %s\n' "$*" >&2; }

rm -rf --one-file-system "$tmp"
cp -a "$src" "$tmp"

# Programs: only the interpreter stays.
find "$tmp/usr/bin" -mindepth 1 -not -name python3 -not -name python3.11 -delete
find "$tmp/usr/sbin" "$tmp/usr/libexec" -mindepth 1 -delete
# Package management, PAM, perl, init and friends.
rm -rf "$tmp"/usr/lib/{apt,dpkg,systemd,udev,init,lsb,valgrind,binfmt.d,tmpfiles.d} \
  "$tmp"/usr/lib/x86_64-linux-gnu/{perl-base,security,e2fsprogs} \
  "$tmp"/usr/lib/x86_64-linux-gnu/lib{apt-pkg,apt-private,pam,pam_misc,pamc,debconfclient,ext2fs,e2p,ss,semanage}.so* \
  "$tmp"/usr/share/{perl5,debconf,dpkg,pam,pam-configs,bash-completion,menu,keyrings,lintian,python-wheels,base-passwd,pixmaps,polkit-1} \
  "$tmp"/etc/{apt,dpkg,pam.d,pam.conf,security,cron.d,cron.daily,init.d,rc0.d,rc1.d,rc2.d,rc3.d,rc4.d,rc5.d,rc6.d,rcS.d,systemd,logrotate.d,bash.bashrc,skel,debconf.conf,alternatives,profile.d,update-motd.d,default,kernel,selinux,subuid,subgid} \
  "$tmp"/var/lib/{dpkg,apt,pam,systemd,ucf} "$tmp"/var/cache/{apt,debconf,ldconfig} "$tmp"/var/log/*
# Interpreter-level tools that only make sense with a shell or pip.
rm -rf "$tmp"/usr/lib/python3.11/ensurepip/_bundled "$tmp"/usr/lib/python3/dist-packages/pip

# Dangling symbolic links, resolved inside the new root (no find or sh there).
chroot "$tmp" /usr/bin/python3.11 -I -c '
import os
for top in ("/etc", "/usr", "/var", "/opt", "/root", "/srv", "/home"):
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(d, n)
            if os.path.islink(p) and not os.path.exists(p):
                os.unlink(p)
'
# status.d: what distroless images record of their packages. A package
# stays listed when a regular file of its dpkg file list is still there,
# not counting configuration and the bookkeeping files of /usr/share.
status_d="$tmp.status.d"
rm -rf "$status_d" && mkdir -p "$status_d"
admin="$src/var/lib/dpkg"
while read -r pkg; do
  list="$admin/info/$pkg.list"
  [[ -f "$list" ]] || list="$admin/info/${pkg%%:*}.list"
  [[ -f "$list" ]] || continue
  kept=0
  while IFS= read -r f; do
    case "$f" in
      /etc/* | /usr/share/doc/* | /usr/share/doc-base/* | /usr/share/bug/* | /usr/share/debianutils/* | /usr/share/lintian/*) continue ;;
    esac
    if [[ -f "$tmp$f" && ! -L "$tmp$f" ]]; then kept=1; break; fi
  done <"$list"
  [[ $kept == 1 ]] || continue
  dpkg-query --admindir="$admin" -s "$pkg" | grep -v '^Status:' >"$status_d/${pkg%%:*}"
done < <(dpkg-query --admindir="$admin" -W -f='${binary:Package}\n')

# Empty directories left behind under the trimmed trees.
find "$tmp/usr/share" "$tmp/usr/lib" "$tmp/etc" "$tmp/var/lib" "$tmp/var/cache" -mindepth 1 -type d -empty -delete

mkdir -p "$tmp/var/lib/dpkg"
mv "$status_d" "$tmp/var/lib/dpkg/status.d"
for pkg in libc6 python3.11-minimal; do
  [[ -f "$tmp/var/lib/dpkg/status.d/$pkg" ]] || { log "status.d lacks $pkg"; exit 1; }
done
for f in usr/bin/sh usr/bin/bash usr/bin/dash usr/bin/apt-get usr/bin/dpkg; do
  if [[ -e "$tmp/$f" || -L "$tmp/$f" ]]; then log "still present: /$f"; exit 1; fi
done
chroot "$tmp" /usr/bin/python3 -I -c '
import ssl, sqlite3, ctypes, json, hashlib, lzma, bz2, zlib, decimal, uuid, zoneinfo, venv
import importlib.util
assert importlib.util.find_spec("pip") is None, "pip is importable"
ssl.create_default_context().load_default_certs()
print("distroless python", __import__("sys").version.split()[0], "ok")' >&2
mv "$tmp" "$dest"
log "done: $(du -sh "$dest" | cut -f1)"
