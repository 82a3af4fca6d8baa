/* SPDX-License-Identifier: MIT */
/**
 * @file shim.cpp
 * @brief The symbols mqfs-preload.so puts in front of glibc's.
 *
 * Only extern "C" forwarders (STYLE.md convention 15); the routing is the
 * Interposer's. Each definition repeats glibc's declaration, exception
 * specification included (__THROW). Unversioned definitions bind to every
 * version a program may reference: mq_open@@GLIBC_2.34 of programs linked
 * against glibc 2.34 or later, mq_open@GLIBC_2.3.4 (then in librt) of older
 * ones. The __*_time64 variants exist in glibc only where time_t is 32 bits.
 */
/* bits/mqueue2.h would define mq_open inline. */
#undef _FORTIFY_SOURCE

#include <cstdarg>

#include <fcntl.h>
#include <mqueue.h>

#include "interposer.hpp"
#include "mqfs/mqfs.h"

using mqfs::preload::Interposer;

extern "C" {

/* Declared by glibc only under _FORTIFY_SOURCE, or with _TIME_BITS=64 under
 * another name. */
MQFS_EXPORT mqd_t __mq_open_2(const char *name, int oflag) __THROW;
#ifdef MQFS_HAVE_MQ_TIME64
MQFS_EXPORT int __mq_timedsend_time64(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio,
				      const void *abs_timeout);
MQFS_EXPORT ssize_t __mq_timedreceive_time64(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio,
					     const void *abs_timeout);
#endif

MQFS_EXPORT mqd_t mq_open(const char *name, int oflag, ...) __THROW
{
	mode_t mode = 0;
	struct mq_attr *attr = nullptr;
	/* glibc reads mode and attr only with O_CREAT. */
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = static_cast<mode_t>(va_arg(ap, unsigned int));
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	return Interposer::instance().open(name, oflag, mode, attr);
}

MQFS_EXPORT mqd_t __mq_open_2(const char *name, int oflag) __THROW
{
	return Interposer::instance().open2(name, oflag);
}

MQFS_EXPORT int mq_close(mqd_t mqdes) __THROW
{
	return Interposer::instance().close(mqdes);
}

MQFS_EXPORT int mq_unlink(const char *name) __THROW
{
	return Interposer::instance().unlink(name);
}

MQFS_EXPORT int mq_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio)
{
	return Interposer::instance().send(mqdes, msg_ptr, msg_len, msg_prio);
}

MQFS_EXPORT int mq_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio,
			     const struct timespec *abs_timeout)
{
	return Interposer::instance().timedsend(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);
}

MQFS_EXPORT ssize_t mq_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio)
{
	return Interposer::instance().receive(mqdes, msg_ptr, msg_len, msg_prio);
}

MQFS_EXPORT ssize_t mq_timedreceive(mqd_t mqdes, char *__restrict msg_ptr, size_t msg_len,
				    unsigned int *__restrict msg_prio,
				    const struct timespec *__restrict abs_timeout)
{
	return Interposer::instance().timedreceive(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);
}

MQFS_EXPORT int mq_getattr(mqd_t mqdes, struct mq_attr *mqstat) __THROW
{
	return Interposer::instance().getattr(mqdes, mqstat);
}

MQFS_EXPORT int mq_setattr(mqd_t mqdes, const struct mq_attr *__restrict mqstat,
			   struct mq_attr *__restrict omqstat) __THROW
{
	return Interposer::instance().setattr(mqdes, mqstat, omqstat);
}

MQFS_EXPORT int mq_notify(mqd_t mqdes, const struct sigevent *notification) __THROW
{
	return Interposer::instance().notify(mqdes, notification);
}

#ifdef MQFS_HAVE_MQ_TIME64
MQFS_EXPORT int __mq_timedsend_time64(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio,
				      const void *abs_timeout)
{
	return Interposer::instance().timedsend64(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);
}

MQFS_EXPORT ssize_t __mq_timedreceive_time64(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio,
					     const void *abs_timeout)
{
	return Interposer::instance().timedreceive64(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);
}
#endif

} /* extern "C" */
