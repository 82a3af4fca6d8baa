#!/bin/sh
# meson install into a fresh prefix, then mount through mount(8) + mount.fuse3,
# through an fstab line, and check the start-up errors of the daemon.
# Runs in a private mount namespace; needs root, /dev/fuse and mount.fuse3.
# Usage: mount-helper.sh BUILD_DIR
set -u
[ "$(id -u)" -eq 0 ] || exit 77
[ -c /dev/fuse ] || exit 77
command -v mount.fuse3 >/dev/null 2>&1 || [ -x /sbin/mount.fuse3 ] || exit 77
if [ -z "${MQFS_IN_NS:-}" ]; then
	MQFS_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

BUILD=$(cd "$1" && pwd)
T=$(mktemp -d)
fails=0
daemons() { pgrep -x mqfs --ns $$ --nslist mnt || true; }
cleanup() {
	for m in $(grep " $T/" /proc/self/mounts | awk '{print $2}'); do umount "$m" 2>/dev/null; done
	umount "$bindir" 2>/dev/null
	for p in $(daemons); do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
check() { # check NAME COMMAND...
	name=$1; shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
wait_gone() { # the daemon must exit by itself after umount
	i=0
	while [ -n "$(daemons)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -z "$(daemons)" ]
}

meson install -C "$BUILD" --quiet --no-rebuild --destdir "$T/dest" >/dev/null
bindir=$(meson introspect "$BUILD" --buildoptions | python3 -c '
import json, os, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(os.path.join(o["prefix"], o["bindir"]))')
# mount(8) runs helpers without PATH, so mount.fuse3 finds mqfs only in the
# standard directories: show it the fresh install there, in this namespace only.
mkdir -p "$T/prefix"
ln -s "$T/dest$bindir" "$T/prefix/bin"
mount --bind "$T/dest$bindir" "$bindir" || exit 1
check "installed daemon answers --version" sh -c 'mqfs --version | grep -q "^mqfs "'

mkdir -p "$T/mnt" "$T/cfg"
check "mount -t fuse.mqfs" mount -t fuse.mqfs none "$T/mnt" -o allow_other,config="$T/cfg"
check "listed as fuse.mqfs" grep -q " $T/mnt fuse.mqfs " /proc/self/mounts
check "touch + cat status line" sh -c "touch $T/mnt/q && [ \"\$(cat $T/mnt/q)\" = 'QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     ' ]"
check "limits tree mounted" sh -c "[ \"\$(cat $T/cfg/msg_max)\" = 10 ]"
check "umount" umount "$T/mnt"
check "daemon exits after umount" wait_gone
check "limits tree unmounted with it" sh -c "! grep -q ' $T/cfg ' /proc/self/mounts"

echo "none $T/mnt fuse.mqfs allow_other,noauto,msg_max=33,config=$T/cfg 0 0" > "$T/fstab"
check "mount from an fstab line" mount -T "$T/fstab" "$T/mnt"
check "fstab option seeded msg_max" sh -c "[ \"\$(cat $T/cfg/msg_max)\" = 33 ]"
check "fusermount3 -u" fusermount3 -u "$T/mnt"
check "daemon exits after fusermount3 -u" wait_gone

# Start-up errors: one line on stderr, non-zero exit, nothing mounted.
err_case() { # NAME EXPECTED-SUBSTRING ARGS...
	name=$1; want=$2; shift 2
	out=$(mqfs "$@" 2>&1); rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && printf '%s' "$out" | grep -q "$want"; then
		echo "ok - start-up error: $name"
	else
		echo "not ok - start-up error: $name (rc=$rc, output: $out)"; fails=$((fails + 1))
	fi
}
err_case "missing mount point" "No such file" "$T/nope"
touch "$T/file"
err_case "not a directory" "not a directory" "$T/file"
mkdir -p "$T/full" && touch "$T/full/x"
err_case "not empty" "not empty" "$T/full"
mqfs "$T/mnt" || { echo "not ok - mount for the already-mounted case"; fails=$((fails + 1)); }
err_case "already mounted" "already mounted" "$T/mnt"
umount "$T/mnt"; wait_gone
rmdir "$T/mnt" && mkdir "$T/mnt"
err_case "no mount point given" "missing mount point"
err_case "bad limit" "bad value" -o msg_max=0 "$T/mnt"
# Without /dev/fuse (a tmpfs over /dev in a nested namespace).
out=$(unshare -m --propagation private sh -c "mount -t tmpfs none /dev && $T/prefix/bin/mqfs $T/mnt" 2>&1); rc=$?
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "/dev/fuse"; then echo "ok - start-up error: no /dev/fuse"
else echo "not ok - start-up error: no /dev/fuse ($out)"; fails=$((fails + 1)); fi
check "nothing left mounted" sh -c "! grep -q ' $T/' /proc/self/mounts"

echo "$fails failed"
[ $fails -eq 0 ]
