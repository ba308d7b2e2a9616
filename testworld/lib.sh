# Shared helpers for the test world's scripts. Source it; do not run it.
# The whole world lives under $CANTO_TESTWORLD (default ~/.cache/canto-testworld).
set -euo pipefail

: "${CANTO_TESTWORLD:=$HOME/.cache/canto-testworld}"
export CANTO_TESTWORLD
TW="$CANTO_TESTWORLD"
TW_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TW_REPO="$(cd "$TW_SRC/.." && pwd)"
mkdir -p "$TW"/{logs,run,env.d}

tw_log() { printf '[testworld %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# tw_env NAME VALUE: record a variable for tests; up.sh joins env.d/* into $TW/env.
tw_env() {
  local part="${TW_PART:-misc}"
  touch "$TW/env.d/$part.env"
  sed -i "/^export $1=/d" "$TW/env.d/$part.env"
  printf 'export %s=%q\n' "$1" "$2" >>"$TW/env.d/$part.env"
}

# tw_start NAME CMD...: start a service in the background with its log in
# $TW/logs/NAME.log and its PID in $TW/run/NAME.pid, unless it already runs.
tw_start() {
  local name="$1"; shift
  if tw_running "$name"; then tw_log "$name already running (pid $(cat "$TW/run/$name.pid"))"; return 0; fi
  setsid "$@" >>"$TW/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$TW/run/$name.pid"
  tw_log "started $name (pid $!, log $TW/logs/$name.log)"
}

tw_running() {
  local pidf="$TW/run/$1.pid"
  [[ -f "$pidf" ]] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

# tw_stop NAME: stop a service started by tw_start, waiting up to 20 s.
tw_stop() {
  local pidf="$TW/run/$1.pid" pid i
  [[ -f "$pidf" ]] || return 0
  pid="$(cat "$pidf")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    tw_log "stopped $1"
  fi
  rm -f "$pidf"
}

# tw_wait_http URL [SECONDS]: wait until URL answers (any HTTP status).
tw_wait_http() {
  local url="$1" secs="${2:-60}" i
  for i in $(seq 1 $((secs * 4))); do
    if curl -s -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.25
  done
  tw_log "timed out waiting for $url"; return 1
}
