/* SPDX-License-Identifier: MIT */
/**
 * @file queue.hpp
 * @brief One POSIX message queue: messages, waiters, notification, file view.
 *
 * Semantics follow ipc/mqueue.c: messages leave highest priority first, FIFO
 * within a priority; a send finding a receiver waiting hands the message over
 * directly (curmsgs and QSIZE never move, no notification); a receive that
 * frees a slot admits the oldest blocked sender; a notification fires only
 * when a stored message turns an empty queue non-empty, and then unregisters.
 * Deliberate difference: blocked callers are served first come, first served;
 * the kernel orders them by the scheduling priority of the waiting task.
 *
 * THREAD SAFETY: every mutable field is guarded by mutex_. Lock order:
 * Registry::mutex_ before Queue::mutex_. Observer calls and waiter
 * completions happen after mutex_ is released, through a WakeList.
 *
 * LIFECYCLE: a Queue lives while the Registry links its name or anything (an
 * open file, a parked waiter, an inode the kernel still knows) holds a
 * shared_ptr to it. Accounting (queues_max, RLIMIT_MSGQUEUE) is the
 * Registry's and ends at the last close after unlink, as on the kernel.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>
#include <ctime>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include <sys/types.h>

#include "message.hpp"
#include "notify.hpp"
#include "thread_annotations.hpp"
#include "waiter.hpp"

namespace mqfs {

/** \brief One message of a batch: what to send, or what was received. */
struct BatchItem {
	Message msg;
	unsigned prio;
};

struct QueueAttr {
	long maxmsg;
	long msgsize;
};

/** \brief What stat(2) shows of a queue file. */
struct QueueStat {
	std::uint64_t ino;
	mode_t mode; /* S_IFREG | permission bits */
	uid_t uid;
	gid_t gid;
	unsigned nlink;
	off_t size;
	time_t atime, mtime, ctime;
};

/** \brief mq_getattr() without mq_flags (that belongs to the open file). */
struct QueueCounts {
	QueueAttr attr;
	long curmsgs;
	std::uint64_t qsize;
};

/** \brief Changes asked by setattr; unset fields stay. */
struct AttrChange {
	std::optional<mode_t> mode;
	std::optional<uid_t> uid;
	std::optional<gid_t> gid;
	std::optional<off_t> size;
	std::optional<time_t> atime;
	std::optional<time_t> mtime;
	std::optional<time_t> ctime;
};

/** \brief Bits of poll(2), as the kernel's mqueue_poll_file() reports them. */
inline constexpr unsigned kPollIn = 0x001 | 0x040;  /* POLLIN | POLLRDNORM */
inline constexpr unsigned kPollOut = 0x004 | 0x100; /* POLLOUT | POLLWRNORM */

/** \brief Returned by send()/receive() when the waiter was parked. */
inline constexpr int kParked = 1;

/** \brief The status file is FILENT_SIZE bytes long. */
inline constexpr off_t kStatusFileSize = 80;

class Queue : public std::enable_shared_from_this<Queue>
{
public:
	Queue(std::uint64_t ino, QueueAttr attr, uid_t uid, gid_t gid, mode_t perm, time_t now,
	      QueueObserver *observer, std::unique_ptr<MessageStore> store = nullptr);
	MQFS_DISABLE_COPY_AND_MOVE(Queue);

	std::uint64_t ino() const { return ino_; }
	const QueueAttr &attr() const { return attr_; }
	QueueObserver *observer() const { return observer_; }

	/**
	 * \brief mq_timedsend() from the point where the descriptor was found writable.
	 *
	 * \param msg the message (taken only on success or when parked)
	 * \param w where to park if the queue is full; nullptr means O_NONBLOCK
	 * \return 0 sent, kParked (w now waits), -EMSGSIZE, -EAGAIN, -ETIMEDOUT, -EINTR
	 */
	int send(Message &msg, unsigned prio, const Sender &sender, Waiter *w, WakeList &wake);

	/**
	 * \brief mq_timedreceive() from the point where the descriptor was found readable.
	 *
	 * \param bufLen the caller's buffer size (EMSGSIZE below mq_msgsize)
	 * \return 0 (out and prio filled), kParked, -EMSGSIZE, -EAGAIN, -ETIMEDOUT, -EINTR
	 */
	int receive(std::size_t bufLen, Message &out, unsigned &prio, Waiter *w, WakeList &wake);

	/**
	 * \brief Batch send that never blocks: what a loop of mq_send() calls
	 *        does until the first one that would fail.
	 *
	 * Sends \a items in order (each handed to a waiting receiver or stored,
	 * notifying as a single send would) while the queue has room.
	 * \param stop when fewer than all were sent, why: -EAGAIN (full) or
	 *        -EMSGSIZE (that item is larger than mq_msgsize)
	 * \return the number sent; those items are moved from
	 */
	std::size_t sendMany(std::span<BatchItem> items, const Sender &sender, int &stop,
			     WakeList &wake);

