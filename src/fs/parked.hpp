/* SPDX-License-Identifier: MIT */
/**
 * @file parked.hpp
 * @brief A FUSE request parked on a queue: a blocked send or receive.
 *
 * The request is answered later by whoever ends the wait: a send or receive
 * on the same queue, the deadline timer, the kernel's FUSE_INTERRUPT, or
 * shutdown. No thread waits for it.
 *
 * LIFECYCLE: new -> start() -> either finished at once (not parked) or
 * Queue::* parks it -> complete() (exactly once) replies and deletes it.
 * Before deleting, complete() unregisters the interrupt callback (which
 * waits for a running callback, libfuse holds req->lock while calling it) and
 * disarms the timer (which waits for a running expiry), so nothing can reach
 * a freed ParkedCall.
 *
 * Lock order: libfuse req->lock (interrupt callback) -> Queue::mutex_ ->
 * libfuse se->lock (fuse_req_interrupted()). complete() runs with no queue lock.
 */
#pragma once

#include <span>

#include "core/queue.hpp"
#include "filesystem.hpp"
#include "fuse.hpp"

namespace mqfs::fs {

class ParkedCall : public Waiter
{
public:
	ParkedCall(Kind kind, std::shared_ptr<Queue> q, fuse_req_t req, Filesystem &fs)
		: Waiter(kind, std::move(q)), req_(req), fs_(fs)
	{
	}

	/**
	 * \brief Arm the interrupt callback and the deadline, before parking.
	 * Must be called before handing the waiter to the queue.
	 */
	void arm();

	/** \brief Undo arm() for a waiter the queue did not park, and delete it. */
	void discard();

	bool abandoned() override { return fuse_req_interrupted(req_); }

	fuse_req_t req() const { return req_; }

protected:
	/** \brief Send the reply for \a result. Called once, from complete(). */
	virtual void reply(int result) = 0;

	Filesystem &fs() { return fs_; }

private:
	void complete(int result) final;
	void disarm();
	static void interrupted(fuse_req_t req, void *data);

	fuse_req_t req_;
	Filesystem &fs_;
};

/** \brief A parked mq_timedreceive() (a read at a receive offset, or RECV_BEGIN). */
class ParkedReceive final : public ParkedCall
{
public:
	/** \brief Answer \a req with a received message (or give it back). */
	using ReplyFn = void (*)(fuse_req_t req, Queue &q, void *context, Message &msg, unsigned prio);
	ParkedReceive(std::shared_ptr<Queue> q, fuse_req_t req, Filesystem &fs, ReplyFn fn)
		: ParkedCall(Kind::Receive, std::move(q), req, fs), replyFn_(fn)
	{
	}
	void *context = nullptr; /* for replyFn_ (e.g. the View of a staged receive) */

private:
	void reply(int result) override;
	ReplyFn replyFn_;
};

/** \brief A parked mq_timedsend() (MQFS_IOC_SEND or SEND_COMMIT). */
class ParkedSend final : public ParkedCall
{
public:
	using ParkedCall::ParkedCall;
	int okResult = 0; /* the ioctl's result on success (a batch: 1 message sent) */

private:
	void reply(int result) override;
};

/**
 * \brief Reply to a receive with the header and the message (one writev).
 * \return 0, or the reply's error: then the message was not delivered.
 */
int replyMessage(fuse_req_t req, const Message &msg, unsigned prio);

} /* namespace mqfs::fs */
