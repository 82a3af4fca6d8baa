/* SPDX-License-Identifier: MIT */
/*
 * Error cases and their precedence, and errno: a call that fails sets it, a
 * call that succeeds leaves it alone.
 */
#include "common.h"

#include <limits.h>

#define Q "/pl-errors"
#define Q3 "/pl-errors-mode3"

static int saw;

/* Did a successful call keep errno? */
static void kept(const char *what, long rv)
{
	if (rv < 0)
		say("%s: failed (%s)", what, errname(errno));
	else if (errno != EDOM)
		say("%s: errno changed to %s", what, errname(errno));
	else
		saw++;
	errno = EDOM;
}

static void names(void)
{
	struct mq_attr a = mkattr(2, 16);
	char longName[300];
	longName[0] = '/';
	memset(longName + 1, 'n', 256);
	longName[257] = 0;
	say("open \"noslash\": %s", res(mq_open("noslash", O_RDWR | O_CREAT, 0600, &a)));
	say("open \"\": %s", res(mq_open("", O_RDWR)));
	say("open \"/\" O_CREAT: %s", res(mq_open("/", O_RDWR | O_CREAT, 0600, &a)));
	say("open \"/a/b\" O_CREAT: %s", res(mq_open("/a/b", O_RDWR | O_CREAT, 0600, &a)));
	say("open \"/..\": %s", res(mq_open("/..", O_RDWR)));
	say("open 256-byte name O_CREAT: %s", res(mq_open(longName, O_RDWR | O_CREAT, 0600, &a)));
	longName[256] = 0;
	mq_unlink(longName);
	mqd_t q = mq_open(longName, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	say("open 255-byte name O_CREAT: %s", res(q));
	if (q != (mqd_t)-1) {
		mq_close(q);
		say("unlink 255-byte name: %s", res(mq_unlink(longName)));
	}
	say("open missing: %s", res(mq_open("/pl-errors-missing", O_RDWR)));
	say("unlink missing: %s", res(mq_unlink("/pl-errors-missing")));
	say("unlink \"noslash\": %s", res(mq_unlink("noslash")));
	say("unlink \"/\": %s", res(mq_unlink("/")));
}

static void creation(void)
{
	struct mq_attr a = mkattr(0, 16);
	say("attr maxmsg 0: %s", res(mq_open(Q, O_RDWR | O_CREAT, 0600, &a)));
	a = mkattr(2, 0);
	say("attr msgsize 0: %s", res(mq_open(Q, O_RDWR | O_CREAT, 0600, &a)));
	a = mkattr(-1, 16);
	say("attr maxmsg -1: %s", res(mq_open(Q, O_RDWR | O_CREAT, 0600, &a)));
	mqd_t q = fresh(Q, O_RDWR, 2, 16);
	say("O_CREAT|O_EXCL existing: %s", res(mq_open(Q, O_RDWR | O_CREAT | O_EXCL, 0600, &a)));
	mqd_t q2 = mq_open(Q, O_RDWR | O_CREAT, 0600, &a);
	say("O_CREAT existing, bad attr ignored: %s", res(q2));
	if (q2 != (mqd_t)-1) {
		struct mq_attr got;
		mq_getattr(q2, &got);
		say("its attr: maxmsg %ld msgsize %ld", got.mq_maxmsg, got.mq_msgsize);
		mq_close(q2);
	}
	say("O_WRONLY|O_RDWR existing: %s", res(mq_open(Q, O_WRONLY | O_RDWR)));
	say("O_CREAT|O_EXCL|O_WRONLY|O_RDWR existing: %s", res(mq_open(Q, O_WRONLY | O_RDWR | O_CREAT | O_EXCL, 0600, &a)));
	int fdflags = fcntl(q, F_GETFD);
	say("FD_CLOEXEC without O_CLOEXEC: %s", fdflags >= 0 && (fdflags & FD_CLOEXEC) ? "yes" : "no");
	mq_close(q);

	/* Access mode 3 creates a queue that can neither send nor receive. */
	mq_unlink(Q3);
	a = mkattr(2, 16);
	mqd_t q3 = mq_open(Q3, O_WRONLY | O_RDWR | O_CREAT, 0600, &a);
	say("O_WRONLY|O_RDWR|O_CREAT new: %s", res(q3));
	if (q3 != (mqd_t)-1) {
		char buf[16];
		say("  send: %s", res(mq_send(q3, "x", 1, 0)));
		say("  receive: %s", res(mq_receive(q3, buf, sizeof(buf), NULL)));
		say("  getattr: %s", res(mq_getattr(q3, &a)));
		mq_close(q3);
	}
	say("unlink mode 3 queue: %s", res(mq_unlink(Q3)));
}

static void descriptors(void)
{
	mqd_t q = fresh(Q, O_RDWR, 2, 16);
	mqd_t ro = mq_open(Q, O_RDONLY);
	mqd_t wo = mq_open(Q, O_WRONLY | O_NONBLOCK);
	char buf[64];
	memset(buf, 'x', sizeof(buf));
	int pfd[2];
	if (pipe(pfd) < 0)
		die("pipe");
	char path[] = "/tmp/pl-errors-XXXXXX";
	int file = mkstemp(path);
	if (file < 0)
		die("mkstemp");
	unlink(path);
	struct mq_attr a;
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;

	say("send on O_RDONLY: %s", res(mq_send(ro, "x", 1, 0)));
	say("receive on O_WRONLY: %s", res(mq_receive(wo, buf, sizeof(buf), NULL)));
	say("send too long: %s", res(mq_send(q, buf, 17, 0)));
	say("send too long on O_RDONLY: %s", res(mq_send(ro, buf, 17, 0)));
	say("receive buffer too small, empty queue: %s", res(mq_receive(q, buf, 15, NULL)));
	say("receive buffer too small, nonblocking, empty: %s", res(mq_receive(wo, buf, 15, NULL)));
	say("send prio MQ_PRIO_MAX: %s", res(mq_send(q, "x", 1, MQ_PRIO_MAX)));
	say("send prio UINT_MAX, fd -1: %s", res(mq_send(-1, "x", 1, UINT_MAX)));
	say("send zero-length: %s", res(mq_send(q, "", 0, 0)));
	say("send nonblocking: %s", res(mq_send(wo, "y", 1, 0)));
	say("send nonblocking, full: %s", res(mq_send(wo, "z", 1, 0)));
	unsigned prio = 99;
	ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
	say("receive zero-length: %s len %zd prio %u", res(n), n, prio);

	for (int i = 0; i < 4; i++) {
		static const char *kinds[] = { "fd -1", "closed fd", "pipe", "regular file" };
		const int fds[] = { -1, 1000, pfd[0], file };
		const struct mq_attr flags0 = mkattr(0, 0);
		char r[6][16];
		snprintf(r[0], sizeof(r[0]), "%s", res(mq_send(fds[i], "x", 1, 0)));
		snprintf(r[1], sizeof(r[1]), "%s", res(mq_receive(fds[i], buf, sizeof(buf), NULL)));
		snprintf(r[2], sizeof(r[2]), "%s", res(mq_getattr(fds[i], &a)));
		snprintf(r[3], sizeof(r[3]), "%s", res(mq_setattr(fds[i], &flags0, NULL)));
		snprintf(r[4], sizeof(r[4]), "%s", res(mq_notify(fds[i], &sev)));
		snprintf(r[5], sizeof(r[5]), "%s", i < 2 ? res(mq_close(fds[i])) : "-");
		say("%s: send %s receive %s getattr %s setattr %s notify %s close %s", kinds[i], r[0], r[1], r[2],
		    r[3], r[4], r[5]);
	}
	struct mq_attr badFlags = mkattr(0, 0);
	badFlags.mq_flags = O_APPEND;
	say("setattr bad flags, fd -1: %s", res(mq_setattr(-1, &badFlags, NULL)));
	say("setattr bad flags: %s", res(mq_setattr(q, &badFlags, NULL)));
	sev.sigev_notify = 99;
	say("notify bad sigev_notify, fd -1: %s", res(mq_notify(-1, &sev)));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 65;
	say("notify signo 65: %s", res(mq_notify(q, &sev)));
	sev.sigev_signo = SIGUSR1;
	say("notify on O_WRONLY fd: %s", res(mq_notify(wo, &sev)));
	say("notify again, other fd: %s", res(mq_notify(ro, &sev)));
	say("notify NULL: %s", res(mq_notify(q, NULL)));
	say("notify NULL, nothing registered: %s", res(mq_notify(q, NULL)));

	close(pfd[0]);
	close(pfd[1]);
	close(file);
	{
		const char *r0 = res(mq_close(ro));
		const char *r1 = res(mq_close(wo));
		const char *r2 = res(mq_close(q));
		say("close: %s %s %s", r0, r1, r2);
	}
	say("close again: %s", res(mq_close(q)));
	say("unlink: %s", res(mq_unlink(Q)));
}

/* A successful call leaves errno as it was. */
static void errnoKept(void)
{
	struct mq_attr a = mkattr(2, 16), old;
	char buf[16];
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	mq_unlink(Q);
	errno = EDOM;
	mqd_t q = mq_open(Q, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	kept("mq_open O_CREAT", q);
	mqd_t q2 = mq_open(Q, O_RDWR);
	kept("mq_open", q2);
	kept("mq_send", mq_send(q, "a", 1, 0));
	struct timespec ts = deadline_in(1000);
	kept("mq_timedsend", mq_timedsend(q, "b", 1, 0, &ts));
	kept("mq_receive", mq_receive(q, buf, sizeof(buf), NULL));
	kept("mq_timedreceive", mq_timedreceive(q, buf, sizeof(buf), NULL, &ts));
	kept("mq_getattr", mq_getattr(q, &a));
	kept("mq_setattr", mq_setattr(q, &a, &old));
	kept("mq_notify", mq_notify(q, &sev));
	kept("mq_notify NULL", mq_notify(q, NULL));
	kept("mq_close", mq_close(q2));
	kept("close", close(dup(q)));
	kept("mq_close", mq_close(q));
	kept("mq_unlink", mq_unlink(Q));
	say("errno kept by %d successful calls", saw);
}

int main(void)
{
	names();
	creation();
	descriptors();
	errnoKept();
	return 0;
}
