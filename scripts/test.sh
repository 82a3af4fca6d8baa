#!/bin/sh
# Install what is missing, build, and run the whole test suite.
# Ends with one line: "N passed, N failed" (test cases, summed over suites).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
set +e
meson test -C build --print-errorlogs --no-rebuild "$@"
rc=$?
set -e
python3 scripts/summarize-tests.py build/meson-logs/testlog.json
exit $rc
