/* SPDX-License-Identifier: MIT */
/**
 * @file mqfs.h
 * @brief POSIX message queues through an mqfs mount: the C ABI.
 *
 * Each function mirrors its POSIX namesake (mq_open(3) and friends) name for
 * name, with the same signature, types, return values and errno, on the mqfs
 * mount named by the environment variable MQFS_ROOT (default: the
 * MQFS_DEFAULT_ROOT below). A queue descriptor is an ordinary file
 * descriptor of the queue's file on that mount, so poll(2), select(2),
 * epoll(7), dup(2), fork(2) and close-on-exec work on it as on Linux, and an
 * fd from open(2) of a queue file works with these calls too.
 *
 * When MQFS_ROOT is not an mqfs mount, mqfs_open() and mqfs_unlink() fail
 * with ENOSYS (the errno glibc uses when the kernel has no mqueue support).
 */
#ifndef MQFS_MQFS_H
#define MQFS_MQFS_H

#include <mqueue.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MQFS_EXPORT __attribute__((visibility("default")))
#else
#define MQFS_EXPORT
#endif

#define MQFS_DEFAULT_ROOT "/run/mqfs"

MQFS_EXPORT mqd_t mqfs_open(const char *name, int oflag, ...);
MQFS_EXPORT int mqfs_close(mqd_t mqdes);
MQFS_EXPORT int mqfs_unlink(const char *name);
MQFS_EXPORT int mqfs_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio);
MQFS_EXPORT int mqfs_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len,
			       unsigned int msg_prio, const struct timespec *abs_timeout);
MQFS_EXPORT ssize_t mqfs_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio);
MQFS_EXPORT ssize_t mqfs_timedreceive(mqd_t mqdes, char *msg_ptr, size_t msg_len,
				      unsigned int *msg_prio, const struct timespec *abs_timeout);
/*
 * Batches: many messages per round trip to the daemon (an mqfs extension).
 *
 * mqfs_send_batch() sends msgs[0..count) in order, exactly as a loop of
 * mqfs_timedsend() calls would (each blocking while the queue is full, unless
 * O_NONBLOCK), and stops at the first that cannot be sent. It returns how
 * many were sent; -1 with errno (that of mq_timedsend()) only when none was.
 * An msg_prio >= MQ_PRIO_MAX anywhere is EINVAL before anything is sent.
 *
 * mqfs_receive_batch() waits like mq_timedreceive() until the queue has a
 * message, then takes, in receive order, as many as are there, at most count
 * and as many as fit in buf: each takes MQFS_BATCH_COST(len) bytes of it, and
 * buf must hold at least MQFS_BATCH_COST(mq_msgsize) (else EMSGSIZE). The
 * payloads land in buf; msgs[i].msg_ptr points at each (8-byte aligned when
 * buf is), with its length and priority. Returns how many, or -1 with errno.
 */
struct mqfs_msg {
	char *msg_ptr;
	size_t msg_len;
	unsigned int msg_prio;
};
#define MQFS_BATCH_COST(len) ((8u + (size_t)(len) + 7u) & ~(size_t)7u)

MQFS_EXPORT ssize_t mqfs_send_batch(mqd_t mqdes, const struct mqfs_msg *msgs, size_t count);
MQFS_EXPORT ssize_t mqfs_timedsend_batch(mqd_t mqdes, const struct mqfs_msg *msgs, size_t count,
					 const struct timespec *abs_timeout);
MQFS_EXPORT ssize_t mqfs_receive_batch(mqd_t mqdes, char *buf, size_t buf_len,
				       struct mqfs_msg *msgs, size_t count);
MQFS_EXPORT ssize_t mqfs_timedreceive_batch(mqd_t mqdes, char *buf, size_t buf_len,
					    struct mqfs_msg *msgs, size_t count,
					    const struct timespec *abs_timeout);

MQFS_EXPORT int mqfs_getattr(mqd_t mqdes, struct mq_attr *attr);
MQFS_EXPORT int mqfs_setattr(mqd_t mqdes, const struct mq_attr *newattr, struct mq_attr *oldattr);
MQFS_EXPORT int mqfs_notify(mqd_t mqdes, const struct sigevent *sevp);

#ifdef __cplusplus
}
#endif

#endif /* MQFS_MQFS_H */
