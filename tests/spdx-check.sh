#!/bin/sh
# SPDX-License-Identifier: MIT
# spdx-check.sh - every .c, .h, .py and .sh file of the source tree carries
# the project's SPDX licence line (LICENSE: MIT), where it belongs:
#   C:       the first line is exactly  /* SPDX-License-Identifier: MIT */
#   scripts: "# SPDX-License-Identifier: MIT" right after the shebang (the
#            first line when there is no shebang)
# A TAP test of make check (one case per file kind, the files lacking the
# line listed). Files: git-tracked ones when the tree is a git checkout,
# plus every such file found in the tree, except what the build generates
# (build-aux/, m4/, config.h, object and package directories).
#
#   tests/spdx-check.sh [SRCDIR]        check
#   tests/spdx-check.sh --fix [SRCDIR]  add the line where it is missing
#                                       (for files added by later work)
fix=0
if [ "${1:-}" = --fix ]; then
	fix=1
	shift
fi
src=${1:-${SD_TOP_SRCDIR:-$(dirname "$0")/..}}
cd "$src" || exit 1

C_LINE='/* SPDX-License-Identifier: MIT */'
S_LINE='# SPDX-License-Identifier: MIT'

# files - the candidates, one per line, paths relative to the top
files() {
	{
		if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
			git ls-files -- '*.c' '*.h' '*.py' '*.sh'
		fi
		find . \( -name .git -o -name build-aux -o -name m4 -o -name autom4te.cache -o -name .libs \
			-o -name .deps -o -name _build -o -name _inst -o -name 'smtpdiag-[0-9]*' \
			-o -path ./tests/fuzz/work -o -path ./tests/lab-state -o -path ./debian/tmp \
			-o -path ./debian/smtpdiag -o -path ./debian/smtpdiag-dev -o -path ./debian/.debhelper \
			-o -path ./installcheck-root \) -prune -o \
			-type f \( -name '*.c' -o -name '*.h' -o -name '*.py' -o -name '*.sh' \) \
			! -name config.h ! -name confdefs.h -print | sed 's|^\./||'
	} | grep -v -e '^build-aux/' -e '^m4/' | sort -u
}

# has_line FILE - 0 when FILE carries the line where its kind wants it
has_line() {
	case $1 in
	*.c | *.h) [ "$(head -n 1 "$1")" = "$C_LINE" ] ;;
	*)
		if head -n 1 "$1" | grep -q '^#!'; then
			[ "$(sed -n 2p "$1")" = "$S_LINE" ]
		else
			[ "$(head -n 1 "$1")" = "$S_LINE" ]
		fi
		;;
	esac
}

# add_line FILE - put the line where it belongs (keeping the file's mode)
add_line() {
	tmp="$1.spdx-tmp"
	case $1 in
	*.c | *.h) { echo "$C_LINE"; cat "$1"; } >"$tmp" ;;
	*)
		if head -n 1 "$1" | grep -q '^#!'; then
			{ head -n 1 "$1"; echo "$S_LINE"; tail -n +2 "$1"; } >"$tmp"
		else
			{ echo "$S_LINE"; cat "$1"; } >"$tmp"
		fi
		;;
	esac
	cat "$tmp" >"$1" && rm -f "$tmp"
}

list=$(files)
n=0
fail=0
for kind in c h py sh; do
	missing=
	count=0
	for f in $(echo "$list" | grep "\.$kind\$"); do
		[ -f "$f" ] || continue
		count=$((count + 1))
		if ! has_line "$f"; then
			if [ $fix = 1 ]; then
				add_line "$f"
				echo "added the SPDX line to $f" >&2
			else
				missing="$missing $f"
			fi
		fi
	done
	n=$((n + 1))
	if [ -z "$missing" ] && [ $count -gt 0 ]; then
		echo "ok $n - every .$kind file carries the SPDX line ($count files)"
	else
		echo "not ok $n - every .$kind file carries the SPDX line ($count files)"
		[ $count -gt 0 ] || echo "# no .$kind file found in $src"
		for f in $missing; do echo "# missing: $f (fix: tests/spdx-check.sh --fix)"; done
		fail=1
	fi
done
n=$((n + 1))
if [ -f LICENSE ] && grep -q '^MIT License' LICENSE && grep -q 'Copyright (c) 2026 The smtpdiag authors' LICENSE; then
	echo "ok $n - LICENSE holds the MIT licence text and the copyright line"
else
	echo "not ok $n - LICENSE holds the MIT licence text and the copyright line"
	fail=1
fi
echo "1..$n"
exit $fail
