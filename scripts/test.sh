#!/bin/sh
# Install what is missing, build, and run the tests in three builds:
#  1. the normal build: every suite;
#  2. the AddressSanitizer + UndefinedBehaviorSanitizer build
#     (scripts/sanitize.sh): every suite again;
#  3. the libFuzzer build (scripts/fuzz.sh): each target for
#     MQFS_FUZZ_SECONDS (default 5) seconds.
# MQFS_TEST_QUICK=1 runs only the first. Extra arguments go to the first
# meson test. Ends with one line: "N passed, N failed" (test cases, summed
# over the three builds); the exit status is non-zero if any failed.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
set +e
rc=0
meson test -C build --print-errorlogs --no-rebuild "$@" || rc=1
logs=build/meson-logs/testlog.json
if [ -z "${MQFS_TEST_QUICK:-}" ]; then
	echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
	sh scripts/sanitize.sh || rc=1
	logs="$logs build-asan/meson-logs/testlog.json"
	echo "== libFuzzer build"
	sh scripts/fuzz.sh --seconds "${MQFS_FUZZ_SECONDS:-5}" || rc=1
	logs="$logs build-fuzz/meson-logs/testlog.json"
fi
# shellcheck disable=SC2086 # the list of logs
python3 scripts/summarize-tests.py $logs || rc=1
exit $rc
