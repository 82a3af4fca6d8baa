#!/bin/sh
# SPDX-License-Identifier: MIT
# mqfs-preload.so with real, unmodified programs. Each test program runs
#   kernel   plainly, on the kernel's queues;
#   mqfs     with LD_PRELOAD=the shim and MQFS_ROOT=an mqfs mount;
#   plain    with the shim and MQFS_ROOT=a directory that is not mqfs;
#   missing  with the shim and MQFS_ROOT=a path that does not exist;
#   wrapper  through mqfs-run --root MOUNT;
#   memcheck as mqfs, under valgrind (when installed; some programs only):
#            no memory error, at exit time included. Its transcript is not
#            compared: valgrind checks some syscall arguments itself (an fd
#            of -1 is EBADF before the kernel sees the timeout).
# and must print the same transcript each time. Then: queues created
# through the shim are files of the mqfs mount and not kernel queues, and
# without a mount they are kernel queues; mqfs-run does the same as
# LD_PRELOAD.
#
# Runs as root in a private IPC + mount namespace (exit 77 otherwise), so
# the host's queues and mounts are never touched. A kernel mqueue mount of
# that namespace ($T/kmq) shows the kernel's queues; glibc's mq_open does
# not need it (it uses the namespace's internal mount).
#
# Usage: preload-test.sh DAEMON SHIM PROGRAM...   (env MQFS_RUN: mqfs-run)
set -u

skip() {
	echo "preload-test: SKIP: $*" >&2
	exit 77
}

