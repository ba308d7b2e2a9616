#!/usr/bin/env bash
# Stops every service of the test world (in reverse order). Cached files stay.
# Usage: testworld/down.sh [PART...]
source "$(dirname "$0")/lib.sh"
parts=("$@")
if [[ ${#parts[@]} -eq 0 ]]; then
  mapfile -t parts < <(cd "$TW_SRC/parts" && ls *.sh | sed 's/\.sh$//' | sort -r)
fi
for p in "${parts[@]}"; do
  TW_PART="$p" bash "$TW_SRC/parts/$p.sh" down
done
