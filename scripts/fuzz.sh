#!/bin/sh
# SPDX-License-Identifier: MIT
# Fuzz the decoders of src/core with libFuzzer (see tests/fuzz/README.md).
#
# Sets up a clang build (-Dfuzz=true) once, builds only the fuzz targets and
# runs each one over its corpus for N seconds (meson suite 'fuzz'). Exits
# non-zero if a target crashed; the input is then in
# BUILDDIR/tests/fuzz/artifacts/<target>/.
#
#   sh scripts/fuzz.sh                  # 15 s per target, as CI does
#   sh scripts/fuzz.sh --seconds 600    # the long form: 10 min per target
#   sh scripts/fuzz.sh --seconds 3600 --target send_batch
set -eu

usage() {
	echo "usage: scripts/fuzz.sh [--seconds N] [--builddir DIR] [--target NAME]... [--verbose]" >&2
	echo "  --seconds N     run each target N seconds (default 15; 0: only replay the corpus)" >&2
	echo "  --builddir DIR  clang build directory (default build-fuzz)" >&2
	echo "  --target NAME   only this target (a tests/fuzz/corpus/ name); may repeat" >&2
	echo "  --verbose       show libFuzzer's output as it runs" >&2
	exit "${1:-2}"
}

seconds=${MQFS_FUZZ_SECONDS:-15}
builddir=build-fuzz
tests=
verbose=
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
	--seconds=*) seconds=${1#*=}; shift ;;
	--builddir) [ $# -ge 2 ] || usage; builddir=$2; shift 2 ;;
	--builddir=*) builddir=${1#*=}; shift ;;
	--target) [ $# -ge 2 ] || usage; tests="$tests fuzz-$2"; shift 2 ;;
	--target=*) tests="$tests fuzz-${1#*=}"; shift ;;
	--verbose | -v) verbose=--verbose; shift ;;
	-h | --help) usage 0 ;;
	*) usage ;;
	esac
done
case $seconds in
'' | *[!0-9]*) echo "fuzz.sh: --seconds needs a whole number, not '$seconds'" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
if [ ! -f "$builddir/build.ninja" ]; then
	CC=${CC:-clang} CXX=${CXX:-clang++} meson setup "$builddir" -Dfuzz=true -Dtests=true
else
	meson configure "$builddir" -Dfuzz=true -Dtests=true
fi

# Regenerate build.ninja first if meson.build changed: it names the targets.
ninja -C "$builddir" build.ninja >/dev/null
# Only the fuzz targets, not the whole project.
targets=$(ninja -C "$builddir" -t targets all | sed -n 's|^\(tests/fuzz/fuzz-[a-z_]*\): .*|\1|p' | sort -u)
if ! echo "$targets" | grep -qv 'fuzz-replay$'; then
	echo "fuzz.sh: $builddir has no libFuzzer targets (it needs clang: CC=clang CXX=clang++)" >&2
	exit 1
fi
# shellcheck disable=SC2086 # word splitting wanted
ninja -C "$builddir" $targets

echo "fuzz.sh: $seconds s per target"
# shellcheck disable=SC2086
MQFS_FUZZ_SECONDS=$seconds meson test -C "$builddir" --suite fuzz --no-rebuild --print-errorlogs \
	$verbose $tests
