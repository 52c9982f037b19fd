#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dns-down.sh [--quiet] - stop the dnsmasq dns-up.sh started (only that pid).
set -uo pipefail
STATE="${SD_LAB_STATE:-$PWD/lab-state}"
D="$STATE/dns"
QUIET=0; [[ "${1:-}" == "--quiet" ]] && QUIET=1
pid="$(tr -d ' \n' 2>/dev/null < "$D/dnsmasq.pid" || true)"
if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dnsmasq ]]; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$D/dnsmasq.pid"
  [[ $QUIET -eq 1 ]] || echo "lab dns stopped (pid $pid)"
else
  [[ $QUIET -eq 1 ]] || echo "lab dns not running"
fi
exit 0
