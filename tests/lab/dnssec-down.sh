#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dnssec-down.sh [--quiet] - stop the NSD and Unbound dnssec-up.sh started (only their pids).
set -uo pipefail
STATE="${SD_LAB_STATE:-$PWD/lab-state}"
D="$STATE/dnssec"
QUIET=0; [[ "${1:-}" == "--quiet" ]] && QUIET=1
for prog in unbound nsd; do
  pid="$(tr -d ' \n' 2>/dev/null < "$D/$prog.pid" || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$prog"* ]]; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    rm -f "$D/$prog.pid"
    [[ $QUIET -eq 1 ]] || echo "lab $prog stopped (pid $pid)"
  else
    [[ $QUIET -eq 1 ]] || echo "lab $prog not running"
  fi
done
exit 0
