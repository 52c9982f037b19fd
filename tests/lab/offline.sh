#!/bin/sh
# SPDX-License-Identifier: MIT
# offline.sh DIR COMMAND [ARG...] - run a lab server where it cannot ask the
# machine's resolver anything: in its own mount and UTS namespaces, with
# /etc/resolv.conf and /etc/hosts replaced by DIR's copies (written here on
# first use) and the host name mail.lab.test.
#
# Outside a network namespace (CI runs the lab in the host's) OpenSMTPD's
# lookup agent, Sendmail and chasquid asked the machine's name server for
# the client's PTR, the sender's domain and their own name; that server may
# be far away or never answer. Here the only name server is 127.0.0.1 port
# 53, where the lab runs none: every query is refused at once, nothing
# leaves the machine. /etc/hosts names only localhost: were 127.0.0.1 also
# mail.lab.test, Sendmail would take the lab's clients for itself and relay
# for them. The command is exec'd: its pid is this script's.
set -eu
dir=$1; shift
mkdir -p "$dir"
[ -f "$dir/resolv.conf" ] ||
  printf '%s\n' "# tests/lab/offline.sh: no name server answers here" \
    "nameserver 127.0.0.1" "options timeout:1 attempts:1" > "$dir/resolv.conf"
[ -f "$dir/hosts" ] ||
  printf '%s\n' "127.0.0.1 localhost" "::1 localhost ip6-localhost ip6-loopback" > "$dir/hosts"
exec unshare --uts --mount sh -c '
  mount --make-rprivate / || exit 1
  for f in resolv.conf hosts; do
    # a resolv.conf that is a dangling link (a stub resolver not running)
    # is left alone: the resolver then falls back to 127.0.0.1 as well
    if [ -e "/etc/$f" ]; then mount --bind "$0/$f" "/etc/$f" || exit 1; fi
  done
  hostname mail.lab.test || exit 1
  exec "$@"' "$dir" "$@"
