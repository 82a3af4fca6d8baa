/* SPDX-License-Identifier: MIT */
/*
 * Timeouts: mq_timedreceive and mq_timedsend give ETIMEDOUT at the absolute
 * deadline, a past deadline only matters when the call has to wait, a bad
 * timeout is EINVAL before anything else, O_NONBLOCK gives EAGAIN, and a
 * signal ends a blocked call with EINTR unless its handler has SA_RESTART.
 */
#include "common.h"

#include <sys/time.h>

#define Q "/pl-timed"

static volatile sig_atomic_t alarms;

static void onAlarm(int sig)
{
	(void)sig;
	alarms++;
}

static void alarmIn(long ms, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onAlarm;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* "yes" when a blocked call ended no earlier than its deadline and not
 * absurdly late. */
static const char *onTime(double start, double end, long ms)
{
	const double took = end - start;
	return took >= (double)ms / 1000.0 - 0.02 && took < (double)ms / 1000.0 + 5.0 ? "yes" : "no";
}

int main(void)
{
	mqd_t q = fresh(Q, O_RDWR, 2, 16);
	char buf[16];
	unsigned prio;

	struct timespec ts = deadline_in(300);
	double t0 = now_s();
	ssize_t n = mq_timedreceive(q, buf, sizeof(buf), &prio, &ts);
	say("timedreceive empty, 300 ms: %s, on time: %s", res(n), onTime(t0, now_s(), 300));

	struct timespec past = { 0, 0 };
	say("timedreceive empty, deadline 0: %s", res(mq_timedreceive(q, buf, sizeof(buf), NULL, &past)));
	say("timedsend, deadline 0, room: %s", res(mq_timedsend(q, "x", 1, 2, &past)));
	n = mq_timedreceive(q, buf, sizeof(buf), &prio, &past);
	say("timedreceive, deadline 0, message: %s len %zd prio %u", res(n), n, prio);

	struct timespec bad = { 0, 1000000000L };
	say("timedsend bad timeout, room: %s", res(mq_timedsend(q, "x", 1, 0, &bad)));
	say("timedsend bad timeout, fd -1: %s", res(mq_timedsend(-1, "x", 1, 0, &bad)));
	struct timespec neg = { -1, 0 };
	say("timedreceive negative timeout: %s", res(mq_timedreceive(q, buf, sizeof(buf), NULL, &neg)));

	{
		const char *r0 = res(mq_send(q, "1", 1, 0));
		const char *r1 = res(mq_send(q, "2", 1, 0));
		say("fill: %s %s", r0, r1);
	}
	ts = deadline_in(200);
	t0 = now_s();
	const char *r = res(mq_timedsend(q, "3", 1, 0, &ts));
	say("timedsend full, 200 ms: %s, on time: %s", r, onTime(t0, now_s(), 200));
	say("timedsend full, deadline 0: %s", res(mq_timedsend(q, "3", 1, 0, &past)));

	struct mq_attr nb = mkattr(0, 0), old;
	nb.mq_flags = O_NONBLOCK;
	r = res(mq_setattr(q, &nb, &old));
	say("setattr O_NONBLOCK: %s, old flags %#lx", r, old.mq_flags);
	say("send full, nonblocking: %s", res(mq_send(q, "3", 1, 0)));
	say("receive small buffer: %s", res(mq_receive(q, buf, 8, NULL)));
	{
		const char *r0 = res(mq_receive(q, buf, sizeof(buf), NULL));
		const char *r1 = res(mq_receive(q, buf, sizeof(buf), NULL));
		say("receive: %s %s", r0, r1);
	}
	say("receive empty, nonblocking: %s", res(mq_receive(q, buf, sizeof(buf), NULL)));
	ts = deadline_in(5000);
	say("timedreceive empty, nonblocking: %s", res(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts)));
	nb.mq_flags = 0;
	r = res(mq_setattr(q, &nb, &old));
	say("setattr blocking: %s, old flags %#lx", r, old.mq_flags);
	mq_getattr(q, &old);
	say("flags now %#lx", old.mq_flags);

	/* A signal without SA_RESTART ends the wait with EINTR... */
	alarmIn(200, 0);
	ts = deadline_in(3000);
	t0 = now_s();
	n = mq_timedreceive(q, buf, sizeof(buf), NULL, &ts);
	say("timedreceive, SIGALRM without SA_RESTART: %s, alarms %d, early: %s", res(n), (int)alarms,
	    now_s() - t0 < 2.5 ? "yes" : "no");
	/* ...with SA_RESTART the call goes on, to the same absolute deadline. */
	alarms = 0;
	alarmIn(200, SA_RESTART);
	ts = deadline_in(800);
	t0 = now_s();
	n = mq_timedreceive(q, buf, sizeof(buf), NULL, &ts);
	say("timedreceive, SIGALRM with SA_RESTART: %s, alarms %d, on time: %s", res(n), (int)alarms,
	    onTime(t0, now_s(), 800));

	say("close: %s", res(mq_close(q)));
	say("unlink: %s", res(mq_unlink(Q)));
	return 0;
}
