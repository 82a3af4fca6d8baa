#!/bin/sh
# mqctl, the real binary, against a real mqfs mount: every verb, the output
# formats, the error lines and the exit codes (0 ok, 1 usage, 2 failed,
# 3 timeout/would block, 130 Ctrl-C).
# Runs in a private mount namespace; needs root and /dev/fuse (else exit 77).
# Usage: cli-test.sh MQFS-DAEMON MQCTL
set -u
[ $# -eq 2 ] || { echo "usage: $0 MQFS-DAEMON MQCTL" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "cli-test: SKIP: not root" >&2; exit 77; }
[ -c /dev/fuse ] || { echo "cli-test: SKIP: no /dev/fuse" >&2; exit 77; }
command -v unshare >/dev/null 2>&1 || { echo "cli-test: SKIP: no unshare(1)" >&2; exit 77; }
if [ -z "${MQCTL_TEST_IN_NS:-}" ]; then
	MQCTL_TEST_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

MQFS=$(realpath "$1")
MQCTL=$(realpath "$2")
T=$(mktemp -d /tmp/mqctl-test.XXXXXX)
MNT=$T/mnt
chmod 755 "$T" # other users reach the mount (the permission checks)
mkdir "$MNT"
umask 022
unset MQFS_ROOT
fails=0
daemon=
bgpids=

cleanup() {
	trap - EXIT INT TERM
	for p in $bgpids; do kill -9 "$p" 2>/dev/null; done
	if grep -q " $MNT " /proc/self/mounts; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	if [ -n "$daemon" ]; then
		i=0
		while kill -0 "$daemon" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { # check NAME COMMAND...
	name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
NB="setpriv --reuid 65534 --regid 65534 --clear-groups"
# run COMMAND...: $rc, $out (stdout), $err (stderr); nothing may hang.
# COMMAND may be mq (mqctl on the test mount) or nb (the same, as nobody).
run() {
	case $1 in
	mq) shift; set -- "$MQCTL" --root "$MNT" "$@" ;;
	nb) shift; set -- $NB "$MQCTL" --root "$MNT" "$@" ;;
	esac
	timeout -s KILL 20 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
mq() { "$MQCTL" --root "$MNT" "$@"; }
# expect NAME RC [STDERR-SUBSTRING]: check the last run's status and error line.
expect() {
	name=$1; want=$2; msg=${3:-}
	lines=$(printf '%s' "$err" | grep -c '')
	if [ "$rc" -ne "$want" ]; then
		notok "$name (exit $rc, want $want; stderr: $err)"
	elif [ -n "$msg" ] && { [ "$lines" -ne 1 ] || ! printf '%s' "$err" | grep -qF -- "$msg"; }; then
		notok "$name (stderr: '$err', want one line with '$msg')"
	else
		ok "$name"
	fi
}
now_ms() { date +%s%3N; }
# exited_within PID MS: did PID end within MS milliseconds?
exited_within() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $i -ge "$2" ] && return 1
		sleep 0.05; i=$((i + 50))
	done
	return 0
}
# Wait until PID is asleep (blocked in the daemon), at most 2 s.
blocked() {
	i=0
	while [ $i -lt 40 ]; do
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = S ] && return 0
		sleep 0.05; i=$((i + 1))
	done
	return 1
}
tab=$(printf '\t')

# --- mount -------------------------------------------------------------------
"$MQFS" -f -o allow_other "$MNT" 2>"$T/daemon.log" &
daemon=$!
i=0
until grep -q " $MNT fuse" /proc/self/mounts; do
	if [ $i -ge 100 ] || ! kill -0 "$daemon" 2>/dev/null; then
		echo "not ok - mqfs mounted on $MNT: $(cat "$T/daemon.log")"
		exit 1
	fi
	sleep 0.05; i=$((i + 1))
done
ok "mqfs mounted"

