/* SPDX-License-Identifier: MIT */
/**
 * @file mqfs.hpp
 * @brief POSIX message queues through an mqfs mount: the C++ API.
 *
 * Needs C++20 (std::span). MessageQueue owns one queue descriptor (closed by its destructor). No
 * exceptions: operations return 0 (or a length) or a negative errno, and a
 * queue that failed to open is !isValid() with error() telling why.
 *
 * \code
 * mqfs::MessageQueue q("/jobs", O_CREAT | O_RDWR, 0600, mqfs::Attr{ 64, 1024 });
 * if (!q.isValid())
 *         return -q.error();           // a positive errno
 * q.send(std::string_view("hello"), 3); // priority 3
 * std::array<std::byte, 1024> buf;
 * unsigned prio;
 * ssize_t n = q.receive(buf, &prio);
 * \endcode
 */
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/types.h>

#include "mqfs.h"

namespace mqfs {

/** \brief Absolute CLOCK_REALTIME deadline, as mq_timed*() take. */
using Deadline = std::chrono::system_clock::time_point;

/** \brief Queue attributes at creation (mq_maxmsg, mq_msgsize). */
struct Attr {
	long maxmsg;
	long msgsize;
};

/** \brief mq_getattr()'s answer. */
struct Status {
	long flags; /* 0 or O_NONBLOCK */
	long maxmsg;
	long msgsize;
	long curmsgs;
};

class MQFS_EXPORT MessageQueue
{
public:
	MessageQueue() = default;
	/** \brief mq_open(): \a name starts with '/'. */
	MessageQueue(std::string_view name, int oflag, mode_t mode = 0600,
		     std::optional<Attr> attr = std::nullopt);
	/** \brief Adopt a descriptor (from mqfs_open() or open(2) of a queue file). */
	explicit MessageQueue(int fd) : fd_(fd) {}
	~MessageQueue();

	MessageQueue(const MessageQueue &) = delete;
	MessageQueue &operator=(const MessageQueue &) = delete;
	MessageQueue(MessageQueue &&other) noexcept;
	MessageQueue &operator=(MessageQueue &&other) noexcept;

	bool isValid() const { return fd_ >= 0; }
	/** \brief The negative errno of a failed open, 0 otherwise. */
	int error() const { return error_; }
	int fd() const { return fd_; }
	/** \brief Give up ownership of the descriptor. */
	[[nodiscard]] int release();
	/** \brief mq_close(). \return 0 or -errno */
	int close();

	/** \return 0 or -errno (EAGAIN, ETIMEDOUT, EMSGSIZE, EINTR, EBADF...) */
	int send(std::span<const std::byte> msg, unsigned prio = 0,
		 std::optional<Deadline> deadline = std::nullopt);
	int send(std::string_view msg, unsigned prio = 0,
		 std::optional<Deadline> deadline = std::nullopt);
	/** \return the message length or -errno */
	ssize_t receive(std::span<std::byte> buf, unsigned *prio = nullptr,
			std::optional<Deadline> deadline = std::nullopt);
	/** \brief Receive into a string sized to mq_msgsize. \return length or -errno */
	ssize_t receive(std::string &out, unsigned *prio = nullptr,
			std::optional<Deadline> deadline = std::nullopt);

	/**
	 * \brief mqfs_timedsend_batch(): \a msgs in order, as a loop of sends.
	 * \return how many were sent (>= 1), or -errno when none was
	 */
	ssize_t sendBatch(std::span<const mqfs_msg> msgs, std::optional<Deadline> deadline = std::nullopt);
	/**
	 * \brief mqfs_timedreceive_batch(): waits for one message, then takes
	 *        what is there, up to msgs.size() and what fits in \a buf.
	 * \return how many (msgs[i] point into \a buf), or -errno
	 */
	ssize_t receiveBatch(std::span<std::byte> buf, std::span<mqfs_msg> msgs,
			     std::optional<Deadline> deadline = std::nullopt);

	/** \return 0 or -errno */
	int status(Status &out) const;
	/** \brief mq_setattr() with only O_NONBLOCK. \return 0 or -errno */
	int setNonBlocking(bool on);
	/** \brief mq_notify(); nullptr unregisters. \return 0 or -errno */
	int notify(const struct sigevent *sev);

	/** \brief mq_unlink(). \return 0 or -errno */
	static int unlink(std::string_view name);

private:
	int fd_ = -1;
	int error_ = 0;
};

} /* namespace mqfs */
