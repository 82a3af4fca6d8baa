/* SPDX-License-Identifier: MIT */
/*
 * Producer and consumer in two processes: priority order, a blocking
 * receive woken by the other process, blocking sends through a small queue,
 * and a reply queue opened by name after fork().
 */
#include "common.h"

#define Q "/pl-prodcons"
#define R "/pl-prodcons-reply"

static void consumer(void)
{
	/* A separate mq_open in the child, by name. */
	mqd_t q = mq_open(Q, O_RDONLY);
	mqd_t r = mq_open(R, O_WRONLY);
	if (q == (mqd_t)-1 || r == (mqd_t)-1)
		die("child mq_open");
	char buf[64];
	unsigned prio;
	for (int i = 0; i < 4; i++) {
		ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
		if (n < 0)
			die("child mq_receive");
		say("child: got \"%.*s\" prio %u", (int)n, buf, prio);
	}
	if (mq_send(r, "ack", 3, 0) < 0)
		die("child mq_send ack");
	/* Blocks: the queue is empty until the parent has read the ack. */
	ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
	if (n < 0)
		die("child blocking mq_receive");
	say("child: woke with \"%.*s\" prio %u", (int)n, buf, prio);
	/* Ten messages through a four-slot queue: FIFO within one priority. */
	for (int i = 0; i < 10; i++) {
		n = mq_receive(q, buf, sizeof(buf), &prio);
		if (n < 0)
			die("child mq_receive stream");
		say("child: stream \"%.*s\"", (int)n, buf);
	}
	struct mq_attr a;
	if (mq_getattr(q, &a) < 0)
		die("child mq_getattr");
	say("child: curmsgs %ld", a.mq_curmsgs);
	mq_close(q);
	mq_close(r);
	exit(0);
}

int main(void)
{
	mqd_t q = fresh(Q, O_WRONLY, 4, 64);
	mqd_t r = fresh(R, O_RDONLY, 2, 16);
	struct mq_attr a;
	if (mq_getattr(q, &a) < 0)
		die("mq_getattr");
	say("attr: maxmsg %ld msgsize %ld curmsgs %ld flags %#lx", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs,
	    a.mq_flags);

	static const struct {
		const char *text;
		unsigned prio;
	} first[] = { { "a", 1 }, { "b", 5 }, { "c", 3 }, { "d", 5 } };
	for (unsigned i = 0; i < 4; i++)
		say("send %s prio %u: %s", first[i].text, first[i].prio,
		    res(mq_send(q, first[i].text, 1, first[i].prio)));
	mq_getattr(q, &a);
	say("curmsgs %ld", a.mq_curmsgs);

	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		consumer();

	char buf[16];
	ssize_t n = mq_receive(r, buf, sizeof(buf), NULL);
	say("parent: reply \"%.*s\"", n < 0 ? 0 : (int)n, buf);
	/* Said before sending: the child may print its line at once. */
	say("parent: sending e prio 7");
	if (mq_send(q, "e", 1, 7) < 0)
		die("parent mq_send e");
	for (int i = 0; i < 10; i++) {
		char m[8];
		int len = snprintf(m, sizeof(m), "m%d", i);
		if (mq_send(q, m, (size_t)len, 0) < 0)
			die("parent stream send");
	}
	reap(pid, "child");
	mq_getattr(q, &a);
	say("parent: curmsgs %ld", a.mq_curmsgs);
	{
		const char *r0 = res(mq_close(q));
		const char *r1 = res(mq_close(r));
		say("close: %s %s", r0, r1);
	}
	{
		const char *r0 = res(mq_unlink(Q));
		const char *r1 = res(mq_unlink(R));
		say("unlink: %s %s", r0, r1);
	}
	return 0;
}
