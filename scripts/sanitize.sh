#!/bin/sh
# SPDX-License-Identifier: MIT
# Build mqfs with sanitizers and run the test suites on that build.
#
#   sh scripts/sanitize.sh                  # AddressSanitizer + UndefinedBehaviorSanitizer,
#                                           # every suite, in build-asan
#   sh scripts/sanitize.sh --tsan           # ThreadSanitizer, the concurrency suites (unit,
#                                           # stress), in build-tsan
#   sh scripts/sanitize.sh -- --suite unit  # extra arguments go to meson test
#
# The build option is meson's own: -Db_sanitize=address,undefined (or
# thread); any sanitizer report fails the test that triggered it
# (halt_on_error, and UBSan's print_stacktrace with halt_on_error too).
set -eu
cd "$(dirname "$0")/.."
kind=asan
while [ $# -gt 0 ]; do
	case $1 in
	--tsan) kind=tsan; shift ;;
	--asan) kind=asan; shift ;;
	--) shift; break ;;
	-h | --help)
		sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'
		exit 0 ;;
	*) break ;;
	esac
done
dir=build-$kind
if [ "$kind" = asan ]; then
	san=address,undefined
else
	san=thread
fi
if [ ! -f "$dir/build.ninja" ]; then
	# b_lundef=false: shared objects (the preload shim) link without the
	# runtime, which the sanitized programs bring.
	meson setup "$dir" -Db_sanitize="$san" -Db_lundef=false -Dbuildtype=debug >/dev/null
fi
ninja -C "$dir" >/dev/null
# verify_asan_link_order=0: the preload tests put the ASan-built shim into
# programs through LD_PRELOAD, after the runtime the programs link.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:verify_asan_link_order=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}"
# Tests skip what a sanitizer build makes meaningless (RSS bounds) and load
# the sanitizer runtime first where they preload the shim.
export MQFS_SANITIZED=$kind
set +e
if [ "$kind" = tsan ]; then
	# The concurrency suites: the core's waiters and timer, and a TSan
	# daemon and clients under the stress loads. (Not parity-client: TSan
	# defers asynchronous signal handlers to its own safe points, which
	# changes what the signal scenarios observe, on both sides.)
	meson test -C "$dir" --no-rebuild --print-errorlogs --timeout-multiplier 3 \
		unit stress "$@"
else
	meson test -C "$dir" --no-rebuild --print-errorlogs --timeout-multiplier 3 "$@"
fi
