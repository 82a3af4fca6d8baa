/* SPDX-License-Identifier: MIT */
/*
 * A library that uses queues in its constructor and destructor (for
 * pl-lifecycle). Its constructor runs before that of a preloaded library
 * loaded before it, mqfs-preload.so's included (which then finds the real
 * functions at the first call); its destructor after the destructors of the
 * executable and of that preloaded library, C++ objects included.
 */
#include "late.h"

#include "common.h"

static mqd_t lateQueue = (mqd_t)-1;
static const char *lateName;

__attribute__((constructor)) static void earlyInit(void)
{
	const char *name = "/pl-lifecycle-early";
	mqd_t q = fresh(name, O_RDWR, 2, 16);
	char buf[16];
	say("library constructor: mq_send %s", res(mq_send(q, "early", 5, 0)));
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("library constructor: mq_receive %s \"%.*s\"", res(n), n < 0 ? 0 : (int)n, buf);
	say("library constructor: mq_close %s", res(mq_close(q)));
	say("library constructor: mq_unlink %s", res(mq_unlink(name)));
}

void late_use(mqd_t q, const char *name)
{
	lateQueue = q;
	lateName = name;
}

__attribute__((destructor)) static void lateFini(void)
{
	if (!lateName)
		return;
	char buf[16];
	ssize_t n = mq_receive(lateQueue, buf, sizeof(buf), NULL);
	say("library destructor: mq_receive %s \"%.*s\"", res(n), n < 0 ? 0 : (int)n, buf);
	for (int i = 0; i < 3; i++) {
		mqd_t again = mq_open(lateName, O_RDWR);
		say("library destructor: mq_open %s", res(again));
		mq_close(again);
	}
	say("library destructor: mq_close %s", res(mq_close(lateQueue)));
	say("library destructor: mq_unlink %s", res(mq_unlink(lateName)));
	say("library destructor: mq_unlink again %s", res(mq_unlink(lateName)));
}
