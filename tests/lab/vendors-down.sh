#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vendors-down.sh [--purge] [--quiet] [VENDOR...] - stop the lab vendor MTAs of
# $SD_LAB_STATE: the VENDORs given (exim, sendmail, opensmtpd, chasquid), all without.
# Signals only the processes named in the lab's own pid files.
set -uo pipefail
STATE="${SD_LAB_STATE:-$PWD/lab-state}"
purge=0 quiet=0 vendors=()
for a in "$@"; do
  case "$a" in
    --purge) purge=1 ;;
    --quiet) quiet=1 ;;
    exim|sendmail|opensmtpd|chasquid) vendors+=("$a") ;;
    *) echo "vendors-down.sh: unknown vendor '$a' (exim, sendmail, opensmtpd, chasquid)" >&2; exit 2 ;;
  esac
done
[[ ${#vendors[@]} -gt 0 ]] || vendors=(exim sendmail opensmtpd chasquid)
say() { [[ $quiet -eq 1 ]] || echo "$@"; }
n=0
for v in "${vendors[@]}"; do
 for f in "$STATE/$v"/*.pid; do
  [[ -f $f ]] || continue
  pid="$(head -1 "$f" | tr -d ' \n')"
  [[ $pid =~ ^[0-9]+$ ]] || continue
  kill -TERM "$pid" 2>/dev/null && n=$((n + 1))
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$f"
 done
done
say "lab vendors stopped: ${vendors[*]} ($n processes)"
if [[ $purge -eq 1 ]]; then
  for v in "${vendors[@]}"; do rm -rf "${STATE:?}/$v" "$STATE/$v.ports" "$STATE/$v-up.log"; done
fi
exit 0
