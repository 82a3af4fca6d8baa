/* SPDX-License-Identifier: MIT */
/**
 * @file client.hpp
 * @brief libmqfs internals: the mq_* calls as functions returning -errno.
 *
 * Both public faces (the C ABI and the C++ API) are thin layers over these.
 * Nothing here keeps per-descriptor state, so fork, dup and descriptors from
 * open(2) need no bookkeeping; the only process state is the cached root.
 */
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include <mqueue.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include "mqfs/mqfs.h"

namespace mqfs::client {

/** \brief The mount the library uses: $MQFS_ROOT or MQFS_DEFAULT_ROOT. -ENOSYS if not mqfs. */
int rootPath(std::string &out);

/** \return an fd or -errno */
int open(const char *name, int oflag, mode_t mode, const struct mq_attr *attr);
int unlink(const char *name);
/** \return 0 or -errno */
int timedsend(int fd, const char *msg, size_t len, unsigned prio, const struct timespec *abs);
/** \return the length or -errno */
ssize_t timedreceive(int fd, char *msg, size_t len, unsigned *prio, const struct timespec *abs);
/** \return how many were sent (>= 1), or -errno when none was */
ssize_t sendBatch(int fd, const struct mqfs_msg *msgs, size_t count, const struct timespec *abs);
/** \return how many were received (>= 1), or -errno */
ssize_t receiveBatch(int fd, char *buf, size_t len, struct mqfs_msg *msgs, size_t count,
		     const struct timespec *abs);
int getattr(int fd, struct mq_attr *attr);
int setattr(int fd, const struct mq_attr *newattr, struct mq_attr *oldattr);
int notify(int fd, const struct sigevent *sev);

} /* namespace mqfs::client */
