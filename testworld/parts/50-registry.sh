#!/usr/bin/env bash
# 50-registry: two local OCI registries (Debian's docker-registry, distribution
# v2) with filesystem storage under $CANTO_TESTWORLD/registry:
#   127.0.0.1:5000  open
#   127.0.0.1:5001  htpasswd (bcrypt) basic auth, user "canto", password
#                   generated once into $CANTO_TESTWORLD/registry/auth/password
# Both serve plain HTTP. The base images of 30-images are pushed to each as
# 127.0.0.1:500N/canto/base:{slim,full,distroless} (skipped when the registry
# already has the layout's manifest digest).
source "$(dirname "$0")/../lib.sh"

REG="$TW/registry"
OCI="$TW/images/oci"
PLAIN_ADDR=127.0.0.1:5000
AUTH_ADDR=127.0.0.1:5001
USER_NAME=canto
IMAGES=(slim full distroless)

write_config() { # write_config FILE ADDR STORAGE [HTPASSWD]
  {
    printf 'version: 0.1\nlog:\n  level: info\n  formatter: text\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$3"
    printf '  cache:\n    blobdescriptor: inmemory\n'
    printf 'http:\n  addr: %s\n  headers:\n    X-Content-Type-Options: [nosniff]\n' "$2"
    if [[ -n "${4:-}" ]]; then
      printf 'auth:\n  htpasswd:\n    realm: canto-testworld\n    path: %s\n' "$4"
    fi
  } >"$1.tmp"
  mv "$1.tmp" "$1"
}

password() {
  local f="$REG/auth/password"
  if [[ ! -s "$f" ]]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-24 >"$f")
  fi
  cat "$f"
}

# start NAME ADDR: start one registry unless it runs; refuse a foreign listener.
start() {
  local name="$1" addr="$2"
  if ! tw_running "$name" && curl -s -o /dev/null --max-time 2 "http://$addr/v2/"; then
    tw_log "$addr already answers but $name was not started by the test world; stop that service first"
    return 1
  fi
  tw_start "$name" /usr/bin/docker-registry serve "$REG/$name.yml"
  tw_wait_http "http://$addr/v2/" 30
  if ! tw_running "$name"; then tw_log "$name exited; see $TW/logs/$name.log"; return 1; fi
}

# push NAME ADDR [CREDS]: copy oci:$OCI:NAME to ADDR/canto/base:NAME unless present.
push() {
  local name="$1" addr="$2" creds=("${@:3}") want have
  want="$(grep ^digest= "$TW/images/$name.info" | cut -d= -f2)"
  have=none
  if skopeo inspect --raw --tls-verify=false "${creds[@]/#/--creds=}" \
    "docker://$addr/canto/base:$name" >"$REG/manifest.tmp" 2>/dev/null; then
    have="sha256:$(sha256sum <"$REG/manifest.tmp" | cut -d' ' -f1)"
  fi
  rm -f "$REG/manifest.tmp"
  if [[ "$have" == "$want" ]]; then
    tw_log "$addr/canto/base:$name: present ($want)"; return 0
  fi
  skopeo copy -q --preserve-digests --dest-tls-verify=false "${creds[@]/#/--dest-creds=}" \
    "oci:$OCI:$name" "docker://$addr/canto/base:$name" >&2
  tw_log "$addr/canto/base:$name: pushed ($want)"
}

up() {
  local pw name
  mkdir -p "$REG/plain/storage" "$REG/auth/storage"
  pw="$(password)"
  if ! htpasswd -vb "$REG/auth/htpasswd" "$USER_NAME" "$pw" >/dev/null 2>&1; then
    htpasswd -Bbc "$REG/auth/htpasswd" "$USER_NAME" "$pw" 2>/dev/null
  fi
  write_config "$REG/registry.yml" "$PLAIN_ADDR" "$REG/plain/storage"
  write_config "$REG/registry-auth.yml" "$AUTH_ADDR" "$REG/auth/storage" "$REG/auth/htpasswd"
  start registry "$PLAIN_ADDR"
  start registry-auth "$AUTH_ADDR"

  tw_env CANTO_TW_REGISTRY "$PLAIN_ADDR"
  tw_env CANTO_TW_AUTH_REGISTRY "$AUTH_ADDR"
  tw_env CANTO_TW_REGISTRY_USER "$USER_NAME"
  tw_env CANTO_TW_REGISTRY_PASSWORD "$pw"

  if [[ ! -f "$OCI/index.json" ]]; then
    tw_log "no base images in $OCI yet; run 30-images first to push them"
    return 0
  fi
  for name in "${IMAGES[@]}"; do
    push "$name" "$PLAIN_ADDR"
    push "$name" "$AUTH_ADDR" "$USER_NAME:$pw"
    tw_env "CANTO_TW_REGISTRY_BASE_${name^^}" "$PLAIN_ADDR/canto/base:$name"
    tw_env "CANTO_TW_AUTH_REGISTRY_BASE_${name^^}" "$AUTH_ADDR/canto/base:$name"
  done
}

down() {
  tw_stop registry-auth
  tw_stop registry
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
