#!/bin/sh
# SPDX-License-Identifier: MIT
# install-deps.sh - every Debian 12 package smtpdiag needs to build and to run
# its whole test suite (including the real Postfix lab). Run as root.
# Used by quickstart.sh and .ci/run, so the list lives in one place.
set -eu
export DEBIAN_FRONTEND=noninteractive
# Install Postfix without configuring (or starting) a system mail server;
# the tests run their own private instance from tests/lab/.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential autoconf automake libtool pkg-config \
  libltdl-dev libssl-dev libyaml-dev libjansson-dev libcmocka-dev \
  postfix sasl2-bin libsasl2-modules libsasl2-modules-db \
  openssl iproute2 python3 python3-jsonschema valgrind dnsmasq-base libcurl4-openssl-dev \
  libxml2-utils chromium tmux \
  monitoring-plugins-basic libmicrohttpd-dev prometheus \
  debhelper lintian bash \
  slurm-wlm slurm-client munge openssh-server openssh-client parallel \
  nsd unbound ldnsutils \
  m4 libmariadb3 libspf2-2 libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libldap-2.5-0 \
  libnsl2 libpam0g libpcre2-8-0 libperl5.36 libpq5 libsasl2-2 libsqlite3-0 liblockfile1 libwrap0 \
  libevent-2.1-7 libssl3 \
  >/dev/null
# Exim, OpenSMTPD, Sendmail, chasquid for the vendor lab: unpacked, never
# installed (they conflict with postfix as mail-transport-agent); m4 builds
# sendmail.cf; the lib* packages are the unpacked binaries' Depends (ldd), which a
# fresh Debian 12 may lack. See tests/lab/README. Strict (a failed download
# fails this script), as .ci/run needs; SD_VENDORS_OPTIONAL=1 (quickstart.sh,
# which uses only Postfix) goes on without them, after vendors-fetch.sh's line.
if ! "$(dirname "$0")/vendors-fetch.sh"; then
  [ "${SD_VENDORS_OPTIONAL:-0}" = 1 ] || exit 1
  echo "install-deps.sh: going on without the vendor MTAs (only tests/integration/vendors.py needs them)" >&2
fi
