#!/bin/sh
# SPDX-License-Identifier: MIT
# Run one libFuzzer target over its corpus for MQFS_FUZZ_SECONDS (default 15;
# 0: only replay the corpus). Fails on any crash, leak, timeout or OOM.
#
# usage: run-fuzzer.sh FUZZER NAME SRCDIR BUILDDIR MAXLEN
#
# New inputs go to BUILDDIR/work/NAME (never into the committed corpus), a
# crashing input to BUILDDIR/artifacts/NAME/.
set -eu

if [ $# -ne 5 ]; then
	echo "usage: run-fuzzer.sh FUZZER NAME SRCDIR BUILDDIR MAXLEN" >&2
	exit 2
fi
fuzzer=$1 name=$2 src=$3 out=$4 maxlen=$5
secs=${MQFS_FUZZ_SECONDS:-15}
case $secs in
'' | *[!0-9]*)
	echo "run-fuzzer.sh: MQFS_FUZZ_SECONDS must be a whole number of seconds, not '$secs'" >&2
	exit 2
	;;
esac

work=$out/work/$name
art=$out/artifacts/$name
mkdir -p "$work" "$art"
if [ "$secs" -eq 0 ]; then
	limit=-runs=0
else
	limit=-max_total_time=$secs
fi
set -- "$work" "$src/corpus/$name"
if [ -d "$src/regressions/$name" ]; then
	set -- "$@" "$src/regressions/$name"
fi

# libFuzzer's own exit code for a crash is 77, which meson takes for a skip.
rc=0
timeout -k 10 $((secs + 300)) "$fuzzer" "$limit" -timeout=10 -rss_limit_mb=2048 \
	-max_len="$maxlen" -use_value_profile=1 -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$art/" "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "run-fuzzer.sh: $name failed (status $rc); inputs in $art/" >&2
	echo "  reproduce: $fuzzer $art/<file>" >&2
	echo "  minimize:  $fuzzer -minimize_crash=1 -runs=100000 $art/<file>" >&2
	echo "  then keep it: tests/fuzz/regressions/$name/<short-name>" >&2
	[ "$rc" -eq 77 ] && rc=1
fi
exit "$rc"