# --- the command line --------------------------------------------------------
run "$MQCTL" --version
check "--version" sh -c '[ $0 -eq 0 ] && printf "%s" "$1" | grep -q "^mqctl [0-9]"' "$rc" "$out"
run "$MQCTL" --help
check "--help lists the verbs and exit codes" sh -c '[ $0 -eq 0 ] && for w in ls stat create send recv rm limits "Exit status" 130 MQFS_ROOT; do printf "%s" "$1" | grep -q -- "$w" || exit 1; done' "$rc" "$out"
for v in ls stat create send recv rm limits; do
	run "$MQCTL" "$v" --help
	check "$v --help" sh -c '[ $0 -eq 0 ] && printf "%s" "$1" | grep -q "^Usage: mqctl $2"' "$rc" "$out" "$v"
done
run "$MQCTL"
expect "no verb is a usage error" 1 "subcommand"
run "$MQCTL" frobnicate
expect "unknown verb is a usage error" 1 "mqctl:"
run mq send
expect "missing NAME is a usage error" 1 "NAME is required"
run mq send q x --priority 32768
expect "priority out of range is a usage error" 1 "--priority"
run mq recv q --timeout -1
expect "negative timeout is a usage error" 1 "--timeout"
run mq recv q --count 2 --follow
expect "--count with --follow is a usage error" 1 "excludes"
run mq stat a/b
expect "a '/' inside a name is a usage error" 1 "invalid queue name"
run "$MQCTL" --root "$T" ls
expect "a directory that is not mqfs" 2 "is not an mqfs mount"
run "$MQCTL" --root "$T/nowhere" ls
expect "a missing mount" 2 "no such file or directory"

