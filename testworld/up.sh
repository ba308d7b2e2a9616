#!/usr/bin/env bash
# Builds and starts the offline test world. Idempotent: a rerun reuses what is
# cached under $CANTO_TESTWORLD and only restarts services that are down.
# Usage: testworld/up.sh [PART...]   (default: every part in testworld/parts, in order)
source "$(dirname "$0")/lib.sh"
cd "$TW_REPO"
parts=("$@")
if [[ ${#parts[@]} -eq 0 ]]; then
  mapfile -t parts < <(cd "$TW_SRC/parts" && ls *.sh | sed 's/\.sh$//' | sort)
fi
summary=()
total_start=$(date +%s)
for p in "${parts[@]}"; do
  start=$(date +%s)
  tw_log "== $p"
  TW_PART="$p" bash "$TW_SRC/parts/$p.sh" up
  summary+=("$(printf '%-24s %4ds' "$p" $(( $(date +%s) - start )))")
done
cat "$TW"/env.d/*.env >"$TW/env" 2>/dev/null || true
tw_log "timings:"
for s in "${summary[@]}"; do printf '  %s\n' "$s" >&2; done
printf '  %-24s %4ds\n' total $(( $(date +%s) - total_start )) >&2
tw_log "ready; source $TW/env for the world's addresses"
