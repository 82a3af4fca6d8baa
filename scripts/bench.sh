#!/bin/sh
# Run the benchmark: kernel mqueue, a do-nothing FUSE filesystem and mqfs,
# side by side in one run, in a private IPC + mount namespace.
# Usage: scripts/bench.sh [--reps N] [--scale S] [--json FILE]   (as root)
set -eu
cd "$(dirname "$0")/.."
if [ -z "${MQFS_BENCH_NS:-}" ]; then
	sh scripts/install-deps.sh
	sh scripts/build.sh >/dev/null
	MQFS_BENCH_NS=1 exec unshare -i -m --propagation private "$0" "$@"
fi
B=$(pwd)/build
T=$(mktemp -d)
mkdir "$T/mqfs" "$T/null"
"$B/src/fs/mqfs" -f "$T/mqfs" 2>"$T/mqfs.log" & P1=$!
"$B/tests/bench/mqbench" --serve-null "$T/null" & P2=$!
cleanup() {
	umount "$T/mqfs" 2>/dev/null || true
	umount "$T/null" 2>/dev/null || true
	wait "$P1" "$P2" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
i=0
until grep -q " $T/null " /proc/self/mounts && grep -q " $T/mqfs " /proc/self/mounts; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "bench: mounts did not come up" >&2; exit 1; }
	sleep 0.1
done
touch "$T/null/q" 2>/dev/null || true
echo "kernel $(uname -r), $(nproc) CPUs; median of repetitions"
MQFS_ROOT="$T/mqfs" LD_LIBRARY_PATH="$B/src/client" "$B/tests/bench/mqbench" --null-root "$T/null" "$@"
