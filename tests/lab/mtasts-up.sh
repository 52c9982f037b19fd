#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mtasts-up.sh - the MTA-STS policy web server for the tests: HTTPS on
# 127.0.0.1:$SD_LAB_HTTPS_PORT (default 10443), one case per test domain
# (see mtasts-server.py), certificates from make-certs.sh (test CA).
# smtp-diag reaches it with --set mta-sts.https_port=<port> --ca-file <ca.crt>,
# resolving mta-sts.<domain> through the lab DNS. Stop with mtasts-down.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${SD_LAB_STATE:-$PWD/lab-state}"
PORT="${SD_LAB_HTTPS_PORT:-10443}"
M="$STATE/mtasts"
die() { echo "mtasts-up.sh: $*" >&2; exit 1; }
[[ -x /usr/bin/python3 ]] || die "python3 is not installed"
"$here/mtasts-down.sh" --quiet || true
if ss -Hltn "sport = :$PORT" | grep -q .; then
  die "something else already listens on TCP port $PORT (set SD_LAB_HTTPS_PORT)"
fi
"$here/make-certs.sh" "$STATE/certs"
mkdir -p "$M"; : > "$M/mtasts.log"
setsid /usr/bin/python3 "$here/mtasts-server.py" --port "$PORT" --certs "$STATE/certs" \
  --pid-file "$M/mtasts.pid" </dev/null >>"$M/mtasts.log" 2>&1 &
for _ in $(seq 1 50); do
  ss -Hltn "sport = :$PORT" | grep -q . && [[ -s "$M/mtasts.pid" ]] && break; sleep 0.1
done
ss -Hltn "sport = :$PORT" | grep -q . || { cat "$M/mtasts.log" >&2; die "the policy server did not come up"; }
echo "lab mta-sts up on https://127.0.0.1:$PORT (pid $(tr -d '\n' < "$M/mtasts.pid"))"
