/* SPDX-License-Identifier: MIT */
/*
 * A queue descriptor in poll(2), select(2) and epoll(7): IN while it holds
 * a message, OUT while it has room, whatever the access mode; a send from
 * another process wakes a waiting poll.
 */
#include "common.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

#define Q "/pl-poll"

static const short kAll = POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | POLLWRNORM | POLLWRBAND;

static void show(const char *what, int fd)
{
	struct pollfd p = { fd, kAll, 0 };
	int n = poll(&p, 1, 0);
	say("%s: poll %d revents %#x", what, n, (unsigned)p.revents);
}

/* A child that sends one message after \a ms. */
static pid_t sendLater(long ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		mqd_t w = mq_open(Q, O_WRONLY);
		sleep_ms(ms);
		exit(mq_send(w, "late", 4, 0) < 0 ? 1 : 0);
	}
	return pid;
}

int main(void)
{
	mqd_t q = fresh(Q, O_RDWR, 2, 16);
	mqd_t wo = mq_open(Q, O_WRONLY);
	char buf[16];
	show("empty", q);
	show("empty, O_WRONLY fd", wo);
	mq_send(q, "1", 1, 0);
	show("one message", q);
	show("one message, O_WRONLY fd", wo);
	mq_send(q, "2", 1, 0);
	show("full", q);

	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(q, &r);
	FD_SET(q, &w);
	struct timeval tv = { 0, 0 };
	int n = select(q + 1, &r, &w, NULL, &tv);
	say("full: select %d readable %d writable %d", n, FD_ISSET(q, &r) != 0, FD_ISSET(q, &w) != 0);
	mq_receive(q, buf, sizeof(buf), NULL);
	mq_receive(q, buf, sizeof(buf), NULL);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(q, &r);
	FD_SET(q, &w);
	n = select(q + 1, &r, &w, NULL, &tv);
	say("empty: select %d readable %d writable %d", n, FD_ISSET(q, &r) != 0, FD_ISSET(q, &w) != 0);

	/* A waiting poll, woken by another process's send. */
	pid_t pid = sendLater(200);
	struct pollfd p = { q, POLLIN, 0 };
	double t0 = now_s();
	n = poll(&p, 1, 5000);
	say("poll POLLIN, send 200 ms later: %d revents %#x, waited %s", n, (unsigned)p.revents,
	    now_s() - t0 >= 0.1 ? "yes" : "no");
	reap(pid, "sender");
	ssize_t len = mq_receive(q, buf, sizeof(buf), NULL);
	say("received \"%.*s\"", len < 0 ? 0 : (int)len, buf);
	p.revents = 0;
	say("poll again, empty: %d", poll(&p, 1, 100));

	/* The same through epoll, edge-triggered. */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data = { .fd = q } };
	say("epoll_ctl: %s", res(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev)));
	struct epoll_event got;
	say("epoll_wait, empty: %d", epoll_wait(ep, &got, 1, 100));
	pid = sendLater(200);
	n = epoll_wait(ep, &got, 1, 5000);
	say("epoll_wait, send 200 ms later: %d events %#x", n, n > 0 ? got.events : 0);
	reap(pid, "sender");
	close(ep);

	{
		const char *r0 = res(mq_close(wo));
		const char *r1 = res(mq_close(q));
		say("close: %s %s", r0, r1);
	}
	say("unlink: %s", res(mq_unlink(Q)));
	return 0;
}
