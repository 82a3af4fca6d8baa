/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the preload test programs. The programs are ordinary POSIX
 * message queue users (<mqueue.h> only, nothing of mqfs): preload-test.sh
 * runs each on the kernel and under mqfs-preload.so and compares what they
 * print. So they print only what must be equal on both: results, errno
 * names, and facts reduced to yes/no (never pids, times or addresses).
 *
 * Environment: MQ_DIR, if set, is the directory where the queues named by
 * mq_open() appear (a kernel mqueue mount, or the mqfs mount); some checks
 * need it and print "skipped" without it.
 */
#ifndef PRELOAD_TEST_COMMON_H
#define PRELOAD_TEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One write(2) per line: lines of several processes never mix, and nothing
 * is left in a stdio buffer to be printed twice after fork(). */
__attribute__((format(printf, 1, 2))) static inline void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	ssize_t w = write(STDOUT_FILENO, buf, (size_t)n);
	(void)w;
}

static inline const char *errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case EACCES: return "EACCES";
	case EAGAIN: return "EAGAIN";
	case EBADF: return "EBADF";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EFAULT: return "EFAULT";
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case EMSGSIZE: return "EMSGSIZE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOENT: return "ENOENT";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EPERM: return "EPERM";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: {
		static char other[32];
		snprintf(other, sizeof(other), "errno %d", e);
		return other;
	}
	}
}

/* "OK" for rv >= 0, else the errno name. */
static inline const char *res(long rv)
{
	return rv < 0 ? errname(errno) : "OK";
}

/* Stop at once: the transcripts then differ and the exit status says why. */
__attribute__((noreturn)) static inline void die(const char *what)
{
	say("FATAL: %s: %s", what, errname(errno));
	exit(2);
}

static inline struct mq_attr mkattr(long maxmsg, long msgsize)
{
	struct mq_attr a;
	memset(&a, 0, sizeof(a));
	a.mq_maxmsg = maxmsg;
	a.mq_msgsize = msgsize;
	return a;
}

/* A new queue, empty and ours; a leftover of an aborted run goes first. */
static inline mqd_t fresh(const char *name, int oflag, long maxmsg, long msgsize)
{
	struct mq_attr a = mkattr(maxmsg, msgsize);
	mq_unlink(name);
	mqd_t q = mq_open(name, oflag | O_CREAT | O_EXCL, 0600, &a);
	if (q == (mqd_t)-1)
		die(name);
	return q;
}

/* CLOCK_REALTIME now + ms, as mq_timed*() take it. */
static inline struct timespec deadline_in(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Wait for a child and say how it ended. */
static inline void reap(pid_t pid, const char *who)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (WIFEXITED(st))
		say("%s: exit %d", who, WEXITSTATUS(st));
	else
		say("%s: signal %d", who, WTERMSIG(st));
}

#endif /* PRELOAD_TEST_COMMON_H */
