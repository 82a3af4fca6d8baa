/* SPDX-License-Identifier: MIT */
/*
 * How programs reach mq_open besides the plain call: built with
 * _FORTIFY_SOURCE, a two-argument mq_open with flags unknown at compile time
 * calls __mq_open_2; a program linked before glibc 2.34 references the
 * GLIBC_2.3.4 versions (then in librt). meson builds this file with
 * -D_FORTIFY_SOURCE=2 -O2.
 *
 * "compat keep" leaves its queues behind (preload-test.sh then looks where
 * they went); "compat clean" removes them.
 */
#include "common.h"

#define QOLD "/pl-compat-old"
#define QFORT "/pl-compat-fortify"

/* The GLIBC_2.3.4 versions, as an old binary links them. */
extern mqd_t old_mq_open(const char *name, int oflag, ...);
extern int old_mq_send(mqd_t q, const char *msg, size_t len, unsigned prio);
extern ssize_t old_mq_receive(mqd_t q, char *msg, size_t len, unsigned *prio);
extern int old_mq_getattr(mqd_t q, struct mq_attr *attr);
extern int old_mq_close(mqd_t q);
extern int old_mq_unlink(const char *name);
__asm__(".symver old_mq_open,mq_open@GLIBC_2.3.4");
__asm__(".symver old_mq_send,mq_send@GLIBC_2.3.4");
__asm__(".symver old_mq_receive,mq_receive@GLIBC_2.3.4");
__asm__(".symver old_mq_getattr,mq_getattr@GLIBC_2.3.4");
__asm__(".symver old_mq_close,mq_close@GLIBC_2.3.4");
__asm__(".symver old_mq_unlink,mq_unlink@GLIBC_2.3.4");

int main(int argc, char **argv)
{
	const int keep = argc > 1 && !strcmp(argv[1], "keep");
	if (argc > 1 && !strcmp(argv[1], "clean")) {
		{
			const char *r0 = res(old_mq_unlink(QOLD));
			const char *r1 = res(mq_unlink(QFORT));
			say("unlink: %s %s", r0, r1);
		}
		return 0;
	}
#if !defined(_FORTIFY_SOURCE) || !defined(__OPTIMIZE__)
	say("built without _FORTIFY_SOURCE and optimisation: __mq_open_2 is not called");
#endif
	struct mq_attr a = mkattr(3, 32);
	old_mq_unlink(QOLD);
	mqd_t q = old_mq_open(QOLD, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	say("mq_open@GLIBC_2.3.4 O_CREAT: %s", res(q));
	say("mq_send@GLIBC_2.3.4: %s", res(old_mq_send(q, "old", 3, 1)));
	old_mq_getattr(q, &a);
	say("mq_getattr@GLIBC_2.3.4: maxmsg %ld msgsize %ld curmsgs %ld", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);

	/* Flags the compiler cannot see: the fortified mq_open calls __mq_open_2. */
	int flags = argc > 100 ? O_WRONLY : O_RDONLY;
	mqd_t f = mq_open(QOLD, flags);
	say("fortified two-argument mq_open: %s", res(f));
	char buf[32];
	unsigned prio = 0;
	ssize_t n = old_mq_receive(f, buf, sizeof(buf), &prio);
	say("mq_receive@GLIBC_2.3.4 on it: %s \"%.*s\" prio %u", res(n), n < 0 ? 0 : (int)n, buf, prio);
	say("fortified two-argument mq_open of a missing queue: %s", res(mq_open("/pl-compat-missing", flags)));
	{
		const char *r0 = res(old_mq_close(f));
		const char *r1 = res(old_mq_close(q));
		say("mq_close@GLIBC_2.3.4: %s %s", r0, r1);
	}

	mq_unlink(QFORT);
	mqd_t c = mq_open(QFORT, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	say("mq_open O_CREAT, default attr: %s", res(c));
	mq_close(c);
	if (!keep)
		{
			const char *r0 = res(old_mq_unlink(QOLD));
			const char *r1 = res(mq_unlink(QFORT));
			say("unlink: %s %s", r0, r1);
		}
	return 0;
}