	/**
	 * \brief Batch receive that never blocks: what a loop of mq_receive()
	 *        calls does while the queue has messages.
	 *
	 * Takes messages in receive order, at most \a max, while \a fits accepts
	 * the next one's size; each taken message admits one blocked sender, as
	 * a receive does. The caller checked the buffer size against mq_msgsize.
	 * \return the number appended to \a out (0: the queue was empty)
	 */
	std::size_t receiveMany(std::size_t max, const std::function<bool(std::size_t)> &fits,
				std::vector<BatchItem> &out, WakeList &wake);

	/** \brief End a waiter early (timeout, interruption). No-op when already Done. */
	void cancel(Waiter *w, int err, WakeList &wake);

	/** \brief End every waiter with \a err (shutdown). */
	void cancelAll(int err, WakeList &wake);

	/**
	 * \brief A message handed to a receiver that never got it comes back.
	 *
	 * It goes to a waiting receiver or to the head of its priority (even if
	 * that makes the queue hold one message more than maxmsg for a while).
	 */
	void requeue(Message msg, unsigned prio, WakeList &wake);

	/** \brief requeue() for a batch taken by receiveMany(): they go back in their order. */
	void requeueMany(std::span<BatchItem> items, WakeList &wake);

	/* Notification (mq_notify). */
	/** \return 0 or -EBUSY */
	int notifyRegister(NotifyReg reg, WakeList &wake);
	/** \brief mq_notify(NULL): removes the registration if \a caller owns it. */
	void notifyUnregister(pid_t caller, WakeList &wake);
	/** \brief The registered owner (thread group id), 0 when none. */
	pid_t notifyOwner() const;
	/** \brief A descriptor of this queue was closed by \a closer (mqueue_flush_file()). */
	void closedBy(pid_t closer, WakeList &wake);

	/* File view. */
	QueueStat stat() const;
	QueueCounts counts() const;
	unsigned pollBits() const;
	/** \brief The status line, and atime/ctime updated when \a touch. */
	std::string statusLine(bool touch);
	void setAttr(const AttrChange &c);
	/** \brief mq_setattr() with new attributes, or a notify change: atime and ctime. */
	void touchAC();
	void setLinked(bool linked);

private:
	bool fullLocked() const MQFS_REQUIRES(mutex_);
	void storeLocked(Message msg, unsigned prio, bool front, const Sender *sender,
			 WakeList &wake) MQFS_REQUIRES(mutex_);
	void parkLocked(Waiter *w) MQFS_REQUIRES(mutex_);
	void finishLocked(Waiter *w, int result, WakeList &wake) MQFS_REQUIRES(mutex_);
	/** \brief A send with room: to the first waiting receiver, else into the store. */
	void deliverLocked(Message msg, unsigned prio, const Sender &sender, WakeList &wake)
		MQFS_REQUIRES(mutex_);
	void admitSenderLocked(WakeList &wake) MQFS_REQUIRES(mutex_);
	void requeueLocked(Message msg, unsigned prio, WakeList &wake) MQFS_REQUIRES(mutex_);
	Waiter *firstLiveLocked(std::list<Waiter *> &list, WakeList &wake) MQFS_REQUIRES(mutex_);
	void touchAMCLocked() MQFS_REQUIRES(mutex_);
	void removeNotifyLocked(WakeList &wake) MQFS_REQUIRES(mutex_);

	const std::uint64_t ino_;
	const QueueAttr attr_;
	QueueObserver *const observer_;

	mutable std::mutex mutex_;
	std::unique_ptr<MessageStore> store_ MQFS_GUARDED_BY(mutex_);
	std::list<Waiter *> receivers_ MQFS_GUARDED_BY(mutex_);
	std::list<Waiter *> senders_ MQFS_GUARDED_BY(mutex_);
	NotifyReg notify_ MQFS_GUARDED_BY(mutex_);

	mode_t perm_ MQFS_GUARDED_BY(mutex_);
	uid_t uid_ MQFS_GUARDED_BY(mutex_);
	gid_t gid_ MQFS_GUARDED_BY(mutex_);
	off_t size_ MQFS_GUARDED_BY(mutex_) = kStatusFileSize;
	bool linked_ MQFS_GUARDED_BY(mutex_) = true;
	time_t atime_ MQFS_GUARDED_BY(mutex_);
	time_t mtime_ MQFS_GUARDED_BY(mutex_);
	time_t ctime_ MQFS_GUARDED_BY(mutex_);
};

/** \brief Format the kernel's status line (ipc/mqueue.c mqueue_read_file()). */
std::string formatStatusLine(std::uint64_t qsize, int notify, int signo, pid_t pid);

} /* namespace mqfs */
