/* SPDX-License-Identifier: MIT */
/**
 * @file backend.hpp
 * @brief The one small interface every scenario runs through: glibc's mq_*
 *        on the kernel's queues, or libmqfs's mqfs_* on an mqfs mount.
 *
 * The load scenarios run on both. The kernel run validates the checker: a
 * message reported lost or duplicated on the kernel side is a bug of the
 * test, not of mqfs. Calls return like their POSIX namesakes (-1 and errno).
 */
#pragma once

#include <string>

#include <mqueue.h>

namespace stress {

struct Backend {
	const char *name; /* "kernel" or "mqfs" */
	bool kernel;
	/* Where the queue files are (status lines): a kernel mqueue mount of
	 * our IPC namespace, or the mqfs mount point. */
	std::string fileDir;

	mqd_t (*open)(const char *name, int oflag, mode_t mode, const struct mq_attr *attr);
	int (*close)(mqd_t q);
	int (*unlink)(const char *name);
	int (*send)(mqd_t q, const char *msg, size_t len, unsigned prio);
	int (*timedsend)(mqd_t q, const char *msg, size_t len, unsigned prio, const struct timespec *abs);
	ssize_t (*receive)(mqd_t q, char *msg, size_t len, unsigned *prio);
	ssize_t (*timedreceive)(mqd_t q, char *msg, size_t len, unsigned *prio, const struct timespec *abs);
	int (*getattr)(mqd_t q, struct mq_attr *attr);
	int (*setattr)(mqd_t q, const struct mq_attr *attr, struct mq_attr *old);

	/** \brief The status line of queue \a queue ("/x"), or "ERR <errno name>". */
	std::string statusLine(const char *queue) const;
};

/** \brief glibc's mq_* (status lines from the kernel mqueue mount \a fileDir). */
Backend kernelBackend(const std::string &fileDir);

/** \brief libmqfs's mqfs_* (MQFS_ROOT must name \a mountDir). */
Backend mqfsBackend(const std::string &mountDir);

} /* namespace stress */
