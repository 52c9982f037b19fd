#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# postfix-down.sh [--purge] [--quiet] - stop the lab Postfix of $SD_LAB_STATE.
# Signals only the lab's own master (pid from its own pid file).
set -uo pipefail
STATE="${SD_LAB_STATE:-$PWD/lab-state}"
PF="$STATE/postfix"
purge=0 quiet=0
for a in "$@"; do case "$a" in --purge) purge=1;; --quiet) quiet=1;; esac; done
say() { [[ $quiet -eq 1 ]] || echo "$@"; }
pid="$(tr -d ' \n' 2>/dev/null < "$PF/spool/pid/master.pid" || true)"
if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat /proc/$pid/comm 2>/dev/null)" == master ]]; then
  postfix -c "$PF/etc" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { say "master $pid still alive, SIGKILL"; kill -KILL "$pid"; }
  say "lab postfix stopped"
else
  say "lab postfix not running"
fi
[[ $purge -eq 1 ]] && rm -rf "$PF"
exit 0