[ $# -ge 3 ] || { echo "usage: $0 DAEMON SHIM PROGRAM..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "not root"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"
command -v unshare >/dev/null 2>&1 || skip "unshare(1) is missing"
if [ -z "${MQFS_PRELOAD_TEST_NS:-}" ]; then
	unshare -i -m --propagation private true >/dev/null 2>&1 ||
		skip "cannot unshare an IPC + mount namespace"
	MQFS_PRELOAD_TEST_NS=1 exec unshare -i -m --propagation private "$0" "$@"
fi

DAEMON=$1
SHIM=$2
shift 2
sanitized=
if ldd "$SHIM" 2>/dev/null | grep -q "libasan\|libtsan"; then
	sanitized=yes
fi
MQFS_RUN=${MQFS_RUN:-}
T=$(mktemp -d /tmp/mqfs-preload.XXXXXX) || exit 1
chmod 755 "$T"
mkdir "$T/mnt" "$T/cfg" "$T/kmq" "$T/plain" "$T/out"
dpid=
fails=0

state() { # the process state letter of pid $1, empty when gone
	[ -r "/proc/$1/stat" ] && sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null
}

# Unmount, then reap the daemon (it exits by itself after the unmount);
# SIGKILL after 5 s. Returns (and sets daemon_rc to) its exit status.
stop_daemon() {
	[ -n "$dpid" ] || return 0
	umount "$T/mnt" 2>/dev/null || umount -l "$T/mnt" 2>/dev/null
	umount "$T/cfg" 2>/dev/null || umount -l "$T/cfg" 2>/dev/null
	i=0
	while [ -n "$(state "$dpid")" ] && [ "$(state "$dpid")" != Z ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(state "$dpid")" = Z ] || kill -9 "$dpid" 2>/dev/null
	wait "$dpid"
	daemon_rc=$?
	dpid=
	return $daemon_rc
}

cleanup() {
	stop_daemon
	umount "$T/kmq" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	fails=$((fails + 1))
}

mount -t mqueue none "$T/kmq" || skip "cannot mount mqueue"
"$DAEMON" -f -o allow_other,config="$T/cfg" "$T/mnt" >"$T/daemon.log" 2>&1 </dev/null &
dpid=$!
i=0
until [ "$(stat -f -c %t "$T/mnt")" = 65735546 ] && [ "$(stat -f -c %t "$T/cfg")" = 65735546 ]; do
	if [ -z "$(state "$dpid")" ] || [ "$(state "$dpid")" = Z ] || [ $i -ge 500 ]; then
		echo "preload-test: the mqfs daemon did not mount; its output:" >&2
		cat "$T/daemon.log" >&2
		exit 1
	fi
	sleep 0.01
	i=$((i + 1))
done

queues() { # the queues in directory $1, one line
	(cd "$1" && find . -mindepth 1 -maxdepth 1 | sed 's,^\./,,' | LC_ALL=C sort | tr '\n' ' ')
}

# run MODE PROGRAM [ARGS...]: the program's transcript in $T/out/NAME.MODE
run() {
	mode=$1
	prog=$2
	shift 2
	name=$(basename "$prog")
	case $mode in
	kernel) set -- env MQ_DIR="$T/kmq" MQ_KERNEL_DIR="$T/kmq" "$prog" "$@" ;;
	mqfs) set -- env LD_PRELOAD="$SHIM" MQFS_ROOT="$T/mnt" MQ_DIR="$T/mnt" MQ_KERNEL_DIR="$T/kmq" "$prog" "$@" ;;
	plain) set -- env LD_PRELOAD="$SHIM" MQFS_ROOT="$T/plain" MQ_DIR="$T/kmq" MQ_KERNEL_DIR="$T/kmq" "$prog" "$@" ;;
	missing) set -- env LD_PRELOAD="$SHIM" MQFS_ROOT="$T/missing" MQ_DIR="$T/kmq" MQ_KERNEL_DIR="$T/kmq" "$prog" "$@" ;;
	memcheck) set -- env LD_PRELOAD="$SHIM" MQFS_ROOT="$T/mnt" MQ_DIR="$T/mnt" MQ_KERNEL_DIR="$T/kmq" \
		valgrind -q --error-exitcode=99 --leak-check=no "$prog" "$@" ;;
	wrapper) set -- env MQFS_PRELOAD="$SHIM" MQ_DIR="$T/mnt" MQ_KERNEL_DIR="$T/kmq" sh "$MQFS_RUN" --root "$T/mnt" "$prog" "$@" ;;
	esac
	timeout 60 "$@" >"$T/out/$name.$mode" 2>"$T/out/$name.$mode.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$name ($mode) exit status $rc"
		sed 's/^/    /' "$T/out/$name.$mode" "$T/out/$name.$mode.err"
		return 1
	fi
	# LeakSanitizer's note when a thread blocked in the daemon cannot be
	# stopped for its scan at exit is not output of the program.
	if [ -n "$sanitized" ]; then
		grep -v '^==[0-9]*==Running thread [0-9]* was not suspended. False leaks are possible.$' \
			"$T/out/$name.$mode.err" >"$T/out/$name.$mode.err2"
		mv "$T/out/$name.$mode.err2" "$T/out/$name.$mode.err"
	fi
	if [ -s "$T/out/$name.$mode.err" ]; then
		not_ok "$name ($mode) wrote to stderr"
		sed 's/^/    /' "$T/out/$name.$mode.err"
		return 1
	fi
	return 0
}

# same NAME MODE: the transcript of MODE equals the kernel's
same() {
	if diff -u "$T/out/$1.kernel" "$T/out/$1.$2" >"$T/out/$1.$2.diff"; then
		ok "$1: $2 transcript equals the kernel's"
	else
		not_ok "$1: $2 transcript differs from the kernel's"
		sed 's/^/    /' "$T/out/$1.$2.diff"
	fi
}

empty() { # empty WHAT DIR: no queue left in DIR
	left=$(queues "$2")
	if [ -z "$left" ]; then ok "$1"; else not_ok "$1 (left: $left)"; fi
}

