/* SPDX-License-Identifier: MIT */
/*
 * mq_notify with SIGEV_THREAD: the function runs once per registration, in
 * a new detached thread, with the registered value and attributes; NULL and
 * a close() by the owner remove the registration.
 */
#include "common.h"

#include <pthread.h>

#define Q "/pl-notify-thread"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int calls;
static void *lastValue;
static int lastOtherThread, lastDetached, lastUsr1Blocked;
static size_t lastStack;
static pthread_t mainThread;

static void onNotify(union sigval v)
{
	pthread_attr_t a;
	int detach = -1;
	size_t stack = 0;
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		pthread_attr_getdetachstate(&a, &detach);
		pthread_attr_getstacksize(&a, &stack);
		pthread_attr_destroy(&a);
	}
	sigset_t mask;
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	pthread_mutex_lock(&lock);
	lastValue = v.sival_ptr;
	lastOtherThread = !pthread_equal(pthread_self(), mainThread);
	lastDetached = detach == PTHREAD_CREATE_DETACHED;
	lastStack = stack;
	lastUsr1Blocked = sigismember(&mask, SIGUSR1);
	calls++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Wait until the function has run \a want times in all, at most \a ms. */
static int waitCalls(int want, long ms)
{
	struct timespec ts = deadline_in(ms);
	pthread_mutex_lock(&lock);
	while (calls < want && pthread_cond_timedwait(&cond, &lock, &ts) == 0)
		;
	int n = calls;
	pthread_mutex_unlock(&lock);
	return n;
}

static struct sigevent threadEvent(void *value, pthread_attr_t *attr)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = onNotify;
	sev.sigev_notify_attributes = attr;
	sev.sigev_value.sival_ptr = value;
	return sev;
}

int main(void)
{
	static int first, second, third;
	char buf[32];
	mainThread = pthread_self();
	/* glibc runs the function with every signal unblocked. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	mqd_t q = fresh(Q, O_RDWR, 4, 32);
	struct sigevent sev = threadEvent(&first, NULL);
	say("notify: %s", res(mq_notify(q, &sev)));
	say("notify again: %s", res(mq_notify(q, &sev)));
	say("send: %s", res(mq_send(q, "a", 1, 0)));
	int n = waitCalls(1, 5000);
	say("calls %d, value %s, other thread %s, detached %s", n, lastValue == &first ? "ok" : "wrong",
	    lastOtherThread ? "yes" : "no", lastDetached ? "yes" : "no");
	say("SIGUSR1 blocked in the function: %s", lastUsr1Blocked ? "yes" : "no");
	mq_receive(q, buf, sizeof(buf), NULL);

	/* One-shot; again, with attributes (a 1 MiB stack). */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	sev = threadEvent(&second, &attr);
	say("notify with attr: %s", res(mq_notify(q, &sev)));
	pthread_attr_destroy(&attr); /* glibc copied them */
	say("send: %s", res(mq_send(q, "b", 1, 0)));
	n = waitCalls(2, 5000);
	say("calls %d, value %s, detached %s, stack >= 1 MiB %s", n, lastValue == &second ? "ok" : "wrong",
	    lastDetached ? "yes" : "no", lastStack >= (1u << 20) ? "yes" : "no");
	mq_receive(q, buf, sizeof(buf), NULL);

	/* Removed by NULL: nothing runs. */
	sev = threadEvent(&third, NULL);
	say("notify: %s", res(mq_notify(q, &sev)));
	say("notify NULL: %s", res(mq_notify(q, NULL)));
	say("send: %s", res(mq_send(q, "c", 1, 0)));
	say("calls after 300 ms: %d", waitCalls(3, 300));
	mq_receive(q, buf, sizeof(buf), NULL);

	/* Removed by a close() of a dup. */
	say("notify: %s", res(mq_notify(q, &sev)));
	say("close(dup): %s", res(close(dup(q))));
	say("notify again: %s", res(mq_notify(q, &sev)));
	say("close(dup): %s", res(close(dup(q))));
	say("send: %s", res(mq_send(q, "d", 1, 0)));
	say("calls after 300 ms: %d", waitCalls(3, 300));
	mq_receive(q, buf, sizeof(buf), NULL);

	/* Fired from another process. */
	say("notify: %s", res(mq_notify(q, &sev)));
	pid_t pid = fork();
	if (pid == 0) {
		mqd_t w = mq_open(Q, O_WRONLY);
		say("child: send: %s", res(mq_send(w, "e", 1, 0)));
		exit(0);
	}
	reap(pid, "child");
	n = waitCalls(3, 5000);
	say("calls %d, value %s", n, lastValue == &third ? "ok" : "wrong");

	say("close: %s", res(mq_close(q)));
	say("unlink: %s", res(mq_unlink(Q)));
	return 0;
}
