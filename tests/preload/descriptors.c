/* SPDX-License-Identifier: MIT */
/*
 * Queue descriptors as files: an fd from open(2) of a queue file is a queue
 * descriptor; dup() and fork() share the open file (O_NONBLOCK); mq_open
 * fds are close-on-exec, and a program started by exec() uses the same
 * queues. With MQ_KERNEL_DIR (a kernel mqueue mount), a kernel queue opened
 * with open(2) works next to the others: under the shim its calls go to the
 * kernel.
 */
#include "common.h"

#define Q "/pl-desc"
#define K "/pl-desc-kernel"

static void useFd(const char *what, int fd)
{
	char buf[8192];
	unsigned prio = 0;
	struct mq_attr a = mkattr(0, 0);
	say("%s: send %s", what, res(mq_send(fd, "via fd", 6, 3)));
	const char *r = res(mq_getattr(fd, &a));
	say("%s: getattr %s curmsgs %ld", what, r, a.mq_curmsgs);
	ssize_t n = mq_receive(fd, buf, sizeof(buf), &prio);
	say("%s: receive %s \"%.*s\" prio %u", what, res(n), n < 0 ? 0 : (int)n, buf, prio);
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	{
		const char *r0 = res(mq_notify(fd, &sev));
		const char *r1 = res(mq_notify(fd, NULL));
		say("%s: notify %s, notify NULL %s", what, r0, r1);
	}
}

/* After exec: the fds are gone, the queue is there. */
static int afterExec(int fd)
{
	struct mq_attr a;
	say("exec: old fd: getattr %s", res(mq_getattr(fd, &a)));
	mqd_t q = mq_open(Q, O_RDONLY);
	say("exec: mq_open %s", res(q));
	if (q == (mqd_t)-1)
		return 1;
	mq_getattr(q, &a);
	say("exec: curmsgs %ld", a.mq_curmsgs);
	char buf[64];
	ssize_t n = mq_receive(q, buf, sizeof(buf), NULL);
	say("exec: receive \"%.*s\"", n < 0 ? 0 : (int)n, buf);
	mq_close(q);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--after-exec"))
		return afterExec(atoi(argv[2]));

	mqd_t q = fresh(Q, O_RDWR, 4, 64);
	const char *dir = getenv("MQ_DIR");
	if (dir) {
		char path[512];
		snprintf(path, sizeof(path), "%s%s", dir, Q);
		int fd = open(path, O_RDWR);
		say("open(2) of the queue file: %s", res(fd));
		if (fd >= 0) {
			useFd("open(2) fd", fd);
			close(fd);
		}
	} else {
		say("open(2) of the queue file: skipped");
	}

	const char *kdir = getenv("MQ_KERNEL_DIR");
	if (kdir) {
		char path[512];
		snprintf(path, sizeof(path), "%s%s", kdir, K);
		unlink(path);
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		say("open(2) O_CREAT of a kernel queue file: %s", res(fd));
		if (fd >= 0) {
			useFd("kernel fd", fd);
			close(fd);
			unlink(path);
		}
	} else {
		say("kernel queue: skipped");
	}

	/* dup and fork share the open file, O_NONBLOCK with it. */
	mqd_t d = dup(q);
	int fdflags = fcntl(d, F_GETFD);
	say("dup: FD_CLOEXEC %s", fdflags >= 0 && (fdflags & FD_CLOEXEC) ? "yes" : "no");
	struct mq_attr a = mkattr(0, 0), old;
	a.mq_flags = O_NONBLOCK;
	mq_setattr(d, &a, NULL);
	mq_getattr(q, &old);
	say("O_NONBLOCK set on the dup, seen on the original: %s", old.mq_flags & O_NONBLOCK ? "yes" : "no");
	pid_t pid = fork();
	if (pid == 0) {
		struct mq_attr b = mkattr(0, 0);
		mq_setattr(q, &b, NULL);
		exit(0);
	}
	reap(pid, "child clearing O_NONBLOCK");
	mq_getattr(q, &old);
	say("seen by the parent: O_NONBLOCK %s", old.mq_flags & O_NONBLOCK ? "yes" : "no");
	fcntl(q, F_SETFL, fcntl(q, F_GETFL) | O_NONBLOCK);
	mq_getattr(d, &old);
	say("F_SETFL O_NONBLOCK, mq_getattr flags %#lx", old.mq_flags);
	close(d);

	/* A separate mq_open has its own flags. */
	mqd_t other = mq_open(Q, O_RDWR);
	mq_getattr(other, &old);
	say("separate mq_open: flags %#lx", old.mq_flags);
	mq_close(other);

	/* exec: the mq_open fd is closed, the queue stays. */
	mq_send(q, "for exec", 8, 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char fdText[16];
		snprintf(fdText, sizeof(fdText), "%d", q);
		execl("/proc/self/exe", argv[0], "--after-exec", fdText, (char *)NULL);
		die("execl");
	}
	reap(pid, "exec'd child");

	say("close: %s", res(mq_close(q)));
	say("unlink: %s", res(mq_unlink(Q)));
	return 0;
}
