/* SPDX-License-Identifier: MIT */
/**
 * @file c_api.cpp
 * @brief The C ABI: -1 and errno, as mq_*(3). No exception crosses it.
 */
#include "mqfs/mqfs.h"

#include <cerrno>
#include <cstdarg>
#include <new>

#include "client.hpp"

namespace {

template<typename T>
T fromResult(T rv)
{
	if (rv < 0) {
		errno = static_cast<int>(-rv);
		return -1;
	}
	return rv;
}

template<typename F>
auto guarded(F f) -> decltype(f())
{
	try {
		return fromResult(f());
	} catch (const std::bad_alloc &) {
		errno = ENOMEM;
	} catch (...) {
		errno = EIO;
	}
	return -1;
}

} /* namespace */

extern "C" {

mqd_t mqfs_open(const char *name, int oflag, ...)
{
	mode_t mode = 0;
	const struct mq_attr *attr = nullptr;
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = static_cast<mode_t>(va_arg(ap, unsigned int));
		attr = va_arg(ap, const struct mq_attr *);
		va_end(ap);
	}
	return guarded([&] { return mqfs::client::open(name, oflag, mode, attr); });
}

int mqfs_close(mqd_t mqdes)
{
	return close(mqdes);
}

int mqfs_unlink(const char *name)
{
	return guarded([&] { return mqfs::client::unlink(name); });
}

int mqfs_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio)
{
	return guarded([&] { return mqfs::client::timedsend(mqdes, msg_ptr, msg_len, msg_prio, nullptr); });
}

int mqfs_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio,
		   const struct timespec *abs_timeout)
{
	return guarded([&] { return mqfs::client::timedsend(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout); });
}

ssize_t mqfs_send_batch(mqd_t mqdes, const struct mqfs_msg *msgs, size_t count)
{
	return guarded([&] { return mqfs::client::sendBatch(mqdes, msgs, count, nullptr); });
}

ssize_t mqfs_timedsend_batch(mqd_t mqdes, const struct mqfs_msg *msgs, size_t count,
			     const struct timespec *abs_timeout)
{
	return guarded([&] { return mqfs::client::sendBatch(mqdes, msgs, count, abs_timeout); });
}

ssize_t mqfs_receive_batch(mqd_t mqdes, char *buf, size_t buf_len, struct mqfs_msg *msgs, size_t count)
{
	return guarded([&] { return mqfs::client::receiveBatch(mqdes, buf, buf_len, msgs, count, nullptr); });
}

ssize_t mqfs_timedreceive_batch(mqd_t mqdes, char *buf, size_t buf_len, struct mqfs_msg *msgs,
				size_t count, const struct timespec *abs_timeout)
{
	return guarded([&] {
		return mqfs::client::receiveBatch(mqdes, buf, buf_len, msgs, count, abs_timeout);
	});
}

ssize_t mqfs_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio)
{
	return guarded([&] { return mqfs::client::timedreceive(mqdes, msg_ptr, msg_len, msg_prio, nullptr); });
}

ssize_t mqfs_timedreceive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio,
			  const struct timespec *abs_timeout)
{
	return guarded([&] {
		return mqfs::client::timedreceive(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);
	});
}

int mqfs_getattr(mqd_t mqdes, struct mq_attr *attr)
{
	return guarded([&] { return mqfs::client::getattr(mqdes, attr); });
}

int mqfs_setattr(mqd_t mqdes, const struct mq_attr *newattr, struct mq_attr *oldattr)
{
	return guarded([&] { return mqfs::client::setattr(mqdes, newattr, oldattr); });
}

int mqfs_notify(mqd_t mqdes, const struct sigevent *sevp)
{
	return guarded([&] { return mqfs::client::notify(mqdes, sevp); });
}

} /* extern "C" */
