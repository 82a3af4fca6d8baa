#!/bin/sh
# Install what is missing, build, install, mount mqfs through mount(8) and show it working.
# Leaves mqfs mounted on $MQFS_ROOT (default /run/mqfs), limits tree on ${MQFS_ROOT}.limits.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
meson install -C build --quiet --no-rebuild
ldconfig  # libmqfs.so in /usr/local/lib for mqctl and programs

MNT=${MQFS_ROOT:-/run/mqfs}
CFG=$MNT.limits
mkdir -p "$MNT" "$CFG"
if grep -q " $MNT fuse.mqfs " /proc/self/mounts; then
	echo "mqfs is already mounted on $MNT"
else
	# mount(8) runs mount.fuse3, which runs /usr/local/bin/mqfs.
	mount -t fuse.mqfs demo "$MNT" -o allow_other,config="$CFG"
fi
show() { echo "\$ $*"; sh -c "$*"; }
cd "$MNT"
show "grep fuse.mqfs /proc/self/mounts"
show "touch jobs && : > events"
show "ls -l $MNT"
show "cat $MNT/jobs"
show "stat -c '%n: mode %A size %s links %h owner %U' $MNT/jobs"
show "grep . $CFG/*"
show "echo 64 > $CFG/msg_max && cat $CFG/msg_max"
show "MQFS_ROOT=$MNT mqctl send /jobs 'build 42' --priority 5 && MQFS_ROOT=$MNT mqctl ls"
show "cat $MNT/jobs"
show "MQFS_ROOT=$MNT mqctl recv /jobs --timeout 1"
show "rm jobs events && ls -l $MNT"
cd /
echo
echo "mqfs is mounted on $MNT and its limits on $CFG."
echo "Try: MQFS_ROOT=$MNT mqctl ls; mqfs-run --root $MNT PROGRAM (unmodified mq_* programs)."
echo "Unmount with: umount $MNT"
