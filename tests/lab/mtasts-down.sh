#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mtasts-down.sh [--quiet] - stop the server mtasts-up.sh started (only that pid).
set -uo pipefail
STATE="${SD_LAB_STATE:-$PWD/lab-state}"
M="$STATE/mtasts"
QUIET=0; [[ "${1:-}" == "--quiet" ]] && QUIET=1
pid="$(tr -d ' \n' 2>/dev/null < "$M/mtasts.pid" || true)"
if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q mtasts-server.py; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$M/mtasts.pid"
  [[ $QUIET -eq 1 ]] || echo "lab mta-sts stopped (pid $pid)"
else
  [[ $QUIET -eq 1 ]] || echo "lab mta-sts not running"
fi
exit 0
