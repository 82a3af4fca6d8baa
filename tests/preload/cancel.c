/* SPDX-License-Identifier: MIT */
/*
 * Thread cancellation: mq_receive and mq_send are cancellation points, so a
 * thread blocked in either is cancelled (deferred cancellation); one with a
 * request pending when it calls them is cancelled at once.
 */
#include "common.h"

#include <pthread.h>

#define Q "/pl-cancel"

static mqd_t q;

static void *receiver(void *arg)
{
	(void)arg;
	char buf[16];
	mq_receive(q, buf, sizeof(buf), NULL);
	return (void *)"returned";
}

static void *sender(void *arg)
{
	(void)arg;
	mq_send(q, "x", 1, 0);
	return (void *)"returned";
}

static void *pendingReceiver(void *arg)
{
	(void)arg;
	char buf[16];
	pthread_cancel(pthread_self());
	/* A message is there: without the pending request this would return. */
	mq_receive(q, buf, sizeof(buf), NULL);
	return (void *)"returned";
}

/* Start \a fn, cancel it once it had time to block, say how it ended. */
static void cancelBlocked(const char *what, void *(*fn)(void *), long blockMs)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL) != 0)
		die("pthread_create");
	sleep_ms(blockMs);
	pthread_cancel(t);
	struct timespec ts = deadline_in(5000);
	void *rv;
	int e = pthread_timedjoin_np(t, &rv, &ts);
	if (e)
		say("%s: still blocked 5 s after pthread_cancel", what);
	else
		say("%s: %s", what, rv == PTHREAD_CANCELED ? "cancelled" : (const char *)rv);
}

int main(void)
{
	char buf[16];
	q = fresh(Q, O_RDWR, 1, 16);
	cancelBlocked("blocked in mq_receive", receiver, 200);
	say("send: %s", res(mq_send(q, "m", 1, 0)));
	cancelBlocked("pending request, mq_receive", pendingReceiver, 0);
	struct mq_attr a;
	mq_getattr(q, &a);
	say("curmsgs after it: %ld", a.mq_curmsgs);
	cancelBlocked("blocked in mq_send, queue full", sender, 200);
	mq_getattr(q, &a);
	say("curmsgs after it: %ld", a.mq_curmsgs);
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("receive: %s \"%.*s\"", res(n), n < 0 ? 0 : (int)n, buf);
	say("close: %s", res(mq_close(q)));
	say("unlink: %s", res(mq_unlink(Q)));
	return 0;
}
