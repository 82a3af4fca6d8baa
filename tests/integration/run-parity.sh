#!/bin/sh
# Run a kernel-parity test program (argument 1, its options after it) as root
# in a private IPC + mount namespace, so that neither the host's /dev/mqueue
# nor its /proc/sys/fs/mqueue is ever touched: the IPC namespace has its own
# queues and sysctls, and every mount made by the test dies with the mount
# namespace. Exit 77 (skipped) when that is impossible here.
skip() {
	echo "run-parity: SKIP: $*" >&2
	exit 77
}

[ $# -ge 1 ] || { echo "usage: $0 TEST-PROGRAM [ARGS...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "not root"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"
command -v unshare >/dev/null 2>&1 || skip "unshare(1) is missing"

# Can we make the namespaces and mount a private mqueue in them?
probe=$(mktemp -d /tmp/mqfs-parity-probe.XXXXXX) || skip "mktemp failed"
if ! unshare -i -m --propagation private sh -c 'mount -t mqueue none "$1" && umount "$1"' sh "$probe" \
	>/dev/null 2>&1; then
	rmdir "$probe"
	skip "cannot unshare an IPC + mount namespace and mount mqueue"
fi
rmdir "$probe"

exec unshare -i -m --propagation private "$@"
