/* SPDX-License-Identifier: MIT */
#include "timer.hpp"

#include <cassert>
#include <cerrno>

#include "queue.hpp"

namespace mqfs {

DeadlineTimer::DeadlineTimer() : thread_([this] { run(); }) {}

DeadlineTimer::~DeadlineTimer()
{
	{
		std::lock_guard lock(mutex_);
		stop_ = true;
	}
	cv_.notify_all();
	thread_.join();
}

void DeadlineTimer::arm(Waiter *w, Clock::time_point when)
{
	bool first;
	{
		std::lock_guard lock(mutex_);
		assert(!byWaiter_.count(w));
		auto it = byTime_.emplace(when, w);
		byWaiter_[w] = it;
		first = it == byTime_.begin();
	}
	if (first)
		cv_.notify_all();
}

void DeadlineTimer::disarm(Waiter *w)
{
	std::unique_lock lock(mutex_);
	auto it = byWaiter_.find(w);
	if (it != byWaiter_.end()) {
		byTime_.erase(it->second);
		byWaiter_.erase(it);
	}
	cv_.wait(lock, [&] { return firing_ != w; });
}

std::size_t DeadlineTimer::armed() const
{
	std::lock_guard lock(mutex_);
	return byTime_.size();
}

void DeadlineTimer::run()
{
	std::unique_lock lock(mutex_);
	while (!stop_) {
		if (byTime_.empty()) {
			cv_.wait(lock);
			continue;
		}
		auto first = byTime_.begin();
		if (first->first > Clock::now()) {
			/* A copy: disarm() may erase the entry while we wait. */
			const Clock::time_point when = first->first;
			cv_.wait_until(lock, when);
			continue;
		}
		Waiter *w = first->second;
		byWaiter_.erase(w);
		byTime_.erase(first);
		firing_ = w;
		lock.unlock();
		{
			WakeList wake;
			w->queue()->cancel(w, -ETIMEDOUT, wake);
			lock.lock();
			firing_ = nullptr;
			cv_.notify_all();
			lock.unlock();
		}
		lock.lock();
	}
}

} /* namespace mqfs */
