#!/bin/sh
# quickstart.sh - on a fresh Debian 12 machine, as root, in a clone of this
# repository: install the dependencies, build smtpdiag, start a private
# Postfix on loopback (tests/lab/), audit it, and stop it again.
set -eu
cd "$(dirname "$0")"
tests/lab/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --quiet 2>/dev/null
make -j"$(nproc)" >/dev/null

STATE="$PWD/tests/lab-state"
export SD_LAB_STATE="$STATE"
cleanup() { tests/lab/postfix-down.sh --quiet --purge; rm -rf "$STATE"; }
trap cleanup EXIT INT TERM
tests/lab/postfix-up.sh

diag() { ./smtp-diag --plugin-dir plugins --profile-dir profiles "$@" || true; }
echo
echo "== smtp-diag against the lab Postfix (MX listener, 127.0.0.1 port 10025)"
diag --server mail.lab.test --address 127.0.0.1 --port 10025
echo
echo "== the listener that offers AUTH without TLS (port 10029)"
diag --server mail.lab.test --address 127.0.0.1 --port 10029
echo
echo "== postscreen with a deliberate greeting pause (port 10030)"
diag --server mail.lab.test --address 127.0.0.1 --port 10030 --quiet
echo
echo "== the deliberately open relay (port 10026): relay battery, MAIL/RCPT/RSET only, nothing is sent"
diag --server mail.lab.test --address 127.0.0.1 --port 10026 --checks relay
