/* SPDX-License-Identifier: MIT */
/*
 * mq_notify with SIGEV_SIGNAL: the siginfo of the notification, one-shot
 * registrations, EBUSY, what a forked child may and may not do, SIGEV_NONE,
 * and the removal of the registration by any close() of the owner, a plain
 * close() of a dup or of a second mq_open included (mq_close is close).
 */
#include "common.h"

#define Q "/pl-notify-sig"

static volatile sig_atomic_t handled, handledCode, handledValue;

static void onUsr2(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	handledCode = si->si_code;
	handledValue = si->si_value.sival_int;
	handled++;
}

/* Wait for a blocked SIGUSR1; describe its siginfo. */
static void expectSignal(const char *what, pid_t sender, int value)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	struct timespec ts = { 5, 0 };
	siginfo_t si;
	int sig = sigtimedwait(&set, &si, &ts);
	if (sig < 0) {
		say("%s: no signal (%s)", what, errname(errno));
		return;
	}
	say("%s: signo %s, code %s, errno %d, value %s, pid %s, uid %s", what, sig == SIGUSR1 ? "SIGUSR1" : "other",
	    si.si_code == SI_MESGQ ? "SI_MESGQ" : "other", si.si_errno, si.si_value.sival_int == value ? "ok" : "wrong",
	    si.si_pid == sender ? "sender" : "wrong", si.si_uid == getuid() ? "sender's" : "wrong");
}

static void expectNoSignal(const char *what)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	struct timespec ts = { 0, 300000000L };
	siginfo_t si;
	say("%s: %s", what, sigtimedwait(&set, &si, &ts) < 0 ? "no signal" : "a signal");
}

static struct sigevent sigev(int notify, int signo, int value)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = signo;
	sev.sigev_value.sival_int = value;
	return sev;
}

/* NOTIFY_PID of the status line, read by a child: a read and close by the
 * owner itself would drop the registration. */
static void showOwner(const char *when)
{
	const char *dir = getenv("MQ_DIR");
	if (!dir) {
		say("status %s: skipped", when);
		return;
	}
	const pid_t owner = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		char path[512], text[128];
		snprintf(path, sizeof(path), "%s%s", dir, Q);
		int fd = open(path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
		if (n <= 0)
			die("read status");
		text[n] = 0;
		const char *p = strstr(text, "NOTIFY_PID:");
		long who = p ? strtol(p + 11, NULL, 10) : -1;
		say("status %s: NOTIFY_PID %s", when, who == owner ? "owner" : who == 0 ? "0" : "other");
		exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
}

int main(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	mqd_t q = fresh(Q, O_RDWR, 4, 32);
	char buf[32];
	struct sigevent sev = sigev(SIGEV_SIGNAL, SIGUSR1, 42);
	say("notify: %s", res(mq_notify(q, &sev)));
	showOwner("after notify");
	say("notify again: %s", res(mq_notify(q, &sev)));

	/* A child: not the owner. Its NULL does nothing, its register is EBUSY,
	 * its close keeps the registration, and its send fires it. */
	pid_t pid = fork();
	if (pid == 0) {
		mqd_t w = mq_open(Q, O_WRONLY);
		say("child: notify NULL: %s", res(mq_notify(w, NULL)));
		say("child: notify: %s", res(mq_notify(w, &sev)));
		say("child: close dup: %s", res(close(dup(w))));
		say("child: send: %s", res(mq_send(w, "x", 1, 0)));
		exit(0);
	}
	reap(pid, "child");
	expectSignal("fired by child", pid, 42);
	showOwner("after firing");

	/* One-shot: registering again works; not empty, so no signal yet. */
	sev.sigev_value.sival_int = 43;
	say("notify after firing: %s", res(mq_notify(q, &sev)));
	say("send to non-empty: %s", res(mq_send(q, "y", 1, 0)));
	expectNoSignal("non-empty queue");
	{
		const char *r0 = res(mq_receive(q, buf, sizeof(buf), NULL));
		const char *r1 = res(mq_receive(q, buf, sizeof(buf), NULL));
		say("drain: %s %s", r0, r1);
	}
	say("send to empty: %s", res(mq_send(q, "z", 1, 0)));
	expectSignal("fired by self", getpid(), 43);
	mq_receive(q, buf, sizeof(buf), NULL);

	/* mq_notify(NULL) by the owner removes it. */
	say("notify: %s", res(mq_notify(q, &sev)));
	say("notify NULL: %s", res(mq_notify(q, NULL)));
	say("send: %s", res(mq_send(q, "n", 1, 0)));
	expectNoSignal("after NULL");
	mq_receive(q, buf, sizeof(buf), NULL);

	/* A plain close() of a dup by the owner removes it. */
	say("notify: %s", res(mq_notify(q, &sev)));
	showOwner("before close(dup)");
	say("close(dup): %s", res(close(dup(q))));
	showOwner("after close(dup)");
	say("send: %s", res(mq_send(q, "d", 1, 0)));
	expectNoSignal("after close(dup)");
	mq_receive(q, buf, sizeof(buf), NULL);

	/* So does close() of a second descriptor from mq_open. */
	mqd_t q2 = mq_open(Q, O_RDONLY);
	say("notify: %s", res(mq_notify(q, &sev)));
	say("close(second mq_open): %s", res(close(q2)));
	showOwner("after close(second)");
	say("notify again: %s", res(mq_notify(q, &sev)));
	say("mq_close(dup): %s", res(mq_close(dup(q))));
	say("notify again: %s", res(mq_notify(q, &sev)));
	mq_notify(q, NULL);

	/* SIGEV_NONE and signo 0 deliver nothing but are used up. */
	struct sigevent none = sigev(SIGEV_NONE, 0, 0);
	say("notify SIGEV_NONE: %s", res(mq_notify(q, &none)));
	say("send: %s", res(mq_send(q, "s", 1, 0)));
	mq_receive(q, buf, sizeof(buf), NULL);
	struct sigevent zero = sigev(SIGEV_SIGNAL, 0, 0);
	say("notify after SIGEV_NONE fired, signo 0: %s", res(mq_notify(q, &zero)));
	say("send: %s", res(mq_send(q, "s", 1, 0)));
	mq_receive(q, buf, sizeof(buf), NULL);
	say("notify after signo 0 fired: %s", res(mq_notify(q, &sev)));
	mq_notify(q, NULL);

	/* A handler (SA_SIGINFO), the signal unblocked. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = onUsr2;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	struct sigevent usr2 = sigev(SIGEV_SIGNAL, SIGUSR2, 7);
	say("notify SIGUSR2: %s", res(mq_notify(q, &usr2)));
	say("send: %s", res(mq_send(q, "h", 1, 0)));
	for (int i = 0; i < 500 && !handled; i++)
		sleep_ms(10);
	say("handler: ran %d, code %s, value %d", (int)handled, handledCode == SI_MESGQ ? "SI_MESGQ" : "other",
	    (int)handledValue);

	say("close: %s", res(mq_close(q)));
	say("unlink: %s", res(mq_unlink(Q)));
	return 0;
}
