#!/bin/sh
# Run the benchmark: kernel mqueue, a do-nothing FUSE filesystem and mqfs,
# side by side in one run, in a private IPC + mount namespace (nothing
# outside it is changed: its own kernel queues, sysctls and mounts).
# Usage: scripts/bench.sh [--reps N] [--scale S] [--quick] [--only TEXT] [--json FILE]   (as root)
set -eu
cd "$(dirname "$0")/.."
if [ -z "${MQFS_BENCH_NS:-}" ]; then
	sh scripts/install-deps.sh
	sh scripts/build.sh >/dev/null
	MQFS_BENCH_NS=1 exec unshare -i -m --propagation private "$0" "$@"
fi
B=$(pwd)/build
T=$(mktemp -d)
chmod 0755 "$T"
mkdir "$T/mqfs" "$T/null" "$T/kernel"
mount -t mqueue none "$T/kernel"
# Limits high enough for depth 1024 and 10,000 queues, on both sides.
echo 65536 >/proc/sys/fs/mqueue/msg_max
echo 100000 >/proc/sys/fs/mqueue/queues_max
"$B/src/fs/mqfs" -f -o allow_other,msg_max=65536,queues_max=100000 "$T/mqfs" 2>"$T/mqfs.log" & P1=$!
"$B/tests/bench/mqbench" --serve-null "$T/null" & P2=$!
cleanup() {
	umount "$T/mqfs" 2>/dev/null || true
	umount "$T/null" 2>/dev/null || true
	umount "$T/kernel" 2>/dev/null || true
	wait "$P1" "$P2" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
i=0
until grep -q " $T/null " /proc/self/mounts && grep -q " $T/mqfs " /proc/self/mounts; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "bench: mounts did not come up" >&2; exit 1; }
	sleep 0.1
done
echo "kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ); median of repetitions"
MQFS_ROOT="$T/mqfs" LD_LIBRARY_PATH="$B/src/client" "$B/tests/bench/mqbench" \
	--kernel-root "$T/kernel" --null-root "$T/null" --mqfs-pid "$P1" --null-pid "$P2" \
	--mqfs-bin "$B/src/fs/mqfs" "$@"
