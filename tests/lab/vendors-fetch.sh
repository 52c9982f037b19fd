#!/bin/sh
# SPDX-License-Identifier: MIT
# vendors-fetch.sh [--force] - unpack the Exim, OpenSMTPD, Sendmail and chasquid
# Debian packages into a private tree (default /var/lib/smtpdiag-lab/vendors)
# for the vendor lab (tests/lab/vendors-up.sh). Run as root by install-deps.sh.
#
# Why not `apt-get install`: exim4-daemon-heavy, opensmtpd, sendmail-bin and
# chasquid all Provide and Conflict with mail-transport-agent, so installing
# any of them removes postfix (which the Postfix lab needs), and their
# maintainer scripts configure and start a system MTA. `apt-get download` +
# `dpkg-deb -x` runs no maintainer script and touches no system file; the
# shared libraries they need are ordinary, non-conflicting packages that
# install-deps.sh installs. The tests run offline (unshare -n), so this
# happens at install time, not at test time.
#
# Idempotent: when $DEST already holds every package (its PACKAGES list),
# nothing is downloaded again (--force does). A failed download prints one
# line and exits 1, leaving what was unpacked before untouched.
set -eu
DEST="${SD_LAB_VENDORS:-/var/lib/smtpdiag-lab/vendors}"
PKGS="exim4-daemon-heavy exim4-base opensmtpd sendmail-bin sendmail-cf chasquid"
force=0
[ "${1:-}" = "--force" ] && force=1

# unpacked - every package of PKGS is listed in $DEST/PACKAGES
unpacked() {
  [ -f "$DEST/PACKAGES" ] || return 1
  for p in $PKGS; do grep -q "^${p}_" "$DEST/PACKAGES" || return 1; done
}

if [ $force -eq 1 ] || ! unpacked; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  chmod 0755 "$tmp"
  cd "$tmp"
  if ! apt-get download $PKGS >"$tmp/download.log" 2>&1; then
    why="$(grep -m1 '^E:' "$tmp/download.log" || true)"
    echo "vendors-fetch.sh: could not download $PKGS${why:+ ($why)}: the vendor lab (tests/integration/vendors.py) cannot run" >&2
    exit 1
  fi
  for p in $PKGS; do
    ls ./"${p}"_*.deb >/dev/null 2>&1 ||
      { echo "vendors-fetch.sh: apt-get download gave no $p package: the vendor lab cannot run" >&2; exit 1; }
  done
  rm -rf "$DEST.new"
  mkdir -p "$DEST.new"
  for d in ./*.deb; do dpkg-deb -x "$d" "$DEST.new"; done
  ls ./*.deb | sed 's|^\./||' > "$DEST.new/PACKAGES"
  rm -rf "$DEST"
  mv "$DEST.new" "$DEST"
  chmod 0755 "$DEST"
  what="unpacked in"
else
  what="already unpacked in"
fi
# the user names compiled into the binaries must exist (the packages'
# postinst scripts, which are not run, would create them); system users
# without a home or a shell, owning nothing
for u in Debian-exim opensmtpd opensmtpq; do
  getent passwd "$u" >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --user-group "$u"
done
# OpenSMTPD's compiled-in paths, empty: the lab bind-mounts its own
# directories over them in a private mount namespace (vendors-up.sh)
mkdir -p /var/spool/smtpd /var/lib/opensmtpd/empty
echo "vendor MTAs $what $DEST: $(tr '\n' ' ' < "$DEST/PACKAGES")"
