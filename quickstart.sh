#!/bin/sh
# SPDX-License-Identifier: MIT
# quickstart.sh - on a fresh Debian 12 machine, as root, in a clone of this
# repository: install the dependencies, build smtpdiag, start a private
# Postfix, DNS server and MTA-STS web server on loopback (tests/lab/), audit
# them, and stop them again. Every DNS query goes to the lab DNS server.
set -eu
cd "$(dirname "$0")"
# the vendor MTAs (Exim, Sendmail...) are for tests/integration/vendors.py, not
# used here: a failed download of them (offline) does not stop the quick start
SD_VENDORS_OPTIONAL=1 tests/lab/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --quiet 2>/dev/null
make -j"$(nproc)" >/dev/null

STATE="$PWD/tests/lab-state"
export SD_LAB_STATE="$STATE"
cleanup() {
  tests/lab/mtasts-down.sh --quiet; tests/lab/dns-down.sh --quiet
  tests/lab/postfix-down.sh --quiet --purge; rm -rf "$STATE"
}
trap cleanup EXIT INT TERM
tests/lab/postfix-up.sh
tests/lab/dns-up.sh
tests/lab/mtasts-up.sh
export SMTPDIAG_DNS_SERVER=127.0.0.1:10053   # the lab DNS (dnsmasq): nothing asks the system resolver
# the lab's throw-away CA is in no system trust store: without it every audit
# ends in WARNING certificate.untrusted
CA="$STATE/certs/ca.crt"

diag() { ./smtp-diag --plugin-dir plugins --profile-dir profiles "$@" || true; }
echo
echo "== the mail domain lab.test: MX discovery, MTA-STS, TLS-RPT, then its MX host (DANE, reverse DNS...)"
diag --domain lab.test --port 10025 --ca-file "$CA" --set mta-sts.https_port=10443 \
  --report lab-report.html
echo
echo "== a domain whose MTA-STS policy does not list its MX (senders in enforce mode will not deliver)"
diag --domain badmx.lab.test --port 10025 --ca-file "$CA" --set mta-sts.https_port=10443 --quiet
echo
echo "== smtp-diag against the lab Postfix (MX listener, 127.0.0.1 port 10025)"
diag --server mail.lab.test --address 127.0.0.1 --port 10025 --ca-file "$CA"
echo
echo "== the listener that offers AUTH without TLS (port 10029)"
diag --server mail.lab.test --address 127.0.0.1 --port 10029 --ca-file "$CA"
echo
echo "== postscreen with a deliberate greeting pause (port 10030)"
diag --server mail.lab.test --address 127.0.0.1 --port 10030 --ca-file "$CA" --quiet
echo
echo "== the deliberately open relay (port 10026): relay battery, MAIL/RCPT/RSET only, nothing is sent"
diag --server mail.lab.test --address 127.0.0.1 --port 10026 --checks relay
echo
echo "The HTML report of the lab.test audit: $PWD/lab-report.html (open it in a browser)"
