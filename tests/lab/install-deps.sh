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
  >/dev/null
