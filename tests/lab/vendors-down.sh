#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vendors-down.sh [--purge] [--quiet] - stop the lab vendor MTAs of $SD_LAB_STATE.
# Signals only the processes named in the lab's own pid files.
set -uo pipefail
STATE="${SD_LAB_STATE:-$PWD/lab-state}"
purge=0 quiet=0
for a in "$@"; do case "$a" in --purge) purge=1;; --quiet) quiet=1;; esac; done
say() { [[ $quiet -eq 1 ]] || echo "$@"; }
n=0
for f in "$STATE"/exim/*.pid "$STATE"/sendmail/*.pid "$STATE"/opensmtpd/*.pid "$STATE"/chasquid/*.pid; do
  [[ -f $f ]] || continue
  pid="$(head -1 "$f" | tr -d ' \n')"
  [[ $pid =~ ^[0-9]+$ ]] || continue
  kill -TERM "$pid" 2>/dev/null && n=$((n + 1))
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$f"
done
say "lab vendors stopped ($n processes)"
if [[ $purge -eq 1 ]]; then rm -rf "$STATE"/{exim,sendmail,opensmtpd,chasquid} "$STATE"/*.ports "$STATE"/*-up.log; fi
exit 0
