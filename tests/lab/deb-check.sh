#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deb-check.sh - the Debian packages as a user gets them (a CI stage of
# .ci/run; run as root on Debian 12 with tests/lab/install-deps.sh done):
#   1. dpkg-buildpackage -us -uc -b in a copy of the git-tracked files (the
#      tree it is started from stays as it is: no build products, no
#      debian/ leftovers to disturb make distcheck)
#   2. lintian over the .changes: no error (every remaining warning is
#      explained in debian/README.source or a debian/*.lintian-overrides)
#   3. apt-get install ./smtpdiag_*.deb, then with /usr/bin/smtp-diag and
#      only its built-in directories: every check listed once, nothing on
#      stderr, a site profile in /etc/smtpdiag/profiles shadowing the
#      shipped default, and an audit of the lab Postfix (tests/lab/) whose
#      report says what the lab is
#      smtpdiag-dev installed too: the example module builds with cc and
#      pkg-config alone and runs in the packaged smtp-diag
#   4. the packages removed (purged) again, the lab stopped
# Prints one line per step; exits non-zero at the first failure.
# SD_DEB_KEEP=DIR keeps the built packages there.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work=$(mktemp -d /tmp/smtpdiag-deb.XXXXXX)
chmod 755 "$work"
site=/etc/smtpdiag/profiles/default.yaml
export SD_LAB_STATE="$work/lab" SD_LAB_PORT_BASE="${SD_LAB_PORT_BASE:-10025}"
installed=0
cleanup() {
	rm -f "$site"
	"$top/tests/lab/postfix-down.sh" --quiet --purge >/dev/null 2>&1 || true
	if [ $installed = 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq smtpdiag smtpdiag-dev >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "deb-check: $*" >&2
	exit 1
}
step() { printf 'deb-check: %-58s %s\n' "$1" "$2"; }

# --- 1. build from a copy of the tracked files ---
t0=$(date +%s)
mkdir "$work/src"
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$work/src")
(cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "dpkg-buildpackage failed"; }
ls "$work"/smtpdiag_*.deb "$work"/smtpdiag-dev_*.deb >/dev/null || fail "a package is missing"
step "dpkg-buildpackage -us -uc -b (smtpdiag, smtpdiag-dev)" "ok ($(($(date +%s) - t0)) s)"
[ -z "${SD_DEB_KEEP:-}" ] || cp "$work"/*.deb "$SD_DEB_KEEP"/

# --- 2. lintian ---
# exit status 0: ran and found no error (a warning does not fail it)
lrc=0
lint=$(lintian --fail-on error -I --pedantic "$work"/smtpdiag_*.changes 2>&1) || lrc=$?
lint=$(echo "$lint" | grep -v '^running with root privileges' || true)
[ $lrc = 0 ] && ! grep -q '^E:' <<<"$lint" || { echo "$lint"; fail "lintian failed or reports errors (exit $lrc)"; }
step "lintian: no errors" "ok ($(echo "$lint" | grep -c '^[WIP]:' || true) warnings/notes)"
[ -z "$lint" ] || echo "$lint" | sed 's/^/    /'

# --- 3. install and use ---
cd "$work"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./smtpdiag_*.deb >"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log"; fail "apt-get install ./smtpdiag_*.deb failed"; }
installed=1
[ -x /usr/bin/smtp-diag ] || fail "/usr/bin/smtp-diag is not installed"
unset SMTPDIAG_PLUGIN_DIR SMTPDIAG_PROFILE_DIR
export SMTPDIAG_DNS_SERVER=127.0.0.1:9   # no lookup leaves the machine
list=$(/usr/bin/smtp-diag --list-checks 2>"$work/err")
[ ! -s "$work/err" ] || { cat "$work/err"; fail "--list-checks wrote to stderr"; }
rows=$(echo "$list" | awk '/^[a-z0-9]/ {print $1}')
[ "$(echo "$rows" | wc -l)" -ge 16 ] && [ -z "$(echo "$rows" | sort | uniq -d)" ] &&
	! grep -q REFUSED <<<"$list" || { echo "$list"; fail "checks missing, refused or listed twice"; }
step "apt-get install; --list-checks: $(echo "$rows" | wc -l) checks, each once" "ok"

printf 'name: default\ndescription: Site default (deb-check)\nextends: default\n' >"$site"
profiles=$(/usr/bin/smtp-diag --list-profiles 2>&1)
[ "$(echo "$profiles" | grep -c '^default ')" = 1 ] && grep -q 'Site default (deb-check)' <<<"$profiles" &&
	grep -q '^submission ' <<<"$profiles" || { echo "$profiles"; fail "the site profile does not shadow default"; }
step "/etc/smtpdiag/profiles/default.yaml shadows the shipped default" "ok"

"$top/tests/lab/postfix-up.sh" >"$work/lab.log" 2>&1 || { cat "$work/lab.log"; fail "the lab Postfix did not start"; }
rc=0
/usr/bin/smtp-diag --server mail.lab.test --address 127.0.0.1 --port "$SD_LAB_PORT_BASE" --json \
	>"$work/audit.json" 2>"$work/err" || rc=$?
[ ! -s "$work/err" ] || { cat "$work/err"; fail "the audit wrote to stderr"; }
python3 - "$work/audit.json" "$rc" <<'EOF' || fail "the audit of the lab did not report what the lab is"
import json, sys
doc = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
checks = {c["name"]: c for c in doc["checks"]}
names = [c["name"] for c in doc["checks"]]
problems = []
if rc not in (0, 1, 2):
    problems.append("exit status %d" % rc)
if doc.get("profile", {}).get("description", "Site default (deb-check)") != "Site default (deb-check)":
    problems.append("not the site default profile: %s" % doc.get("profile"))
for name in ("connect", "banner", "ehlo", "starttls", "certificate"):
    if name not in checks:
        problems.append("check %s did not run (%s)" % (name, names))
if checks.get("connect", {}).get("status") != "ok":
    problems.append("connect: %s" % checks.get("connect"))
if "mail.lab.test" not in json.dumps(checks.get("banner", {})):
    problems.append("the banner check did not see the lab's greeting: %s" % checks.get("banner"))
if checks.get("starttls", {}).get("status") not in ("ok", "warning"):
    problems.append("starttls: %s" % checks.get("starttls"))
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("deb-check: audit of the lab Postfix: %d checks, exit %d, greeting of mail.lab.test, STARTTLS %s"
      % (len(names), rc, checks["starttls"]["status"]))
EOF
step "/usr/bin/smtp-diag audits the lab Postfix, nothing on stderr" "ok"

out=$(/usr/lib/nagios/plugins/check_smtpdiag -H 127.0.0.1 -p "$SD_LAB_PORT_BASE" -S -D 30,14 2>&1) ||
	{ echo "$out"; fail "the packaged check_smtpdiag did not say OK for the lab MX"; }
case $out in "SMTP OK - "*"|time="*) ;; *) echo "$out"; fail "check_smtpdiag's status line";; esac
[ -s /usr/share/doc/smtpdiag/monitoring/check_smtpdiag.conf ] || fail "the Icinga 2 CheckCommand is not shipped"
step "/usr/lib/nagios/plugins/check_smtpdiag -S -D 30,14 on the lab MX" "ok"

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./smtpdiag-dev_*.deb >"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log"; fail "apt-get install ./smtpdiag-dev_*.deb failed"; }
mkdir -m 755 "$work/mods"
# shellcheck disable=SC2046 # pkg-config's words
cc -Wall -Werror -o "$work/mods/size_limit.so" /usr/share/smtpdiag/examples/size-limit/size_limit.c \
	$(pkg-config --cflags --libs smtpdiag-plugin) || fail "the example module does not build against smtpdiag-dev"
plugindir=$(pkg-config --variable=plugindir smtpdiag-plugin)
out=$(/usr/bin/smtp-diag --plugin-dir "$plugindir:$work/mods" --server mail.lab.test --address 127.0.0.1 \
	--port "$SD_LAB_PORT_BASE" --checks size-limit --set size-limit.min_mb=1 2>&1) || true
grep -q 'Message size limit (policy: 1 MB)... OK' <<<"$out" && ! grep -q 'smtp-diag: warning: module' <<<"$out" ||
	{ echo "$out"; fail "the example module built with smtpdiag-dev does not run"; }
step "smtpdiag-dev: the example module builds with pkg-config and runs" "ok"

# --- 4. remove ---
rm -f "$site"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq smtpdiag smtpdiag-dev >/dev/null 2>&1 ||
	fail "apt-get purge smtpdiag smtpdiag-dev failed"
installed=0
[ ! -e /usr/bin/smtp-diag ] && [ ! -e /usr/lib/"$(dpkg-architecture -qDEB_HOST_MULTIARCH)"/smtpdiag ] ||
	fail "files of the package are left after purge"
step "apt-get purge smtpdiag smtpdiag-dev: nothing left" "ok"
