#!/usr/bin/env bash
# 60-docker: the Docker engine of Debian's docker.io (dockerd 20.10 with its
# own containerd), started without systemd and without a bridge network:
#   dockerd --bridge=none --iptables=false --ip-masq=false --storage-driver=overlay2
# Every `docker build` and `docker run` therefore needs `--network host`, and
# callers must use /usr/bin/docker (20.10, BuildKit built in), not the newer
# /usr/local/bin/docker first in PATH. The base images of 30-images are loaded
# as canto-testworld/{slim,full,distroless}:latest (only when the image ID in
# the engine differs from the one built).
#
# CANTO_TW_NO_DOCKER=1: run no engine. `up` stops the dockerd it started
# earlier and records CANTO_TW_NO_DOCKER=1 instead of CANTO_TW_DOCKER, so tests
# can prove canto works with no daemon at all. Unset it and run `up` again to
# bring the engine back.
source "$(dirname "$0")/../lib.sh"

DOCKER=/usr/bin/docker
IMAGES=(slim full distroless)

engine_ok() { timeout 10 "$DOCKER" info >/dev/null 2>&1; }

stop_engine() {
  local pidf="$TW/run/dockerd.pid" pid i
  if tw_running dockerd; then
    # TERM dockerd alone first: it stops its containers and its containerd.
    pid="$(cat "$pidf")"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null || tw_log "stopped dockerd"
  fi
  tw_stop dockerd # whatever is left of the process group, and the pid file
}

start_engine() {
  local i
  if engine_ok; then
    if tw_running dockerd; then tw_log "dockerd already running (pid $(cat "$TW/run/dockerd.pid"))"
    else tw_log "using a Docker engine the test world did not start"; fi
    return 0
  fi
  tw_start dockerd /usr/sbin/dockerd --bridge=none --iptables=false --ip-masq=false \
    --storage-driver=overlay2
  for i in $(seq 1 120); do
    engine_ok && return 0
    tw_running dockerd || break
    sleep 0.5
  done
  tw_log "dockerd did not come up; see $TW/logs/dockerd.log"
  tail -n 20 "$TW/logs/dockerd.log" >&2 || true
  return 1
}

# load NAME: docker load the docker-archive of NAME unless the engine has it.
load() {
  local name="$1" ref="canto-testworld/$1:latest" want have
  if [[ ! -f "$TW/images/$name.info" ]]; then
    tw_log "no image $name yet; run 30-images first"; return 1
  fi
  want="$(grep ^id= "$TW/images/$name.info" | cut -d= -f2)"
  have="$("$DOCKER" image inspect -f '{{.Id}}' "$ref" 2>/dev/null || true)"
  if [[ "$have" == "$want" ]]; then tw_log "$ref: loaded ($want)"; return 0; fi
  "$DOCKER" load -q -i "$TW/images/archives/$name.tar" >&2
  have="$("$DOCKER" image inspect -f '{{.Id}}' "$ref")"
  if [[ "$have" != "$want" ]]; then
    tw_log "$ref: engine has $have after docker load, want $want"; return 1
  fi
  tw_log "$ref: loaded ($want)"
}

up() {
  rm -f "$TW/env.d/${TW_PART:-misc}.env" # drop CANTO_TW_DOCKER or CANTO_TW_NO_DOCKER of the last run
  if [[ "${CANTO_TW_NO_DOCKER:-}" == 1 ]]; then
    stop_engine
    if engine_ok; then tw_log "CANTO_TW_NO_DOCKER=1, but a Docker engine not started by the test world answers"; fi
    tw_env CANTO_TW_NO_DOCKER 1
    tw_log "CANTO_TW_NO_DOCKER=1: no Docker engine"
    return 0
  fi
  start_engine
  local name
  for name in "${IMAGES[@]}"; do
    load "$name"
    tw_env "CANTO_TW_DOCKER_${name^^}" "canto-testworld/$name:latest"
  done
  tw_env CANTO_TW_DOCKER "$DOCKER"
  tw_env CANTO_TW_DOCKER_HOST "unix:///var/run/docker.sock"
}

down() { stop_engine; }

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