for prog in "$@"; do
	name=$(basename "$prog")
	# AddressSanitizer cannot unwind an asynchronous cancellation (its own
	# CHECK fails in the fake stack); the normal build runs this program.
	case $sanitized$name in
	yes*cancel)
		ok "$name # SKIP asynchronous cancellation under AddressSanitizer"
		continue ;;
	esac
	run kernel "$prog" || continue
	empty "$name (kernel): no kernel queue left" "$T/kmq"
	if run mqfs "$prog"; then
		same "$name" mqfs
		empty "$name (mqfs): no kernel queue made" "$T/kmq"
		empty "$name (mqfs): no mqfs queue left" "$T/mnt"
	fi
	for mode in plain missing; do
		if run "$mode" "$prog"; then
			same "$name" "$mode"
			empty "$name ($mode): no queue on the mqfs mount" "$T/mnt"
		fi
	done
	if [ -n "$MQFS_RUN" ] && run wrapper "$prog"; then
		same "$name" wrapper
	fi
	# Memory errors of the shim, at exit time too (valgrind is slow: only
	# programs without timing checks).
	case $name in
	*lifecycle | *errors | *prodcons)
		# (not in a sanitizer build: AddressSanitizer checks it there, and
		# valgrind cannot run ASan binaries)
		if [ -z "$sanitized" ] && command -v valgrind >/dev/null 2>&1 && run memcheck "$prog"; then
			ok "$name: no memory error under valgrind"
		fi
		;;
	esac
done

# Where do the queues go? compat creates two (mq_open@GLIBC_2.3.4 and the
# plain mq_open) and, with "keep", leaves them.
for prog in "$@"; do
	case $(basename "$prog") in
	*compat) compat=$prog ;;
	esac
done
if [ -n "${compat:-}" ]; then
	want="pl-compat-fortify pl-compat-old "
	if run mqfs "$compat" keep; then
		got_m=$(queues "$T/mnt")
		got_k=$(queues "$T/kmq")
		if [ "$got_m" = "$want" ] && [ -z "$got_k" ]; then
			ok "queues made through the shim are mqfs files, not kernel queues"
		else
			not_ok "queues made through the shim: mqfs has '$got_m', the kernel '$got_k'"
		fi
		# A queue file of the mount: the status line of the daemon.
		if grep -q '^QSIZE:0 ' "$T/mnt/pl-compat-old"; then
			ok "its status line reads from the mount"
		else
			not_ok "status line of $T/mnt/pl-compat-old: $(cat "$T/mnt/pl-compat-old")"
		fi
		run mqfs "$compat" clean
		empty "compat clean (mqfs)" "$T/mnt"
	fi
	if run plain "$compat" keep; then
		got_m=$(queues "$T/mnt")
		got_k=$(queues "$T/kmq")
		if [ "$got_k" = "$want" ] && [ -z "$got_m" ]; then
			ok "without an mqfs mount the queues are the kernel's"
		else
			not_ok "without a mount: mqfs has '$got_m', the kernel '$got_k'"
		fi
		run plain "$compat" clean
		empty "compat clean (plain)" "$T/kmq"
	fi
	# What the test binary references (informational).
	if command -v nm >/dev/null 2>&1; then
		echo "# $(basename "$compat") references: $(nm -D "$compat" | grep -o '[_a-z0-9]*mq_[a-z_0-9]*@[A-Z_0-9.]*' | sort | tr '\n' ' ')"
	fi
fi

# mqfs-run: options and environment.
if [ -n "$MQFS_RUN" ]; then
	# (sh: meson gives the configured script its mode only when installing)
	if sh "$MQFS_RUN" --help | grep -q '^Usage: mqfs-run'; then ok "mqfs-run --help"; else not_ok "mqfs-run --help"; fi
	# (ld.so complains on stderr about the missing /x.so)
	out=$(MQFS_PRELOAD="$SHIM" LD_PRELOAD=/x.so MQFS_ROOT=/old sh "$MQFS_RUN" --root "$T/mnt" sh -c 'echo "$LD_PRELOAD|$MQFS_ROOT"' 2>/dev/null)
	if [ "$out" = "$SHIM:/x.so|$T/mnt" ]; then ok "mqfs-run sets LD_PRELOAD and MQFS_ROOT"; else not_ok "mqfs-run environment: $out"; fi
	sh "$MQFS_RUN" >/dev/null 2>&1
	if [ $? -eq 2 ]; then ok "mqfs-run without a program: status 2"; else not_ok "mqfs-run without a program"; fi
fi

if stop_daemon; then
	ok "the daemon exited with status 0 after the unmount"
else
	not_ok "the daemon exited with status $daemon_rc; its output:"
	sed 's/^/    /' "$T/daemon.log"
fi

echo "$fails failed"
[ $fails -eq 0 ]
