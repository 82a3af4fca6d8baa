/* SPDX-License-Identifier: MIT */
/**
 * @file timer.hpp
 * @brief One thread that ends parked waiters at their CLOCK_REALTIME deadline.
 *
 * mq_timedsend()/mq_timedreceive() take an absolute CLOCK_REALTIME deadline
 * (the kernel arms an HRTIMER_MODE_ABS timer), so we wait with
 * std::chrono::system_clock, which follows clock jumps as the kernel does.
 *
 * THREAD SAFETY: arm(), disarm() and the timer thread share mutex_. The
 * thread calls Queue::cancel() holding no timer lock, so the lock order
 * Timer::mutex_ -> Queue::mutex_ never arises; disarm() waits while the
 * thread is cancelling that very waiter, so a waiter may be freed as soon as
 * disarm() returns.
 */
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "thread_annotations.hpp"
#include "waiter.hpp"

namespace mqfs {

class DeadlineTimer
{
public:
	DeadlineTimer();
	~DeadlineTimer();
	MQFS_DISABLE_COPY_AND_MOVE(DeadlineTimer);

	/** \brief Cancel \a w with -ETIMEDOUT at \a when (arm it before parking it). */
	void arm(Waiter *w, Clock::time_point when);
	/** \brief Forget \a w; returns once no expiry of it is running. */
	void disarm(Waiter *w);

	std::size_t armed() const;

private:
	void run();

	mutable std::mutex mutex_;
	std::condition_variable cv_;
	std::multimap<Clock::time_point, Waiter *> byTime_ MQFS_GUARDED_BY(mutex_);
	std::unordered_map<Waiter *, std::multimap<Clock::time_point, Waiter *>::iterator>
		byWaiter_ MQFS_GUARDED_BY(mutex_);
	Waiter *firing_ MQFS_GUARDED_BY(mutex_) = nullptr;
	bool stop_ MQFS_GUARDED_BY(mutex_) = false;
	std::thread thread_;
};

} /* namespace mqfs */