# --- create / stat / ls ------------------------------------------------------
run mq create jobs --maxmsg 5 --msgsize 256 --mode 640
expect "create with attributes" 0
run mq stat jobs
check "stat shows the attributes" sh -c 'printf "%s\n" "$0" | grep -qx "maxmsg:  5" && printf "%s\n" "$0" | grep -qx "msgsize: 256" && printf "%s\n" "$0" | grep -qx "curmsgs: 0" && printf "%s\n" "$0" | grep -qx "mode:    0640 (rw-r-----)" && printf "%s\n" "$0" | grep -qx "owner:   root (uid 0)" && printf "%s\n" "$0" | grep -qx "bytes:   0" && printf "%s\n" "$0" | grep -qx "notify:  none"' "$out"
run mq stat /jobs
check "stat takes the name with its '/'" sh -c '[ $0 -eq 0 ] && printf "%s\n" "$1" | grep -qx "name:    /jobs"' "$rc" "$out"
run mq stat --json jobs
check "stat --json" sh -c 'printf "%s" "$0" | python3 -c "
import json, sys
q = json.load(sys.stdin)
assert (q[\"name\"], q[\"maxmsg\"], q[\"msgsize\"], q[\"curmsgs\"], q[\"mode\"], q[\"bytes\"], q[\"notify\"]) == (\"/jobs\", 5, 256, 0, \"0640\", 0, False), q
"' "$out"
run mq create jobs
expect "create of an existing queue" 2 "mqctl: create /jobs: queue already exists"
run mq create /jobs --exist-ok
expect "create --exist-ok of an existing queue" 0
run mq create small --maxmsg 3
mq limits >"$T/limits"
run mq stat small --json
check "create --maxmsg alone takes msgsize_default" python3 -c "
import json, sys
q = json.loads(sys.argv[1])
lim = dict(l.split() for l in open(sys.argv[2]))
assert q['maxmsg'] == 3 and q['msgsize'] == int(lim['msgsize_default']), (q, lim)
" "$out" "$T/limits"
run mq create huge --maxmsg 100000
expect "create beyond the hard limit" 2 "invalid attributes maxmsg 100000"
run mq create "$(printf 'odd\nname')"
expect "create a name with a newline" 0

run mq ls
check "ls prints a header" sh -c 'printf "%s\n" "$0" | head -n1 | grep -q "^NAME  *MODE  *OWNER  *MAXMSG  *MSGSIZE  *CURMSGS  *BYTES  *NOTIFY$"' "$out"
check "ls lists the queue with its attributes" sh -c 'printf "%s\n" "$0" | awk "\$1 == \"/jobs\" && \$2 == \"0640\" && \$3 == \"root\" && \$4 == 5 && \$5 == 256 && \$6 == 0 && \$7 == 0 && \$8 == \"none\" { f = 1 } END { exit !f }"' "$out"
check "ls escapes an odd name" sh -c 'printf "%s\n" "$0" | grep -q "^/odd\\\\nname "' "$out"
check "ls has one line per queue" sh -c '[ "$(printf "%s\n" "$0" | wc -l)" -eq 4 ]' "$out"
run mq ls --noheadings
check "ls --noheadings" sh -c '[ $0 -eq 0 ] && ! printf "%s\n" "$1" | grep -q "^NAME"' "$rc" "$out"
run mq ls --json
check "ls --json is valid JSON" sh -c 'printf "%s" "$0" | python3 -m json.tool >/dev/null' "$out"
check "ls --json lists the queues" python3 -c "
import json, sys
qs = {q['name']: q for q in json.loads(sys.argv[1])['queues']}
assert set(qs) == {'/jobs', '/small', '/odd\nname'}, qs
j = qs['/jobs']
assert (j['maxmsg'], j['msgsize'], j['curmsgs'], j['mode'], j['owner'], j['uid']) == (5, 256, 0, '0640', 'root', 0), j
" "$out"
run env MQFS_ROOT="$MNT" "$MQCTL" ls
check "MQFS_ROOT names the mount" sh -c '[ $0 -eq 0 ] && printf "%s\n" "$1" | grep -q "^/jobs "' "$rc" "$out"
run env MQFS_ROOT="$T/nowhere" "$MQCTL" --root "$MNT" ls
check "--root overrides MQFS_ROOT" sh -c '[ $0 -eq 0 ] && printf "%s\n" "$1" | grep -q "^/jobs "' "$rc" "$out"
run mq stat nope
expect "stat of a missing queue" 2 "mqctl: stat /nope: no such queue"

# --- send / recv -------------------------------------------------------------
run mq send jobs hello --priority 3
expect "send" 0
mq send /jobs world -p 7
mq send jobs low
run mq stat jobs
check "stat counts messages and bytes" sh -c 'printf "%s\n" "$0" | grep -qx "curmsgs: 3" && printf "%s\n" "$0" | grep -qx "bytes:   13"' "$out"
run mq recv jobs --count 3
check "recv --count 3: highest priority first" sh -c '[ $0 -eq 0 ] && [ "$1" = "$(printf "7\tworld\n3\thello\n0\tlow")" ]' "$rc" "$out"

python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' >"$T/bin"
run sh -c '"$0" --root "$1" send jobs - <"$2"' "$MQCTL" "$MNT" "$T/bin"
expect "send - reads standard input" 0
mq recv jobs --raw >"$T/bin.out"
check "recv --raw gives back every byte" cmp -s "$T/bin" "$T/bin.out"
run sh -c '"$0" --root "$1" send jobs -p 9 <"$2"' "$MQCTL" "$MNT" "$T/bin"
mq recv jobs --raw >"$T/bin.out2"
check "send without MESSAGE reads standard input too" cmp -s "$T/bin" "$T/bin.out2"
mq limits --set msgsize_max=262144 >/dev/null
mq create large --maxmsg 1 --msgsize 262144
head -c 200000 /dev/urandom >"$T/large"
run sh -c '"$0" --root "$1" send large <"$2"' "$MQCTL" "$MNT" "$T/large"
expect "send of a 200000-byte message" 0
mq recv large --raw >"$T/large.out"
check "recv --raw of a 200000-byte message" cmp -s "$T/large" "$T/large.out"
printf 'a\tb\\c\001\n' | mq send jobs -p 2
run mq recv jobs
check "recv escapes the payload" sh -c '[ "$0" = "2${1}a\\tb\\\\c\\x01\\n" ]' "$out" "$tab"
printf 'caf\303\251' | mq send jobs
run env LC_ALL=C "$MQCTL" --root "$MNT" recv jobs
check "recv escapes UTF-8 in the C locale" sh -c '[ "$0" = "0${1}caf\\xc3\\xa9" ]' "$out" "$tab"
if locale -a 2>/dev/null | grep -Eqi '^c\.utf-?8$'; then
	printf 'caf\303\251\001' | mq send jobs
	run env LC_ALL=C.UTF-8 "$MQCTL" --root "$MNT" recv jobs
	check "recv keeps UTF-8 in a UTF-8 locale" sh -c '[ "$0" = "$(printf "0\tcaf\303\251")\\x01" ]' "$out"
fi
printf '' | mq send jobs
run mq recv jobs
check "an empty message" sh -c '[ $0 -eq 0 ] && [ "$1" = "0$2" ]' "$rc" "$out" "$tab"
run mq send jobs -- -dash-
run mq recv jobs
check "'--' before a MESSAGE starting with '-'" sh -c '[ "$0" = "0${1}-dash-" ]' "$out" "$tab"

mq send jobs one
run mq recv jobs --count 2 --timeout 0.3
check "recv --count 2 with one message: prints it, exit 3" sh -c '[ $0 -eq 3 ] && [ "$1" = "0${2}one" ]' "$rc" "$out" "$tab"

t0=$(now_ms)
run mq recv jobs --timeout 0.5
t1=$(now_ms)
expect "recv --timeout on an empty queue exits 3" 3 "mqctl: recv /jobs: timed out after 0.5 s"
check "recv --timeout 0.5 took about 0.5 s ($((t1 - t0)) ms)" sh -c '[ $0 -ge 450 ] && [ $0 -lt 1500 ]' $((t1 - t0))
run mq recv jobs --nonblock
expect "recv --nonblock on an empty queue exits 3" 3 "mqctl: recv /jobs: queue is empty"

mq create full --maxmsg 2 --msgsize 128
mq send full a && mq send full b
run mq send full c --nonblock
expect "send --nonblock on a full queue exits 3" 3 "mqctl: send /full: queue is full (maxmsg 2)"
t0=$(now_ms)
run mq send full c --timeout 0.3
t1=$(now_ms)
expect "send --timeout on a full queue exits 3" 3 "timed out after 0.3 s"
check "send --timeout 0.3 took about 0.3 s ($((t1 - t0)) ms)" sh -c '[ $0 -ge 250 ] && [ $0 -lt 1300 ]' $((t1 - t0))

run mq send jobs "$(head -c 300 /dev/zero | tr '\0' x)"
expect "a message longer than msgsize" 2 "mqctl: send /jobs: message too long (300 > msgsize 256)"
run sh -c 'head -c 9000 /dev/zero | "$0" --root "$1" send jobs -' "$MQCTL" "$MNT"
expect "a message from stdin longer than msgsize" 2 "mqctl: send /jobs: message too long (9000 > msgsize 256)"
run mq send nope x
expect "send to a missing queue" 2 "mqctl: send /nope: no such queue"

# --- Ctrl-C ------------------------------------------------------------------
mq create ctrlc
"$MQCTL" --root "$MNT" recv ctrlc >/dev/null 2>"$T/ctrlc.err" &
pid=$!
bgpids="$bgpids $pid"
blocked $pid
kill -INT $pid
if exited_within $pid 1000; then
	wait $pid; rc=$?
	check "Ctrl-C ends a blocked recv with 130 (exit $rc)" [ $rc -eq 130 ]
else
	notok "Ctrl-C ends a blocked recv within a second"
fi
"$MQCTL" --root "$MNT" send full c >/dev/null 2>&1 &
pid=$!
bgpids="$bgpids $pid"
blocked $pid
kill -INT $pid
if exited_within $pid 1000; then
	wait $pid; rc=$?
	check "Ctrl-C ends a blocked send with 130 (exit $rc)" [ $rc -eq 130 ]
else
	notok "Ctrl-C ends a blocked send within a second"
fi
run mq stat full
check "the interrupted send sent nothing" sh -c 'printf "%s\n" "$0" | grep -qx "curmsgs: 2"' "$out"

"$MQCTL" --root "$MNT" recv ctrlc --follow >"$T/follow.out" 2>&1 &
pid=$!
bgpids="$bgpids $pid"
blocked $pid
mq send ctrlc first -p 1
mq send ctrlc second -p 2
i=0
while [ "$(grep -c '' "$T/follow.out")" -lt 2 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
blocked $pid
kill -INT $pid
if exited_within $pid 1000; then
	wait $pid; rc=$?
	check "recv --follow prints every message until Ctrl-C (exit $rc)" sh -c '[ $0 -eq 130 ] && [ "$1" = "$(printf "1\tfirst\n2\tsecond")" ]' "$rc" "$(cat "$T/follow.out")"
else
	notok "recv --follow ends within a second of Ctrl-C"
fi

# --- notification and permissions in ls/stat ----------------------------------
mq create watched
python3 -c '
import fcntl, os, signal, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
MQFS_IOC_NOTIFY = (1 << 30) | (24 << 16) | (ord("Q") << 8) | 0x12
fcntl.ioctl(fd, MQFS_IOC_NOTIFY, struct.pack("iiQQ", 0, signal.SIGUSR1, 0, 0))
print("ready", flush=True)
time.sleep(60)
' "$MNT/watched" >"$T/notify.out" &
npid=$!
bgpids="$bgpids $npid"
i=0
while ! grep -q ready "$T/notify.out" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
run mq ls
check "ls shows a signal registration" sh -c 'printf "%s\n" "$0" | awk "\$1 == \"/watched\" && \$8 == \"SIGUSR1@$1\" { f = 1 } END { exit !f }"' "$out" "$npid"
run mq stat watched --json
check "stat --json shows the registration" python3 -c "
import json, signal, sys
n = json.loads(sys.argv[1])['notify']
assert n == {'method': 'signal', 'signo': int(signal.SIGUSR1), 'pid': int(sys.argv[2])}, n
" "$out" "$npid"
kill $npid 2>/dev/null

if $NB "$MQCTL" --version >/dev/null 2>&1; then
	mq create secret --mode 600
	mq create readable --mode 604
	(umask 0 && mq create writeonly --mode 602) # 602 survives no umask
	run nb ls
	check "ls as another user: '-' where the queue cannot be opened" sh -c '[ $0 -eq 0 ] && printf "%s\n" "$1" | awk "\$1 == \"/secret\" && \$3 == \"root\" && \$4 == \"-\" && \$5 == \"-\" && \$6 == \"-\" && \$7 == \"-\" && \$8 == \"-\" { f = 1 } END { exit !f }"' "$rc" "$out"
	check "ls as another user: a readable queue shows everything" sh -c 'printf "%s\n" "$0" | awk "\$1 == \"/readable\" && \$4 == 10 && \$7 == 0 && \$8 == \"none\" { f = 1 } END { exit !f }"' "$out"
	check "ls as another user: a write-only queue shows its attributes" sh -c 'printf "%s\n" "$0" | awk "\$1 == \"/writeonly\" && \$4 == 10 && \$6 == 0 && \$7 == \"-\" { f = 1 } END { exit !f }"' "$out"
	run nb ls --json
	check "ls --json as another user: null where unknown" python3 -c "
import json, sys
qs = {q['name']: q for q in json.loads(sys.argv[1])['queues']}
assert qs['/secret']['maxmsg'] is None and qs['/secret']['bytes'] is None, qs['/secret']
" "$out"
	run nb stat secret
	check "stat as another user" sh -c '[ $0 -eq 0 ] && printf "%s\n" "$1" | grep -qx "maxmsg:  -"' "$rc" "$out"
	run nb recv secret
	expect "recv without permission" 2 "mqctl: recv /secret: permission denied"
	run nb rm secret
	expect "rm of another user's queue (sticky root)" 2 "mqctl: rm /secret: permission denied"
	run nb limits --set msg_max=11
	expect "limits --set by another user" 2 "permission denied"
	mq rm secret readable writeonly
else
	ok "# SKIP another user cannot run $MQCTL"
fi

# --- rm ----------------------------------------------------------------------
mq create r1 && mq create /r2 && mq create r3
run mq rm r1 /r2 r3
expect "rm of several queues" 0
run mq ls
check "they are gone" sh -c '! printf "%s\n" "$0" | grep -q "^/r[123] "' "$out"
run mq rm missing
expect "rm of a missing queue" 2 "mqctl: rm /missing: no such queue"
mq create r4
run mq rm nope1 r4 nope2
check "rm goes on after a failure and exits 2" sh -c '[ $0 -eq 2 ] && [ "$(printf "%s\n" "$1" | grep -c "no such queue")" -eq 2 ] && ! printf "%s\n" "$2" | grep -q "^/r4 "' "$rc" "$err" "$(mq ls)"
run mq rm --force missing
expect "rm --force of a missing queue" 0

# --- limits ------------------------------------------------------------------
run mq limits
check "limits shows the five values" sh -c '[ $0 -eq 0 ] && for k in queues_max msg_max msgsize_max msg_default msgsize_default; do printf "%s\n" "$1" | grep -Eq "^$k +-?[0-9]+$" || exit 1; done && [ "$(printf "%s\n" "$1" | wc -l)" -eq 5 ]' "$rc" "$out"
run mq limits --json
check "limits --json" python3 -c "
import json, sys
l = json.loads(sys.argv[1])
assert sorted(l) == sorted(['queues_max', 'msg_max', 'msgsize_max', 'msg_default', 'msgsize_default']), l
" "$out"
run mq limits --set msg_max=77 --set msg_default=7
check "limits --set changes values" sh -c '[ $0 -eq 0 ] && printf "%s\n" "$1" | grep -Eqx "msg_max +77" && printf "%s\n" "$1" | grep -Eqx "msg_default +7"' "$rc" "$out"
mq create afterset
run mq stat afterset
check "a new queue takes the new msg_default" sh -c 'printf "%s\n" "$0" | grep -qx "maxmsg:  7"' "$out"
run mq limits --set msg_max=0
expect "limits --set below the range" 2 "mqctl: limits msg_max=0: value out of range (1..65536)"
run mq limits --set msgsize_default=16777217
expect "limits --set above the range" 2 "value out of range (128..16777216)"
run mq limits
check "a rejected value changes nothing" sh -c 'printf "%s\n" "$0" | grep -Eqx "msg_max +77" && printf "%s\n" "$0" | grep -Eqx "msgsize_default +[0-9]+" && ! printf "%s\n" "$0" | grep -q 16777217' "$out"
run mq limits --set bogus=1
expect "limits --set of an unknown key" 1 "unknown limit 'bogus'"
run mq limits --set msg_max=lots
expect "limits --set of a non-number" 1 "not a decimal integer"
run mq limits --set queues_max=-1
check "queues_max takes -1" sh -c '[ $0 -eq 0 ] && printf "%s\n" "$1" | grep -Eqx "queues_max +-1"' "$rc" "$out"

echo "$fails failed"
[ $fails -eq 0 ]
