#!/bin/sh
# SPDX-License-Identifier: MIT
# replay-corpus.sh - every fuzz target over its seed corpus, once, as a TAP
# test of make check (under make check-valgrind, through valgrind). The
# corpus holds real server output plus every input that ever crashed a
# target, so a regression shows here without clang or libFuzzer.
top=${SD_TOP_BUILDDIR:-.}
src=${SD_TOP_SRCDIR:-.}
targets="reply ehlo profile mta_sts txt banner cert_name dns ntlm elf"
n=0
fail=0
for t in $targets; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # SD_VALGRIND is a command line
	if out=$($SD_VALGRIND "$top/tests/fuzz/replay_$t" "$src/tests/fuzz/corpus/$t" 2>&1); then
		echo "ok $n - fuzz target $t replays its seed corpus: $(echo "$out" | tail -1)"
	else
		echo "not ok $n - fuzz target $t replays its seed corpus"
		echo "$out" | tail -40 | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
