/* SPDX-License-Identifier: MIT */
/*
 * Queue calls before main() (a constructor), from atexit() handlers, from a
 * destructor that runs after every atexit() handler, from the destructor of
 * a library that runs after those of mqfs-preload.so (late.c), and from a
 * signal handler: the shim must work at each of those times.
 */
#include "common.h"
#include "late.h"

#define Q "/pl-lifecycle"

static mqd_t q = (mqd_t)-1;

__attribute__((constructor)) static void early(void)
{
	q = fresh(Q, O_RDWR, 4, 16);
	say("constructor: mq_send %s", res(mq_send(q, "ctor", 4, 0)));
}

static void atExit(void)
{
	char buf[16];
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("atexit: mq_receive %s \"%.*s\"", res(n), n < 0 ? 0 : (int)n, buf);
	mqd_t again = mq_open(Q, O_RDWR);
	say("atexit: mq_open %s", res(again));
	say("atexit: mq_send %s", res(mq_send(again, "late", 4, 0)));
	mq_close(again);
}

/* Destructors of the executable run after the atexit() handlers. */
__attribute__((destructor)) static void late(void)
{
	char buf[16];
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("destructor: mq_receive %s \"%.*s\"", res(n), n < 0 ? 0 : (int)n, buf);
	mqd_t again = mq_open(Q, O_RDWR);
	say("destructor: mq_open %s", res(again));
	mq_close(again);
	say("destructor: mq_send %s", res(mq_send(q, "lib", 3, 0)));
}

static volatile sig_atomic_t handlerSent = -1;

static void onAlarm(int sig)
{
	(void)sig;
	const int saved = errno;
	handlerSent = mq_send(q, "sig", 3, 0) == 0;
	errno = saved;
}

int main(void)
{
	char buf[16];
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("main: mq_receive %s \"%.*s\"", res(n), n < 0 ? 0 : (int)n, buf);

	/* A send from a signal handler (the pass-through path takes no lock;
	 * the mqfs one allocates, which is harmless while main only sleeps). */
	signal(SIGALRM, onAlarm);
	alarm(1);
	while (handlerSent < 0)
		pause();
	n = mq_receive(q, buf, sizeof(buf), NULL);
	say("main: from the handler: %s, then mq_receive \"%.*s\"", handlerSent ? "sent" : "failed",
	    n < 0 ? 0 : (int)n, buf);

	late_use(q, Q);
	atexit(atExit);
	say("main: mq_send %s, returns", res(mq_send(q, "main", 4, 0)));
	return 0;
}
