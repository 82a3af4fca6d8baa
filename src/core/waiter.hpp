/* SPDX-License-Identifier: MIT */
/**
 * @file waiter.hpp
 * @brief A blocked send or receive, parked on a Queue without a thread.
 *
 * The core never sleeps on behalf of a caller. A call that must block hands
 * the Queue a Waiter; whoever later decides its outcome (a send, a receive, a
 * timeout, an interruption, shutdown) moves it to Done under the queue lock
 * and puts it on a WakeList, whose owner calls complete() once the lock is
 * released. The FUSE glue implements Waiter on top of a parked request, so a
 * thousand blocked receivers cost a thousand small objects and no threads.
 *
 * LIFECYCLE: Idle (built by the caller) -> Parked (on the queue's list) ->
 * Done (outcome decided, complete() pending or running). cancel() on an Idle
 * waiter records the error in pending_, and park() then refuses it.
 *
 * THREAD SAFETY: state_, pending_ and the list position belong to the queue
 * lock of queue_. complete() is called without any core lock held.
 */
#pragma once

#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <vector>

#include <sys/types.h>

#include "message.hpp"
#include "notify.hpp"
#include "thread_annotations.hpp"

namespace mqfs {

class Queue;

using Clock = std::chrono::system_clock; /* CLOCK_REALTIME, as mq_timed*() */
using Deadline = std::optional<Clock::time_point>;

using Sender = NotifySender;

class Waiter
{
public:
	enum class Kind { Send, Receive };
	enum class State { Idle, Parked, Done };

	Waiter(Kind kind, std::shared_ptr<Queue> queue) : kind_(kind), queue_(std::move(queue)) {}
	virtual ~Waiter() = default;
	MQFS_DISABLE_COPY_AND_MOVE(Waiter);

	/**
	 * \brief Has the caller gone away (its request interrupted)?
	 *
	 * Called with the queue lock held, before a message is handed over or a
	 * blocked send admitted: such a waiter is completed with -EINTR instead.
	 */
	virtual bool abandoned() { return false; }

	/**
	 * \brief The outcome: 0, or a negative errno.
	 *
	 * Called exactly once, with no core lock held. For a receiver with
	 * result 0, message() and prio() hold what it received.
	 */
	virtual void complete(int result) = 0;

	Kind kind() const { return kind_; }
	const std::shared_ptr<Queue> &queue() const { return queue_; }

	/* Send: what to send. Receive: what was received. */
	Message &message() { return msg_; }
	unsigned prio() const { return prio_; }
	void setMessage(Message m, unsigned prio)
	{
		msg_ = std::move(m);
		prio_ = prio;
	}

	Sender sender; /* for Send waiters */
	Deadline deadline;

private:
	friend class Queue;

	const Kind kind_;
	const std::shared_ptr<Queue> queue_;
	Message msg_;
	unsigned prio_ = 0;

	/* Guarded by queue_->mutex_. */
	State state_ = State::Idle;
	int pending_ = 0;
	int result_ = 0;
	std::list<Waiter *>::iterator pos_;
};

/**
 * \brief Work decided under a queue lock, done after it is released.
 *
 * Destroy (or run()) a WakeList only after the lock that filled it is gone;
 * declaring it before the lock guard in a scope gets this right.
 */
class WakeList
{
public:
	WakeList() = default;
	~WakeList() { run(); }
	MQFS_DISABLE_COPY_AND_MOVE(WakeList);

	void complete(Waiter *w, int result)
	{
		waiters_.push_back({ w, result });
	}
	void readinessChanged(std::shared_ptr<Queue> q)
	{
		ready_.push_back(std::move(q));
	}
	void notify(std::shared_ptr<Queue> q, NotifyEvent ev)
	{
		notes_.emplace_back(std::move(q), std::move(ev));
	}

	/** \brief Run everything collected so far. */
	void run();

private:
	struct Completion {
		Waiter *w;
		int result;
	};
	std::vector<Completion> waiters_;
	std::vector<std::shared_ptr<Queue>> ready_;
	std::vector<std::pair<std::shared_ptr<Queue>, NotifyEvent>> notes_;
};

} /* namespace mqfs */
